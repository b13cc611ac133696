"""Reservations: one per case, with the conversions that made its amount."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from services.disbursement.domain.common import CaseRef
from services.disbursement.domain.fx import Conversion, FxRate
from services.disbursement.domain.reservations import ApprovedItem, Reservation
from shared.db import Connection
from shared.money import Money


def _conversion_json(item: ApprovedItem, c: Conversion) -> dict[str, Any]:
    return {
        "item_id": item.item_id,
        "category": item.category,
        "amount_minor": item.amount.minor,
        "currency": item.amount.currency,
        "target_minor": c.target.minor,
        "target_currency": c.target.currency,
        "base": c.rate.base,
        "quote": c.rate.quote,
        "rate": str(c.rate.rate),
        "as_of": c.rate.as_of.isoformat(),
        "inverted": c.inverted,
    }


def converted(conversions: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """(category, converted minor units) of each approved item, from a reservation's JSON."""
    return [(c["category"], c["target_minor"]) for c in conversions]


def reservation_of(row: asyncpg.Record) -> Reservation:
    """A reservation row joined with its case's country and correlation id."""
    conv = row["conversions"]
    items = tuple(
        ApprovedItem(c["item_id"], c["category"], Money(c["amount_minor"], c["currency"]))
        for c in conv
    )
    conversions = tuple(
        Conversion(
            item.amount,
            Money(c["target_minor"], c["target_currency"]),
            FxRate(c["base"], c["quote"], Decimal(c["rate"]), date.fromisoformat(c["as_of"])),
            c["inverted"],
        )
        for item, c in zip(items, conv, strict=True)
    )
    currency = row["currency"]
    return Reservation(
        row["reservation_id"],
        CaseRef(row["case_id"], row["org_id"], row["country"], row["correlation_id"]),
        row["grant_id"],
        items,
        conversions,
        Money(row["amount_minor"], currency),
        Money(row["disbursed_minor"], currency),
        Money(row["released_minor"], currency),
        row["reserved_at"],
        row["withdrawn"],
    )


async def insert_reservation(tx: Connection, *, reservation: Reservation) -> None:
    """Store a reservation; its case is reserved (and off the waiting list) in the same step."""
    r = reservation
    conversions = [_conversion_json(i, c) for i, c in zip(r.items, r.conversions, strict=True)]
    await tx.execute(
        "WITH reserved AS (UPDATE approved_cases SET status = 'reserved', waiting_since = NULL,"
        " shortfall = NULL WHERE case_id = $2)"
        " INSERT INTO reservations (reservation_id, case_id, grant_id, org_id, currency,"
        " amount_minor, conversions, reserved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        r.reservation_id,
        r.case_id,
        r.grant_id,
        r.org_id,
        r.amount.currency,
        r.amount.minor,
        conversions,
        r.reserved_at,
    )


async def lock_reservation(tx: Connection, *, case_id: UUID) -> Reservation | None:
    row = await tx.fetchrow(
        "SELECT r.*, c.country, c.correlation_id FROM reservations r"
        " JOIN approved_cases c USING (case_id) WHERE r.case_id = $1 FOR UPDATE OF r",
        case_id,
    )
    return reservation_of(row) if row else None


async def lock_reservations(tx: Connection, *, case_ids: list[UUID]) -> dict[UUID, Reservation]:
    """Reservations by case, locked in case order (the service's lock order)."""
    rows = await tx.fetch(
        "SELECT r.*, c.country, c.correlation_id FROM reservations r"
        " JOIN approved_cases c USING (case_id) WHERE r.case_id = ANY($1::uuid[])"
        " ORDER BY r.case_id FOR UPDATE OF r",
        sorted(set(case_ids)),
    )
    return {r["case_id"]: reservation_of(r) for r in rows}


async def grant_reservations(
    conn: Connection, *, grant_id: UUID, limit: int, after: tuple[datetime, UUID] | None
) -> list[asyncpg.Record]:
    """A grant's reservations, oldest first (a page of them)."""
    stamp, last = after or (None, None)
    return await conn.fetch(
        "SELECT r.*, c.country, c.correlation_id, r.reserved_at AS created_at FROM reservations r"
        " JOIN approved_cases c USING (case_id) WHERE r.grant_id = $1"
        " AND ($2::timestamptz IS NULL OR (r.reserved_at, r.reservation_id) > ($2, $3))"
        " ORDER BY r.reserved_at, r.reservation_id LIMIT $4",
        grant_id,
        stamp,
        last,
        limit,
    )


async def save_reservation(tx: Connection, *, reservation: Reservation) -> None:
    await tx.execute(
        "UPDATE reservations SET disbursed_minor = $2, released_minor = $3, withdrawn = $4"
        " WHERE case_id = $1",
        reservation.case_id,
        reservation.disbursed.minor,
        reservation.released.minor,
        reservation.withdrawn,
    )
