"""Payments, each read with its case (country, story) and its reservation's converted items."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from services.disbursement.domain.common import CaseRef
from services.disbursement.domain.payments import Payment
from services.disbursement.domain.reservations import weights_of
from services.disbursement.repository.reservations import converted
from shared.db import Connection
from shared.money import Money

# A payment row with what its events need: the case's country and correlation id, and the
# reservation's conversions (the categories its amount is shared out by).
_PAYMENTS = (
    "SELECT p.*, c.country, c.correlation_id, r.conversions FROM payments p"
    " JOIN approved_cases c USING (case_id) JOIN reservations r USING (case_id)"
)


def payment_of(row: asyncpg.Record) -> Payment:
    items = frozenset(row["items"])
    return Payment(
        row["payment_id"],
        CaseRef(row["case_id"], row["org_id"], row["country"], row["correlation_id"]),
        row["grant_id"],
        Money(row["amount_minor"], row["currency"]),
        row["status"],
        row["created_at"],
        weights_of(converted(row["conversions"]), items),
        row["payee_id"],
        items,
        row["batch_id"],
        row["bank_reference"],
        row["paid_on"],
        row["failure_reason"],
    )


async def insert_payment(tx: Connection, *, payment: Payment, at: datetime) -> None:
    p = payment
    await tx.execute(
        "INSERT INTO payments (payment_id, case_id, org_id, grant_id, currency, amount_minor,"
        " status, payee_id, items, batch_id, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        p.payment_id,
        p.case_id,
        p.org_id,
        p.grant_id,
        p.amount.currency,
        p.amount.minor,
        p.status,
        p.payee_id,
        sorted(p.items),
        p.batch_id,
        p.created_at,
        at,
    )


async def save_payment(tx: Connection, *, payment: Payment, at: datetime) -> int:
    p = payment
    version: int = await tx.fetchval(
        "UPDATE payments SET amount_minor = $2, status = $3, payee_id = $4, items = $5,"
        " batch_id = $6, bank_reference = $7, paid_on = $8, failure_reason = $9,"
        " updated_at = $10, version = version + 1 WHERE payment_id = $1 RETURNING version",
        p.payment_id,
        p.amount.minor,
        p.status,
        p.payee_id,
        sorted(p.items),
        p.batch_id,
        p.bank_reference,
        p.paid_on,
        p.failure_reason,
        at,
    )
    return version


async def save_payments(tx: Connection, *, payments: list[Payment], at: datetime) -> None:
    """Several payments' status and batch in one round trip (a batch, a withdrawal)."""
    if not payments:
        return
    await tx.executemany(
        "UPDATE payments SET status = $2, batch_id = $3, updated_at = $4, version = version + 1"
        " WHERE payment_id = $1",
        [(p.payment_id, p.status, p.batch_id, at) for p in payments],
    )


async def get_payment(
    conn: Connection, *, payment_id: UUID, lock: bool = False
) -> tuple[Payment, int] | None:
    sql = _PAYMENTS + " WHERE p.payment_id = $1" + (" FOR UPDATE OF p" if lock else "")
    row = await conn.fetchrow(sql, payment_id)
    return (payment_of(row), row["version"]) if row else None


async def case_of_payment(conn: Connection, *, payment_id: UUID) -> UUID | None:
    found: UUID | None = await conn.fetchval(
        "SELECT case_id FROM payments WHERE payment_id = $1", payment_id
    )
    return found


async def lock_payments(tx: Connection, *, ids: list[UUID]) -> dict[UUID, tuple[Payment, int]]:
    """Payments by id with their versions, locked in id order (the service's lock order)."""
    rows = await tx.fetch(
        _PAYMENTS + " WHERE p.payment_id = ANY($1::uuid[]) ORDER BY p.payment_id FOR UPDATE OF p",
        sorted(set(ids)),
    )
    return {r["payment_id"]: (payment_of(r), r["version"]) for r in rows}


async def lock_case_payments(tx: Connection, *, case_id: UUID) -> list[Payment]:
    rows = await tx.fetch(
        _PAYMENTS + " WHERE p.case_id = $1 ORDER BY p.payment_id FOR UPDATE OF p", case_id
    )
    return [payment_of(r) for r in rows]


async def lock_awaiting_payee(tx: Connection, *, org_id: str) -> list[Payment]:
    rows = await tx.fetch(
        _PAYMENTS + " WHERE p.status = 'awaiting_payee' AND p.org_id = $1"
        " ORDER BY p.created_at, p.payment_id FOR UPDATE OF p",
        org_id,
    )
    return [payment_of(r) for r in rows]


async def lock_scheduled(
    tx: Connection, *, currency: str, payment_ids: list[UUID] | None
) -> list[Payment]:
    """Scheduled payments, locked; a concurrent batch that took one first removes it here."""
    rows = await tx.fetch(
        _PAYMENTS + " WHERE p.status = 'scheduled' AND p.currency = $1"
        " AND ($2::uuid[] IS NULL OR p.payment_id = ANY($2::uuid[]))"
        " ORDER BY p.payment_id FOR UPDATE OF p",
        currency,
        payment_ids,
    )
    return [payment_of(r) for r in rows]


async def list_payments(
    conn: Connection,
    *,
    status: str | None,
    case_id: UUID | None,
    batch_id: UUID | None,
    limit: int,
    after: tuple[datetime, UUID] | None,
    grant_id: UUID | None = None,
) -> list[asyncpg.Record]:
    stamp, last = after or (None, None)
    return await conn.fetch(
        _PAYMENTS + " WHERE ($1::text IS NULL OR p.status = $1)"
        " AND ($2::uuid IS NULL OR p.case_id = $2) AND ($3::uuid IS NULL OR p.batch_id = $3)"
        " AND ($4::timestamptz IS NULL OR (p.created_at, p.payment_id) > ($4, $5))"
        " AND ($7::uuid IS NULL OR p.grant_id = $7)"
        " ORDER BY p.created_at, p.payment_id LIMIT $6",
        status,
        case_id,
        batch_id,
        stamp,
        last,
        limit,
        grant_id,
    )
