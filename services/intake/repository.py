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
    # a gap in the numbers, which the reference's uniqueness does not mind. to_regclass answers
    # NULL for a missing sequence instead of failing, so the usual path needs no savepoint.
    sequence = f"case_reference_{year:04d}"
    number = await conn.fetchval(
        "SELECT CASE WHEN to_regclass($1) IS NOT NULL THEN nextval($1::regclass) END", sequence
    )
    if number is None:
        try:
            async with conn.transaction():  # a savepoint: a failed CREATE must not doom the tx
                await conn.execute(f"CREATE SEQUENCE IF NOT EXISTS {sequence}")
        except (asyncpg.UniqueViolationError, asyncpg.DuplicateTableError):
            pass  # a concurrent first submission of the year created it; it has committed now
        number = await conn.fetchval(f"SELECT nextval('{sequence}')")
    return f"VF-{year:04d}-{number:06d}"


async def insert_submission(
    conn: Connection, *, case_id: str, reference: str, org_id: str, country: str, urgency: str,
    status: str, needs_medical: bool, needs_legal: bool, submitted_by: str, at: datetime,
    correlation_id: str, event_id: str, items: list[dict[str, Any]], wrapped: WrappedKey,
    blobs: dict[str, bytes], tokens: list[tuple[str, bytes]],
) -> list[str]:
    """Insert a new case whole (items, sealed data, history, blind tokens) in one statement.

    Answers the other cases sharing a blind token. The caller holds the tokens' advisory locks
    from an earlier statement, so this statement's snapshot sees every committed rival's tokens.
    """
    rows = await conn.fetch(
        "WITH c AS ("
        "  INSERT INTO cases (case_id, reference, org_id, country, urgency, status,"
        "   needs_medical, needs_legal, submitted_by, submitted_at, updated_at, correlation_id)"
        "  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10, $11) RETURNING case_id"
        "), items AS ("
        "  INSERT INTO case_items (case_id, item_id, position, category, amount_minor, currency)"
        "  SELECT c.case_id, i.item_id, i.n - 1, i.category, i.amount_minor, i.currency FROM c,"
        "   unnest($12::text[], $13::text[], $14::bigint[], $15::text[]) WITH ORDINALITY"
        "   AS i(item_id, category, amount_minor, currency, n)"
        "), keys AS ("
        "  INSERT INTO case_keys (case_id, key_id, wrapped) SELECT c.case_id, $16, $17 FROM c"
        "), personal AS ("
        "  INSERT INTO case_personal (case_id, field, blob)"
        "  SELECT c.case_id, p.field, p.blob FROM c,"
        "   unnest($18::text[], $19::bytea[]) AS p(field, blob)"
        "), history AS ("
        "  INSERT INTO case_history (case_id, at, kind, actor, event_id)"
        "  SELECT c.case_id, $10, 'submitted', $9, $20 FROM c"
        "), tokens AS ("
        "  INSERT INTO case_blind_tokens (kind, digest, case_id)"
        "  SELECT t.kind, t.digest, c.case_id FROM c, unnest($21::text[], $22::bytea[])"
        "   AS t(kind, digest) ON CONFLICT DO NOTHING"
        ")"
        " SELECT DISTINCT b.case_id FROM case_blind_tokens b"
        " JOIN unnest($21::text[], $22::bytea[]) AS q(kind, digest)"
        " ON b.kind = q.kind AND b.digest = q.digest"
        " WHERE b.case_id <> $1 ORDER BY b.case_id",
        case_id, reference, org_id, country, urgency, status, needs_medical, needs_legal,
        submitted_by, at, correlation_id,
        [i["item_id"] for i in items], [i["category"] for i in items],
        [i["amount_minor"] for i in items], [i["currency"] for i in items],
        wrapped.key_id, wrapped.blob, list(blobs), list(blobs.values()), event_id,
        [k for k, _ in tokens], [d for _, d in tokens],
    )
    return [str(r["case_id"]) for r in rows]


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


async def record_event(
    conn: Connection, *, case_id: str, consumer: str, event_id: str, at: datetime, kind: str,
    actor: str | None, detail: dict[str, Any], moves: dict[str, str],
) -> tuple[bool, bool]:
    """Apply another service's event to its case in one statement: (case known, first time).

    Once per consumer (the inbox row), the event enters the timeline, the case's status moves as
    `moves` says for the status the row has when its lock is granted (an UPDATE re-reads a row
    another transaction changed meanwhile), and its version (the ETag) moves even when its
    status does not. Nothing is written for a case not known yet, or an event seen before."""
    row = await conn.fetchrow(
        "WITH known AS (SELECT 1 FROM cases WHERE case_id = $1),"
        " first AS (INSERT INTO inbox (consumer, event_id) SELECT $2, $3 FROM known"
        "  ON CONFLICT DO NOTHING RETURNING event_id),"
        " timeline AS (INSERT INTO case_history (case_id, at, kind, actor, event_id, detail)"
        "  SELECT $1, $4, $5, $6, event_id, $7 FROM first),"
        " moved AS (UPDATE cases SET status = COALESCE((SELECT m.becomes FROM"
        "  unnest($8::text[], $9::text[]) AS m (was, becomes) WHERE m.was = cases.status),"
        "  cases.status), version = version + 1, updated_at = $4"
        "  WHERE case_id = $1 AND EXISTS (SELECT 1 FROM first))"
        " SELECT EXISTS (SELECT 1 FROM known) AS known, EXISTS (SELECT 1 FROM first) AS first",
        case_id, consumer, event_id, at, kind, actor, detail,
        list(moves), list(moves.values()),
    )  # fmt: skip
    assert row is not None
    return bool(row["known"]), bool(row["first"])


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
