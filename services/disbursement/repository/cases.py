"""Approved cases as disbursement learns them, the waiting list, withdrawals, the budget lock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from services.disbursement.domain.common import CaseRef
from services.disbursement.domain.reservations import ApprovedCase, ApprovedItem, WaitingCase
from shared.db import Connection
from shared.money import Money

# One lock for every decision that moves `available`: an approval and a new grant (or a release,
# or a confirmed rate) committing at the same time would otherwise each miss the other, and a
# case would wait forever.
BUDGET_LOCK = 0x56465542  # "VFUB"


async def lock_budget(tx: Connection) -> None:
    await tx.execute("SELECT pg_advisory_xact_lock($1)", BUDGET_LOCK)


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """An approved case as stored, with its place on the waiting list."""

    case: ApprovedCase
    status: str
    waiting_since: datetime | None
    shortfall: tuple[Money, ...]


def _case(row: asyncpg.Record) -> CaseRecord:
    ref = CaseRef(row["case_id"], row["org_id"], row["country"], row["correlation_id"])
    items = tuple(
        ApprovedItem(i["item_id"], i["category"], Money(i["amount_minor"], i["currency"]))
        for i in row["approved_items"]
    )
    shortfall = tuple(Money(s["amount_minor"], s["currency"]) for s in row["shortfall"] or [])
    return CaseRecord(
        ApprovedCase(ref, items, row["approved_at"]), row["status"], row["waiting_since"], shortfall
    )


async def insert_case(
    tx: Connection, *, case: ApprovedCase, urgency: str, decided_by: list[str]
) -> str | None:
    """Store an approval; answer the status it was stored with ('withdrawn' when the case's
    withdrawal came first, else 'approved'), or None when it was approved before: an approval is
    taken once. Call it holding the budget lock, under which withdrawals record themselves."""
    items = [
        {
            "item_id": i.item_id,
            "category": i.category,
            "amount_minor": i.amount.minor,
            "currency": i.amount.currency,
        }
        for i in case.items
    ]
    ref = case.ref
    status: str | None = await tx.fetchval(
        "INSERT INTO approved_cases (case_id, org_id, country, urgency, approved_items,"
        " decided_by, approved_at, correlation_id, status) VALUES ($1, $2, $3, $4, $5, $6, $7,"
        " $8, CASE WHEN EXISTS (SELECT FROM case_withdrawals WHERE case_id = $1)"
        " THEN 'withdrawn' ELSE 'approved' END)"
        " ON CONFLICT (case_id) DO NOTHING RETURNING status",
        ref.case_id,
        ref.org_id,
        ref.country,
        urgency,
        items,
        decided_by,
        case.approved_at,
        ref.correlation_id,
    )
    return status


async def lock_case(tx: Connection, *, case_id: UUID) -> CaseRecord | None:
    row = await tx.fetchrow("SELECT * FROM approved_cases WHERE case_id = $1 FOR UPDATE", case_id)
    return _case(row) if row else None


async def set_case_status(
    tx: Connection,
    *,
    case_id: UUID,
    status: str,
    waiting_since: datetime | None = None,
    shortfall: tuple[Money, ...] = (),
) -> None:
    await tx.execute(
        "UPDATE approved_cases SET status = $2, waiting_since = $3, shortfall = $4"
        " WHERE case_id = $1",
        case_id,
        status,
        waiting_since,
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
        case_id,
        reason,
        at,
        event_id,
    )
