"""Audit HTTP routes: read-only, for auditors and admins."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query

from shared.auth import Principal, require
from shared.deps import DbDep

router = APIRouter(tags=["audit"])
Reader = Annotated[Principal, Depends(require("auditor", "admin"))]


@router.get("/log")
async def log(
    db: DbDep, _: Reader,
    after: Annotated[int, Query(ge=-1)] = -1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    type: Annotated[str | None, Query(max_length=200)] = None,  # noqa: A002 - the contract's name
    subject: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[int | None, Query(ge=-1)] = None,
) -> dict[str, Any]:
    start = cursor if cursor is not None else after
    async with db.connection() as conn:
        rows = await conn.fetch(
            "SELECT idx, event, recorded_at, leaf_hash FROM log_entries"
            " WHERE idx > $1 AND ($2::text IS NULL OR event_type = $2)"
            " AND ($3::text IS NULL OR subject = $3) ORDER BY idx LIMIT $4",
            start, type, subject, limit + 1,
        )
    page = rows[:limit]
    return {
        "items": [{"index": r["idx"], "event": orjson.loads(r["event"]),
                   "recorded_at": r["recorded_at"].isoformat(),
                   "leaf_hash": bytes(r["leaf_hash"]).hex()} for r in page],
        "next_cursor": str(page[-1]["idx"]) if len(rows) > limit else None,
    }
