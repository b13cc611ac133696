"""The budget's units of work: an approval is reserved (or waits), a withdrawal releases, and
the waiting list is tried again whenever money or a rate becomes available.

`approve` and `withdraw` open their transaction (inbox guard first); `retry` runs inside the
caller's, which holds the budget lock. Rows are locked in one order: case → reservation →
payments → batches → grants → payees."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from uuid import UUID

from services.disbursement.context import DisbursementContext
from services.disbursement.domain.batches import withdraw_case
from services.disbursement.domain.common import DomainEvent, missing
from services.disbursement.domain.grants import Grant
from services.disbursement.domain.payees import default_payee
from services.disbursement.domain.payments import open_payment
from services.disbursement.domain.reservations import (
    ApprovedCase,
    BudgetReserved,
    Reservation,
    converts,
    reserve,
    retry_waiting,
)
from services.disbursement.repository import batches as batch_rows
from services.disbursement.repository import cases, fx, grants, payees, payments, reservations
from services.disbursement.wire import SERVICE, Cause, enqueue
from shared import inbox
from shared.db import Connection

CONSUMER = "disbursement"


async def approve(
    ctx: DisbursementContext,
    *,
    event_id: str,
    case: ApprovedCase,
    urgency: str,
    decided_by: list[str],
) -> None:
    """Record the approval once and reserve it, or put the case on the waiting list."""
    cause = Cause(SERVICE, event_id, case.ref.correlation_id)
    at = ctx.clock()
    async with ctx.db.transaction() as tx:
        if not await inbox.first_time(tx, event_id, consumer=CONSUMER):
            return
        events = await _take(tx, case, urgency=urgency, decided_by=decided_by, at=at)
        await enqueue(tx, events, cause)


async def _take(
    tx: Connection, case: ApprovedCase, *, urgency: str, decided_by: list[str], at: datetime
) -> list[DomainEvent]:
    await cases.lock_budget(tx)
    status = await cases.insert_case(tx, case=case, urgency=urgency, decided_by=decided_by)
    if status is None:
        return []  # approved before: one approval, one reservation
    if status == "withdrawn":
        return []  # its withdrawal came first: stored as withdrawn, nothing reserved
    today = at.date()
    usable = await grants.lock_usable_grants(tx, today=today)
    rates = await fx.confirmed_rates(tx, today=today) if converts(case, usable) else []
    result = reserve(case, usable, rates, today=today, at=at)
    if result.reservation is not None and result.grant is not None:
        await grants.save_grant(tx, grant=result.grant)
        return [*result.events, *await _open(tx, result.reservation, at)]
    assert result.waiting is not None
    await cases.set_case_status(
        tx,
        case_id=case.case_id,
        status="waiting",
        waiting_since=at,
        shortfall=result.waiting.shortfall,
    )
    return list(result.events)


async def _open(tx: Connection, reservation: Reservation, at: datetime) -> list[DomainEvent]:
    """Store a new reservation and the payment it starts with."""
    await reservations.insert_reservation(tx, reservation=reservation)
    found = await payees.org_payees(tx, org_id=reservation.org_id)
    opened = open_payment(
        reservation,
        payment_id=uuid.uuid4(),
        default=default_payee(reservation.org_id, found),
        at=at,
    )
    await payments.insert_payment(tx, payment=opened.state, at=at)
    return list(opened.events)


async def retry(tx: Connection, *, today: date, at: datetime) -> list[DomainEvent]:
    """Try every waiting case again, oldest first (the caller holds the budget lock)."""
    waiting = await cases.lock_waiting(tx)
    if not waiting:
        return []
    usable = await grants.lock_usable_grants(tx, today=today)
    rates = await fx.confirmed_rates(tx, today=today)
    result = retry_waiting(
        [cases.waiting_case(w) for w in waiting], usable, rates, today=today, at=at
    )
    before = {g.grant_id: g for g in usable}
    for grant in result.grants:
        if grant != before[grant.grant_id]:
            await grants.save_grant(tx, grant=grant)
    events: list[DomainEvent] = []
    for event in result.events:
        events.append(event)
        if isinstance(event, BudgetReserved):
            events += await _open(tx, event.reservation, at)
    for still in result.waiting:
        await cases.set_case_status(
            tx,
            case_id=still.case.case_id,
            status="waiting",
            waiting_since=still.since,
            shortfall=still.shortfall,
        )
    return events


async def withdraw(
    ctx: DisbursementContext, *, event_id: str, case_id: UUID, correlation_id: str, reason: str
) -> None:
    """Release what is not with the bank; a waiting case just leaves the list. A withdrawal that
    arrives before the approval (or for a case never approved) is kept as a tombstone, so the
    late approval reserves nothing."""
    cause = Cause(SERVICE, event_id, correlation_id)
    at = ctx.clock()
    async with ctx.db.transaction() as tx:
        if not await inbox.first_time(tx, event_id, consumer=CONSUMER):
            return
        events = await _withdraw(tx, case_id=case_id, reason=reason, event_id=event_id, at=at)
        await enqueue(tx, events, cause)


async def _withdraw(
    tx: Connection, *, case_id: UUID, reason: str, event_id: str, at: datetime
) -> list[DomainEvent]:
    await cases.lock_budget(tx)
    await cases.record_withdrawal(tx, case_id=case_id, reason=reason, at=at, event_id=event_id)
    record = await cases.lock_case(tx, case_id=case_id)
    if record is None or record.status == "withdrawn":
        return []
    if record.status != "reserved":
        await cases.set_case_status(tx, case_id=case_id, status="withdrawn")
        return []
    reservation = await reservations.lock_reservation(tx, case_id=case_id)
    assert reservation is not None
    found = await payments.lock_case_payments(tx, case_id=case_id)
    batches = await batch_rows.lock_batches(
        tx, ids=[p.batch_id for p in found if p.batch_id is not None]
    )
    grant = await locked_grant(tx, reservation.grant_id)
    done = withdraw_case(reservation, grant=grant, payments=found, batches=batches)
    await reservations.save_reservation(tx, reservation=done.reservation)
    await grants.save_grant(tx, grant=done.grant)
    await payments.save_payments(tx, payments=list(done.payments), at=at)
    for batch in done.batches:
        await batch_rows.save_batch(tx, batch=batch)
    await cases.set_case_status(tx, case_id=case_id, status="withdrawn")
    return [*done.events, *await retry(tx, today=at.date(), at=at)]


async def locked_grant(tx: Connection, grant_id: UUID) -> Grant:
    found = await grants.get_grant(tx, grant_id=grant_id, lock=True)
    if found is None:  # pragma: no cover - a foreign key guarantees it
        raise missing(f"grant {grant_id}")
    return found[0]
