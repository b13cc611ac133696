"""SQL for approved cases, grants, FX rates and reservations: keyword-only, caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from services.disbursement.domain import Conversion, FxRate, Grant, Restrictions
from services.disbursement.reservations import ApprovedCase, ApprovedItem, Reservation, WaitingCase
from shared.db import Connection
from shared.money import Money

# One lock for every decision that moves `available`: an approval and a new grant (or a release)
# committing at the same time would otherwise each miss the other, and a case would wait forever.
BUDGET_LOCK = 0x56465542  # "VFUB"


async def lock_budget(tx: Connection) -> None:
    await tx.execute("SELECT pg_advisory_xact_lock($1)", BUDGET_LOCK)


# --- approved cases ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """An approved case as stored, with what the domain object does not carry."""

    case: ApprovedCase
    item_ids: tuple[str, ...]
    correlation_id: str
    status: str
    waiting_since: datetime | None
    shortfall: tuple[Money, ...]


def _case(row: asyncpg.Record) -> CaseRecord:
    items = row["approved_items"]
    case = ApprovedCase(
        row["case_id"], row["org_id"], row["country"],
        tuple(ApprovedItem(i["category"], Money(i["amount_minor"], i["currency"])) for i in items),
        row["approved_at"],
    )  # fmt: skip
    shortfall = tuple(Money(s["amount_minor"], s["currency"]) for s in row["shortfall"] or [])
    return CaseRecord(case, tuple(i["item_id"] for i in items), row["correlation_id"],
                      row["status"], row["waiting_since"], shortfall)


async def insert_case(
    tx: Connection, *, case: ApprovedCase, item_ids: list[str], urgency: str,
    decided_by: list[str], correlation_id: str,
) -> str | None:  # fmt: skip
    """Store an approval; answer the status it was stored with ('withdrawn' when the case's
    withdrawal came first, else 'approved'), or None when it was approved before: an approval is
    taken once. Call it holding the budget lock, under which withdrawals record themselves."""
    items = [
        {"item_id": item_id, "category": i.category, "amount_minor": i.amount.minor,
         "currency": i.amount.currency}
        for item_id, i in zip(item_ids, case.items, strict=True)
    ]  # fmt: skip
    status: str | None = await tx.fetchval(
        "INSERT INTO approved_cases (case_id, org_id, country, urgency, approved_items,"
        " decided_by, approved_at, correlation_id, status) VALUES ($1, $2, $3, $4, $5, $6, $7,"
        " $8, CASE WHEN EXISTS (SELECT FROM case_withdrawals WHERE case_id = $1)"
        " THEN 'withdrawn' ELSE 'approved' END)"
        " ON CONFLICT (case_id) DO NOTHING RETURNING status",
        case.case_id, case.org_id, case.country, urgency, items, decided_by, case.approved_at,
        correlation_id,
    )
    return status


async def lock_case(tx: Connection, *, case_id: UUID) -> CaseRecord | None:
    row = await tx.fetchrow("SELECT * FROM approved_cases WHERE case_id = $1 FOR UPDATE", case_id)
    return _case(row) if row else None


async def set_case_status(
    tx: Connection, *, case_id: UUID, status: str, waiting_since: datetime | None = None,
    shortfall: tuple[Money, ...] = (),
) -> None:  # fmt: skip
    await tx.execute(
        "UPDATE approved_cases SET status = $2, waiting_since = $3, shortfall = $4"
        " WHERE case_id = $1",
        case_id, status, waiting_since,
        [{"amount_minor": m.minor, "currency": m.currency} for m in shortfall] or None,
    )


async def lock_waiting(tx: Connection) -> list[CaseRecord]:
    rows = await tx.fetch(
        "SELECT * FROM approved_cases WHERE status = 'waiting'"
        " ORDER BY waiting_since, approved_at, case_id FOR UPDATE"
    )
    return [_case(r) for r in rows]


def waiting_case(record: CaseRecord) -> WaitingCase:
    assert record.waiting_since is not None
    return WaitingCase(record.case, record.waiting_since, record.shortfall)


async def record_withdrawal(
    tx: Connection, *, case_id: UUID, reason: str, at: datetime, event_id: str
) -> None:
    await tx.execute(
        "INSERT INTO case_withdrawals (case_id, reason, withdrawn_at, event_id)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (case_id) DO NOTHING",
        case_id, reason, at, event_id,
    )


# --- grants -----------------------------------------------------------------------------------


def grant_of(row: asyncpg.Record) -> Grant:
    currency = row["currency"]
    return Grant(
        row["grant_id"], row["donor"], row["name"], Money(row["amount_minor"], currency),
        Money(row["reserved_minor"], currency), Money(row["disbursed_minor"], currency),
        row["valid_from"], row["valid_to"],
        Restrictions(frozenset(row["countries"]), frozenset(row["categories"])),
        row["created_at"],
    )  # fmt: skip


async def insert_grant(tx: Connection, *, grant: Grant, created_by: str) -> None:
    await tx.execute(
        "INSERT INTO grants (grant_id, donor, name, currency, amount_minor, available_minor,"
        " reserved_minor, disbursed_minor, valid_from, valid_to, countries, categories,"
        " created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
        " $13, $14)",
        grant.grant_id, grant.donor, grant.name, grant.currency, grant.amount.minor,
        grant.available.minor, grant.reserved.minor, grant.disbursed.minor, grant.valid_from,
        grant.valid_to, sorted(grant.restrictions.countries),
        sorted(grant.restrictions.categories), created_by, grant.created_at,
    )


async def save_grant(tx: Connection, *, grant: Grant) -> int:
    version: int = await tx.fetchval(
        "UPDATE grants SET amount_minor = $2, available_minor = $3, reserved_minor = $4,"
        " disbursed_minor = $5, version = version + 1 WHERE grant_id = $1 RETURNING version",
        grant.grant_id, grant.amount.minor, grant.available.minor, grant.reserved.minor,
        grant.disbursed.minor,
    )
    return version


async def get_grant(
    conn: Connection, *, grant_id: UUID, lock: bool = False
) -> tuple[Grant, int] | None:
    sql = "SELECT * FROM grants WHERE grant_id = $1" + (" FOR UPDATE" if lock else "")
    row = await conn.fetchrow(sql, grant_id)
    return (grant_of(row), row["version"]) if row else None


async def grant_row(conn: Connection, *, grant_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM grants WHERE grant_id = $1", grant_id)


async def lock_usable_grants(tx: Connection, *, today: date) -> list[Grant]:
    """Grants that could take a reservation today, locked in one order (no deadlock)."""
    rows = await tx.fetch(
        "SELECT * FROM grants WHERE valid_from <= $1 AND valid_to >= $1"
        " ORDER BY grant_id FOR UPDATE", today,
    )  # fmt: skip
    return [grant_of(r) for r in rows]


async def list_grants(
    conn: Connection, *, limit: int, after: tuple[datetime, UUID] | None
) -> list[asyncpg.Record]:
    if after is None:
        return await conn.fetch(
            "SELECT * FROM grants ORDER BY created_at DESC, grant_id DESC LIMIT $1", limit)
    return await conn.fetch(
        "SELECT * FROM grants WHERE (created_at, grant_id) < ($1, $2)"
        " ORDER BY created_at DESC, grant_id DESC LIMIT $3", after[0], after[1], limit)


async def insert_adjustment(
    tx: Connection, *, adjustment_id: UUID, grant_id: UUID, delta: Money, reason: str | None,
    adjusted_by: str, at: datetime,
) -> None:  # fmt: skip
    await tx.execute(
        "INSERT INTO grant_adjustments (adjustment_id, grant_id, delta_minor, reason,"
        " adjusted_by, adjusted_at) VALUES ($1, $2, $3, $4, $5, $6)",
        adjustment_id, grant_id, delta.minor, reason, adjusted_by, at,
    )


# --- FX ---------------------------------------------------------------------------------------


async def insert_rate(tx: Connection, *, rate: FxRate, recorded_by: str, at: datetime) -> bool:
    """False when a rate for this pair and day exists: rates are facts, not overwritten."""
    inserted = await tx.fetchval(
        "INSERT INTO fx_rates (base, quote, as_of, rate, recorded_by, recorded_at)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true",
        rate.base, rate.quote, rate.as_of, rate.rate, recorded_by, at,
    )
    return bool(inserted)


async def latest_rates(conn: Connection, *, today: date) -> list[FxRate]:
    rows = await conn.fetch(
        "SELECT DISTINCT ON (base, quote) base, quote, rate, as_of FROM fx_rates"
        " WHERE as_of <= $1 ORDER BY base, quote, as_of DESC", today,
    )  # fmt: skip
    return [FxRate(r["base"], r["quote"], r["rate"].normalize(), r["as_of"]) for r in rows]


async def list_rates(
    conn: Connection, *, base: str | None, quote: str | None, limit: int, after: int | None
) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT * FROM fx_rates WHERE ($1::text IS NULL OR base = $1)"
        " AND ($2::text IS NULL OR quote = $2) AND ($3::bigint IS NULL OR seq < $3)"
        " ORDER BY seq DESC LIMIT $4",
        base, quote, after, limit,
    )


# --- reservations -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReservationRecord:
    reservation_id: UUID
    reservation: Reservation
    country: str
    item_ids: tuple[str, ...]
    correlation_id: str


def _conversion_json(item_id: str, item: ApprovedItem, c: Conversion) -> dict[str, Any]:
    return {
        "item_id": item_id, "category": item.category, "amount_minor": item.amount.minor,
        "currency": item.amount.currency, "target_minor": c.target.minor,
        "target_currency": c.target.currency, "base": c.rate.base, "quote": c.rate.quote,
        "rate": str(c.rate.rate), "as_of": c.rate.as_of.isoformat(), "inverted": c.inverted,
    }  # fmt: skip


def _reservation(row: asyncpg.Record) -> ReservationRecord:
    conv = row["conversions"]
    items = tuple(ApprovedItem(c["category"], Money(c["amount_minor"], c["currency"]))
                  for c in conv)
    conversions = tuple(
        Conversion(item.amount, Money(c["target_minor"], c["target_currency"]),
                   FxRate(c["base"], c["quote"], Decimal(c["rate"]),
                          date.fromisoformat(c["as_of"])), c["inverted"])
        for item, c in zip(items, conv, strict=True)
    )  # fmt: skip
    currency = row["currency"]
    reservation = Reservation(
        row["case_id"], row["org_id"], row["grant_id"], items, conversions,
        Money(row["amount_minor"], currency), Money(row["disbursed_minor"], currency),
        Money(row["released_minor"], currency), row["reserved_at"], row["withdrawn"],
    )  # fmt: skip
    return ReservationRecord(row["reservation_id"], reservation, row["country"],
                             tuple(c["item_id"] for c in conv), row["correlation_id"])


async def insert_reservation(
    tx: Connection, *, reservation_id: UUID, reservation: Reservation, item_ids: tuple[str, ...]
) -> None:
    """Store a reservation; its case is reserved (and off the waiting list) in the same step."""
    r = reservation
    conversions = [_conversion_json(i, item, c) for i, item, c in
                   zip(item_ids, r.items, r.conversions, strict=True)]
    await tx.execute(
        "WITH reserved AS (UPDATE approved_cases SET status = 'reserved', waiting_since = NULL,"
        " shortfall = NULL WHERE case_id = $2)"
        " INSERT INTO reservations (reservation_id, case_id, grant_id, org_id, currency,"
        " amount_minor, conversions, reserved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        reservation_id, r.case_id, r.grant_id, r.org_id, r.amount.currency, r.amount.minor,
        conversions, r.reserved_at,
    )


async def lock_reservation(tx: Connection, *, case_id: UUID) -> ReservationRecord | None:
    row = await tx.fetchrow(
        "SELECT r.*, c.country, c.correlation_id FROM reservations r"
        " JOIN approved_cases c USING (case_id) WHERE r.case_id = $1 FOR UPDATE OF r", case_id,
    )  # fmt: skip
    return _reservation(row) if row else None


async def save_reservation(tx: Connection, *, reservation: Reservation) -> None:
    await tx.execute(
        "UPDATE reservations SET disbursed_minor = $2, released_minor = $3, withdrawn = $4"
        " WHERE case_id = $1",
        reservation.case_id, reservation.disbursed.minor, reservation.released.minor,
        reservation.withdrawn,
    )


async def case_contexts(conn: Connection, *, case_ids: Iterable[UUID]) -> list[ReservationRecord]:
    """Reservations read without locks: the context events need (country, categories)."""
    rows = await conn.fetch(
        "SELECT r.*, c.country, c.correlation_id FROM reservations r"
        " JOIN approved_cases c USING (case_id) WHERE r.case_id = ANY($1::uuid[])",
        list(set(case_ids)),
    )
    return [_reservation(r) for r in rows]
