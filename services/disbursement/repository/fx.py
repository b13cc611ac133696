"""The book of exchange rates: proposals, confirmations, and the confirmed rates conversions use."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from services.disbursement.domain.fx import FxRate, RateEntry, Review
from shared.db import Connection

# The confirmed rates a review compares with, per row: the latest confirmed rate of the pair on
# or before the row's day, and of the inverse pair (domain.fx.review chooses, as conversions do).
_WITH_REFERENCES = """
SELECT f.*, d.rate AS direct_rate, d.as_of AS direct_as_of,
       i.rate AS inverse_rate, i.as_of AS inverse_as_of
FROM fx_rates f
LEFT JOIN LATERAL (
    SELECT r.rate, r.as_of FROM fx_rates r
    WHERE r.status = 'confirmed' AND r.base = f.base AND r.quote = f.quote
      AND r.as_of <= f.as_of AND r.rate_id <> f.rate_id
    ORDER BY r.as_of DESC LIMIT 1) d ON true
LEFT JOIN LATERAL (
    SELECT r.rate, r.as_of FROM fx_rates r
    WHERE r.status = 'confirmed' AND r.base = f.quote AND r.quote = f.base
      AND r.as_of <= f.as_of
    ORDER BY r.as_of DESC LIMIT 1) i ON true
"""


def _review_json(review: Review | None) -> dict[str, Any] | None:
    if review is None:
        return None
    ref = review.reference
    return {
        "reference": None
        if ref is None
        else {"base": ref.base, "quote": ref.quote, "rate": str(ref.rate), "as_of": str(ref.as_of)},
        "inverted": review.inverted,
        "deviation": None if review.deviation is None else str(review.deviation),
        "flagged": review.flagged,
    }


def _review_of(data: dict[str, Any] | None) -> Review | None:
    if data is None:
        return None
    ref = data["reference"]
    reference = None
    if ref is not None:
        reference = FxRate(
            ref["base"], ref["quote"], Decimal(ref["rate"]), date.fromisoformat(ref["as_of"])
        )
    deviation = None if data["deviation"] is None else Decimal(data["deviation"])
    return Review(reference, data["inverted"], deviation, data["flagged"])


def entry_of(row: asyncpg.Record) -> RateEntry:
    rate = FxRate(row["base"], row["quote"], row["rate"], row["as_of"])
    return RateEntry(
        row["rate_id"],
        rate,
        row["status"],
        row["recorded_by"],
        row["recorded_at"],
        row["decided_by"],
        row["decided_at"],
        _review_of(row["review"]),
    )


def references_of(row: asyncpg.Record) -> list[FxRate]:
    """The confirmed rates a row of `_WITH_REFERENCES` is reviewed against."""
    found = []
    if row["direct_rate"] is not None:
        found.append(FxRate(row["base"], row["quote"], row["direct_rate"], row["direct_as_of"]))
    if row["inverse_rate"] is not None:
        found.append(FxRate(row["quote"], row["base"], row["inverse_rate"], row["inverse_as_of"]))
    return found


async def insert_rate(tx: Connection, *, entry: RateEntry) -> bool:
    """False when the pair has a rate for that day (pending or confirmed): rates are facts, not
    overwritten; a rejected proposal frees its day."""
    r = entry.rate
    inserted = await tx.fetchval(
        "INSERT INTO fx_rates (rate_id, base, quote, as_of, rate, status, recorded_by,"
        " recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING"
        " RETURNING true",
        entry.rate_id,
        r.base,
        r.quote,
        r.as_of,
        r.rate,
        entry.status,
        entry.proposed_by,
        entry.proposed_at,
    )
    return bool(inserted)


async def lock_rate(tx: Connection, *, rate_id: UUID) -> asyncpg.Record | None:
    """The rate, locked, with the confirmed rates it is reviewed against."""
    return await tx.fetchrow(_WITH_REFERENCES + " WHERE f.rate_id = $1 FOR UPDATE OF f", rate_id)


async def rate_row(conn: Connection, *, rate_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow(_WITH_REFERENCES + " WHERE f.rate_id = $1", rate_id)


async def references(conn: Connection, *, rate: FxRate) -> list[FxRate]:
    """The confirmed rates a new proposal is reviewed against (see `_WITH_REFERENCES`)."""
    rows = await conn.fetch(
        "(SELECT base, quote, rate, as_of FROM fx_rates WHERE status = 'confirmed'"
        " AND base = $1 AND quote = $2 AND as_of <= $3 ORDER BY as_of DESC LIMIT 1)"
        " UNION ALL (SELECT base, quote, rate, as_of FROM fx_rates WHERE status = 'confirmed'"
        " AND base = $2 AND quote = $1 AND as_of <= $3 ORDER BY as_of DESC LIMIT 1)",
        rate.base,
        rate.quote,
        rate.as_of,
    )
    return [FxRate(r["base"], r["quote"], r["rate"], r["as_of"]) for r in rows]


async def save_rate(tx: Connection, *, entry: RateEntry) -> int:
    version: int = await tx.fetchval(
        "UPDATE fx_rates SET status = $2, decided_by = $3, decided_at = $4, review = $5,"
        " version = version + 1 WHERE rate_id = $1 RETURNING version",
        entry.rate_id,
        entry.status,
        entry.decided_by,
        entry.decided_at,
        _review_json(entry.review),
    )
    return version


async def confirmed_rates(conn: Connection, *, today: date) -> list[FxRate]:
    """The latest confirmed rate of every pair on or before `today`: what conversions use."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (base, quote) base, quote, rate, as_of FROM fx_rates"
        " WHERE status = 'confirmed' AND as_of <= $1 ORDER BY base, quote, as_of DESC",
        today,
    )
    return [FxRate(r["base"], r["quote"], r["rate"], r["as_of"]) for r in rows]


async def list_rates(
    conn: Connection,
    *,
    base: str | None,
    quote: str | None,
    status: str | None,
    limit: int,
    after: int | None,
) -> list[asyncpg.Record]:
    return await conn.fetch(
        _WITH_REFERENCES + " WHERE ($1::text IS NULL OR f.base = $1)"
        " AND ($2::text IS NULL OR f.quote = $2) AND ($3::text IS NULL OR f.status = $3)"
        " AND ($4::bigint IS NULL OR f.seq < $4) ORDER BY f.seq DESC LIMIT $5",
        base,
        quote,
        status,
        after,
        limit,
    )
