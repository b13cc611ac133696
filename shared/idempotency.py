"""Idempotency-Key for creating POSTs: the same key and body answer the same, never twice."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import orjson
from fastapi.responses import JSONResponse

from shared.db import Connection, Db
from shared.problems import Problem

Work = Callable[[Connection], Awaitable[tuple[int, dict[str, Any], dict[str, str]]]]


def body_hash(payload: Any) -> str:
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()


Owner = tuple[str, str | None]


def scope_of(owner: Owner) -> str:
    """Whose keys these are: the subject AND its organisation, so that one subject acting for
    two organisations (or a subject reused by another organisation) never replays an answer
    made for the other. Stored in the `principal` column as a JSON pair."""
    return orjson.dumps(list(owner)).decode()


async def _replay(
    conn: Connection, *, principal: str, route: str, key: str, digest: str
) -> JSONResponse | None:
    row = await conn.fetchrow(
        "SELECT request_hash, status, response, headers FROM idempotency_keys"
        " WHERE principal = $1 AND route = $2 AND key = $3",
        principal,
        route,
        key,
    )
    if row is None:
        return None
    if row["request_hash"] != digest:
        raise Problem(
            422,
            "this Idempotency-Key was used with a different request body",
            code="idempotency-key-reused",
        )
    headers = dict(row["headers"])
    headers["Idempotent-Replayed"] = "true"
    return JSONResponse(row["response"], status_code=row["status"], headers=headers)


async def run(
    db: Db, *, key: str | None, principal: Owner, route: str, payload: Any, work: Work
) -> JSONResponse:
    """Run `work` in one transaction, remembering its answer under the key in the same one.
    `principal`: (subject, organisation) of who asks."""
    if key is not None and not (0 < len(key) <= 200):
        raise Problem(
            400, "Idempotency-Key must be 1 to 200 characters", code="bad-idempotency-key"
        )
    owner = scope_of(principal)
    digest = body_hash(payload)
    for _ in range(2):
        try:
            async with db.transaction() as tx:
                if key is not None:
                    replay = await _replay(tx, principal=owner, route=route, key=key, digest=digest)
                    if replay is not None:
                        return replay
                status, body, headers = await work(tx)
                if key is not None:
                    await tx.execute(
                        "INSERT INTO idempotency_keys"
                        " (principal, key, route, request_hash, status, response, headers)"
                        " VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        owner,
                        key,
                        route,
                        digest,
                        status,
                        body,
                        headers,
                    )
                return JSONResponse(body, status_code=status, headers=headers)
        except asyncpg.UniqueViolationError as exc:
            # A concurrent twin with the same key committed first: our work rolled back whole.
            if key is None or exc.constraint_name != "idempotency_keys_pkey":
                raise
    async with db.connection() as conn:
        replay = await _replay(conn, principal=owner, route=route, key=key or "", digest=digest)
    if replay is None:  # pragma: no cover - the twin's row is committed by now
        raise Problem(409, "a concurrent request with this Idempotency-Key is in progress")
    return replay
