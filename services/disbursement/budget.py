"""Budget use cases: reserve an approved case, retry the waiting list, release on withdrawal.

Each function runs inside the caller's transaction and returns the domain events to publish;
every one that moves `available` takes the budget lock first (see repository.BUDGET_LOCK), and
rows are locked in one order: case → reservation → payments → batches → grants → payees.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from uuid import UUID

from services.disbursement import payments_repo as prepo
from services.disbursement import repository as repo
from services.disbursement.batches import withdraw_case
from services.disbursement.domain import DomainEvent, Grant
from services.disbursement.payments import default_payee, open_payment
from services.disbursement.repository import CaseRecord, ReservationRecord
from services.disbursement.reservations import (
    ApprovedCase,
    BudgetReserved,
    Reservation,
    converts,
    reserve,
    retry_waiting,
)
from services.disbursement.wire import CaseContext, Story
from shared.db import Connection


class Missing(Exception):
    """The addressed resource does not exist (HTTP 404)."""


async def take_approval(
    tx: Connection, *, case: ApprovedCase, item_ids: list[str], urgency: str,
    decided_by: list[str], correlation_id: str, story: Story, today: date, at: datetime,
) -> list[DomainEvent]:  # fmt: skip
    """Record the approval once and reserve it, or put the case on the waiting list."""
    await repo.lock_budget(tx)
    status = await repo.insert_case(tx, case=case, item_ids=item_ids, urgency=urgency,
                                    decided_by=decided_by, correlation_id=correlation_id)
    if status is None:
        return []  # approved before: one approval, one reservation
    if status == "withdrawn":
        return []  # its withdrawal came first: stored as withdrawn, nothing reserved
    story.cases[case.case_id] = CaseContext(correlation_id, case.country)
    grants = await repo.lock_usable_grants(tx, today=today)
    rates = await repo.latest_rates(tx, today=today) if converts(case, grants) else []
    result = reserve(case, grants, rates, today=today, at=at)
    if result.reservation is not None and result.grant is not None:
        await repo.save_grant(tx, grant=result.grant)
        record = CaseRecord(case, tuple(item_ids), correlation_id, "approved", None, ())
        return [*result.events, *await _open(tx, record, result.reservation, story, at)]
    assert result.waiting is not None
    await repo.set_case_status(tx, case_id=case.case_id, status="waiting", waiting_since=at,
                               shortfall=result.waiting.shortfall)
    return list(result.events)


async def _open(
    tx: Connection, record: CaseRecord, reservation: Reservation, story: Story, at: datetime
) -> list[DomainEvent]:
    """Store a new reservation and the payment it starts with."""
    reservation_id = uuid.uuid4()
    await repo.insert_reservation(tx, reservation_id=reservation_id, reservation=reservation,
                                  item_ids=record.item_ids)
    story.cases[reservation.case_id] = CaseContext(
        record.correlation_id, record.case.country, reservation_id, reservation, record.item_ids)
    payees = await prepo.org_payees(tx, org_id=reservation.org_id)
    opened = open_payment(reservation, payment_id=uuid.uuid4(),
                          default=default_payee(reservation.org_id, payees), at=at)
    await prepo.insert_payment(tx, payment=opened.state, at=at)
    story.add_payments([opened.state])
    return list(opened.events)


async def retry(tx: Connection, *, story: Story, today: date, at: datetime) -> list[DomainEvent]:
    """Try every waiting case again, oldest first (the caller holds the budget lock)."""
    waiting = await repo.lock_waiting(tx)
    if not waiting:
        return []
    grants = await repo.lock_usable_grants(tx, today=today)
    rates = await repo.latest_rates(tx, today=today)
    result = retry_waiting([repo.waiting_case(w) for w in waiting], grants, rates,
                           today=today, at=at)
    before = {g.grant_id: g for g in grants}
    for grant in result.grants:
        if grant != before[grant.grant_id]:
            await repo.save_grant(tx, grant=grant)
    records = {w.case.case_id: w for w in waiting}
    reservations = {x.case_id: x for x in result.reservations}
    events: list[DomainEvent] = []
    for event in result.events:
        events.append(event)
        if isinstance(event, BudgetReserved):
            record = records[event.case_id]
            events += await _open(tx, record, reservations[event.case_id], story, at)
    for still in result.waiting:
        await repo.set_case_status(tx, case_id=still.case.case_id, status="waiting",
                                   waiting_since=still.since, shortfall=still.shortfall)
    return events


async def withdraw(
    tx: Connection, *, case_id: UUID, reason: str, event_id: str, story: Story, today: date,
    at: datetime,
) -> list[DomainEvent]:  # fmt: skip
    """Release what is not with the bank; a waiting case just leaves the list."""
    await repo.lock_budget(tx)
    await repo.record_withdrawal(tx, case_id=case_id, reason=reason, at=at, event_id=event_id)
    record = await repo.lock_case(tx, case_id=case_id)
    if record is None or record.status == "withdrawn":
        return []
    if record.status != "reserved":
        await repo.set_case_status(tx, case_id=case_id, status="withdrawn")
        return []
    res = await repo.lock_reservation(tx, case_id=case_id)
    assert res is not None
    payments = await prepo.lock_case_payments(tx, case_id=case_id)
    batches = await prepo.lock_batches(
        tx, ids=[p.batch_id for p in payments if p.batch_id is not None])
    grant = await locked_grant(tx, res.reservation.grant_id)
    done = withdraw_case(res.reservation, grant=grant, payments=payments, batches=batches)
    await repo.save_reservation(tx, reservation=done.reservation)
    await repo.save_grant(tx, grant=done.grant)
    for payment in done.payments:
        await prepo.save_payment(tx, payment=payment, at=at)
    for batch in done.batches:
        await prepo.save_batch(tx, batch=batch)
    await repo.set_case_status(tx, case_id=case_id, status="withdrawn")
    remember(story, res, done.reservation)
    story.add_payments(payments)
    story.add_payments(done.payments)
    return [*done.events, *await retry(tx, story=story, today=today, at=at)]


async def locked_grant(tx: Connection, grant_id: UUID) -> Grant:
    found = await repo.get_grant(tx, grant_id=grant_id, lock=True)
    if found is None:  # pragma: no cover - a foreign key guarantees it
        raise Missing(f"grant {grant_id}")
    return found[0]


def remember(story: Story, record: ReservationRecord, now: Reservation | None = None) -> None:
    story.cases[record.reservation.case_id] = CaseContext(
        record.correlation_id, record.country, record.reservation_id,
        now or record.reservation, record.item_ids)


async def add_contexts(conn: Connection, story: Story, case_ids: list[UUID]) -> None:
    for record in await repo.case_contexts(conn, case_ids=case_ids):
        if record.reservation.case_id not in story.cases:
            remember(story, record)
