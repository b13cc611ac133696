"""SQL of the intake service; keyword-only functions taking a connection."""

from __future__ import annotations

import base64
from datetime import date, datetime
from typing import Any

import asyncpg
import orjson

from shared.crypto import WrappedKey
from shared.db import Connection


async def next_reference(conn: Connection, *, year: int) -> str:
    # A sequence per year: no row lock serialises submissions; a rolled-back submission leaves
    # a gap in the numbers, which the reference's uniqueness does not mind.
    sequence = f"case_reference_{year:04d}"
    try:
        async with conn.transaction():  # a savepoint: a missing sequence must not doom the tx
            number = await conn.fetchval(f"SELECT nextval('{sequence}')")
    except asyncpg.UndefinedTableError:
        try:
            async with conn.transaction():
                await conn.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence}")
        except (asyncpg.UniqueViolationError, asyncpg.DuplicateTableError):
            pass  # a concurrent first submission of the year created it; it has committed now
        number = await conn.fetchval(f"SELECT nextval('{sequence}')")
    return f"VF-{year:04d}-{number:06d}"


async def insert_case(
    conn: Connection, *, case_id: str, reference: str, org_id: str, country: str, urgency: str,
    status: str, needs_medical: bool, needs_legal: bool, submitted_by: str, at: datetime,
    correlation_id: str,
) -> None:
    await conn.execute(
        "INSERT INTO cases (case_id, reference, org_id, country, urgency, status, needs_medical,"
        " needs_legal, submitted_by, submitted_at, updated_at, correlation_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11)",
        case_id, reference, org_id, country, urgency, status, needs_medical, needs_legal,
        submitted_by, at, correlation_id,
    )


async def insert_items(conn: Connection, *, case_id: str, items: list[dict[str, Any]]) -> None:
    await conn.executemany(
        "INSERT INTO case_items (case_id, item_id, position, category, amount_minor, currency)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        [(case_id, i["item_id"], n, i["category"], i["amount_minor"], i["currency"])
         for n, i in enumerate(items)],
    )


async def insert_sealed(
    conn: Connection, *, case_id: str, wrapped: WrappedKey, blobs: dict[str, bytes]
) -> None:
    await conn.execute(
        "INSERT INTO case_keys (case_id, key_id, wrapped) VALUES ($1, $2, $3)",
        case_id, wrapped.key_id, wrapped.blob,
    )
    await conn.executemany(
        "INSERT INTO case_personal (case_id, field, blob) VALUES ($1, $2, $3)",
        [(case_id, name, blob) for name, blob in blobs.items()],
    )


async def load_sealed(
    conn: Connection, *, case_id: str
) -> tuple[WrappedKey, dict[str, bytes]] | None:
    key = await conn.fetchrow("SELECT key_id, wrapped FROM case_keys WHERE case_id = $1", case_id)
    if key is None:
        return None
    rows = await conn.fetch("SELECT field, blob FROM case_personal WHERE case_id = $1", case_id)
    return WrappedKey(key["key_id"], bytes(key["wrapped"])), {
        r["field"]: bytes(r["blob"]) for r in rows
    }


async def add_history(
    conn: Connection, *, case_id: str, at: datetime, kind: str, actor: str | None,
    event_id: str | None, detail: dict[str, Any] | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO case_history (case_id, at, kind, actor, event_id, detail)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        case_id, at, kind, actor, event_id, detail or {},
    )


async def get_case(
    conn: Connection, *, case_id: str, for_update: bool = False
) -> asyncpg.Record | None:
    lock = " FOR UPDATE" if for_update else ""
    return await conn.fetchrow(f"SELECT * FROM cases WHERE case_id = $1{lock}", case_id)


async def get_items(conn: Connection, *, case_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT item_id, category, amount_minor, currency FROM case_items"
        " WHERE case_id = $1 ORDER BY position", case_id,
    )


async def get_history(conn: Connection, *, case_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT at, kind, actor, detail FROM case_history WHERE case_id = $1 ORDER BY at, id",
        case_id,
    )


def encode_cursor(submitted_at: datetime, case_id: str) -> str:
    raw = orjson.dumps([submitted_at.isoformat(), str(case_id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    padded = cursor + "=" * (-len(cursor) % 4)
    at, case_id = orjson.loads(base64.urlsafe_b64decode(padded))
    return datetime.fromisoformat(at), str(case_id)


async def list_cases(
    conn: Connection, *, org_id: str | None, status: str | None, urgency: str | None,
    country: str | None, submitted_from: date | None, limit: int,
    after: tuple[datetime, str] | None,
) -> list[asyncpg.Record]:
    clauses, args = [], []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if org_id is not None:
        clauses.append(f"org_id = {arg(org_id)}")
    if status is not None:
        clauses.append(f"status = {arg(status)}")
    if urgency is not None:
        clauses.append(f"urgency = {arg(urgency)}")
    if country is not None:
        clauses.append(f"country = {arg(country)}")
    if submitted_from is not None:
        clauses.append(f"submitted_at >= {arg(submitted_from)}")
    if after is not None:
        clauses.append(f"(submitted_at, case_id) < ({arg(after[0])}, {arg(after[1])}::uuid)")
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    return await conn.fetch(
        f"SELECT case_id, reference, org_id, status, urgency, country, submitted_at,"
        f" possible_duplicate, version FROM cases{where}"
        f" ORDER BY submitted_at DESC, case_id DESC LIMIT {arg(limit)}",
        *args,
    )
