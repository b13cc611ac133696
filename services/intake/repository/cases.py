"""SQL of the cases themselves: submission, status and version, timeline, lists, other services'
events; keyword-only functions taking a connection."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import orjson

from services.intake.domain.bounds import MAX_DUPLICATE_MATCHES
from services.intake.domain.case import Case
from services.intake.domain.events import Submitted
from shared.crypto import WrappedKey
from shared.db import Connection


@dataclass(frozen=True, slots=True)
class Stored:
    """A case locked for a change: what the rules see, and the story its events continue."""

    case: Case
    correlation_id: str


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
    conn: Connection,
    *,
    submitted: Submitted,
    status: str,
    at: datetime,
    correlation_id: str,
    event_id: str,
    wrapped: WrappedKey,
    blobs: dict[str, bytes],
    tokens: list[tuple[str, bytes]],
) -> list[str]:
    """Insert a new case whole (items, sealed data, history, blind tokens) in one statement.

    Answers the other cases sharing a blind token (at most MAX_DUPLICATE_MATCHES, oldest ids
    first). The caller holds the tokens' advisory locks from an earlier statement, so this
    statement's snapshot sees every committed rival's tokens.
    """
    s, items = submitted, submitted.items
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
        " WHERE b.case_id <> $1 ORDER BY b.case_id LIMIT $23",
        s.case_id,
        s.reference,
        s.org_id,
        s.country,
        s.urgency,
        status,
        s.needs_medical,
        s.needs_legal,
        s.submitted_by,
        at,
        correlation_id,
        [i.item_id for i in items],
        [i.category for i in items],
        [i.amount_minor for i in items],
        [i.currency for i in items],
        wrapped.key_id,
        wrapped.blob,
        list(blobs),
        list(blobs.values()),
        event_id,
        [k for k, _ in tokens],
        [d for _, d in tokens],
        MAX_DUPLICATE_MATCHES,
    )
    return [str(r["case_id"]) for r in rows]


async def flag_duplicate(conn: Connection, *, case_id: str, matches: Sequence[str]) -> None:
    await conn.execute(
        "UPDATE cases SET possible_duplicate = true, duplicate_of = $2::uuid[] WHERE case_id = $1",
        case_id,
        list(matches),
    )


async def lock_case(conn: Connection, *, case_id: str) -> Stored | None:
    row = await conn.fetchrow(
        "SELECT org_id, status, version, possible_duplicate, duplicate_of,"
        " erased_at IS NOT NULL AS erased, correlation_id FROM cases"
        " WHERE case_id = $1 FOR UPDATE",
        case_id,
    )
    if row is None:
        return None
    case = Case(
        case_id=case_id,
        org_id=row["org_id"],
        status=row["status"],
        version=row["version"],
        possible_duplicate=row["possible_duplicate"],
        duplicate_of=tuple(str(d) for d in row["duplicate_of"]),
        erased=row["erased"],
    )
    return Stored(case, row["correlation_id"])


async def get_case(conn: Connection, *, case_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM cases WHERE case_id = $1", case_id)


async def set_status(conn: Connection, *, case_id: str, status: str, at: datetime) -> int:
    """Every change of a case bumps its version: the ETag a stale If-Match is refused against."""
    version: int = await conn.fetchval(
        "UPDATE cases SET status = $2, version = version + 1, updated_at = $3"
        " WHERE case_id = $1 RETURNING version",
        case_id,
        status,
        at,
    )
    return version


async def clear_duplicate(conn: Connection, *, case_id: str) -> None:
    await conn.execute("UPDATE cases SET possible_duplicate = false WHERE case_id = $1", case_id)


async def add_history(
    conn: Connection,
    *,
    case_id: str,
    at: datetime,
    actor: str,
    entries: Sequence[tuple[str, str, dict[str, Any]]],
) -> None:
    """Timeline entries `(kind, event id, detail)` by one actor at one moment, in one statement."""
    if not entries:
        return
    await conn.execute(
        "INSERT INTO case_history (case_id, at, kind, actor, event_id, detail)"
        " SELECT $1, $2, e.kind, $3, e.event_id, e.detail"
        " FROM unnest($4::text[], $5::text[], $6::jsonb[]) WITH ORDINALITY"
        " AS e(kind, event_id, detail, n) ORDER BY e.n",
        case_id,
        at,
        actor,
        [kind for kind, _, _ in entries],
        [event_id for _, event_id, _ in entries],
        [detail for _, _, detail in entries],
    )


async def record_event(
    conn: Connection,
    *,
    case_id: str,
    consumer: str,
    event_id: str,
    at: datetime,
    kind: str,
    actor: str | None,
    detail: dict[str, Any],
    moves: dict[str, str],
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
        case_id,
        consumer,
        event_id,
        at,
        kind,
        actor,
        detail,
        list(moves),
        list(moves.values()),
    )
    assert row is not None
    return bool(row["known"]), bool(row["first"])


async def get_items(conn: Connection, *, case_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT item_id, category, amount_minor, currency FROM case_items"
        " WHERE case_id = $1 ORDER BY position",
        case_id,
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
    """The position a cursor names; ValueError for anything this service did not issue."""
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        at, case_id = orjson.loads(base64.urlsafe_b64decode(padded))
        when = datetime.fromisoformat(at)
        position = when.astimezone(UTC), str(uuid.UUID(case_id))
    except (TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise ValueError("not a cursor of this service") from exc
    if when.tzinfo is None:  # every cursor this service issues has its offset
        raise ValueError("not a cursor of this service")
    return position


async def list_cases(
    conn: Connection,
    *,
    org_id: str | None,
    status: str | None,
    urgency: str | None,
    country: str | None,
    submitted_from: date | None,
    submitted_to: date | None = None,
    limit: int,
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
        clauses.append(f"submitted_at >= {arg(submitted_from)}::date")
    if submitted_to is not None:  # the whole of that day
        clauses.append(f"submitted_at < {arg(submitted_to)}::date + 1")
    if after is not None:
        clauses.append(
            f"(submitted_at, case_id) < ({arg(after[0])}::timestamptz, {arg(after[1])}::uuid)"
        )
    where = " WHERE " + " AND ".join(clauses) if clauses else ""
    return await conn.fetch(
        f"SELECT case_id, reference, org_id, status, urgency, country, submitted_at,"
        f" possible_duplicate, version FROM cases{where}"
        f" ORDER BY submitted_at DESC, case_id DESC LIMIT {arg(limit)}",
        *args,
    )
