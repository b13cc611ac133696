"""Payment batches (four eyes), bank confirmations and case withdrawal as pure state transitions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Literal
from uuid import UUID

from services.disbursement.domain.common import (
    DomainEvent,
    Outcome,
    check_day,
    conflict,
    invalid,
    largest,
)
from services.disbursement.domain.grants import Grant
from services.disbursement.domain.payees import BankAccount, Payee, bank_name
from services.disbursement.domain.payments import (
    OPEN,
    Payment,
    PaymentBatched,
    PaymentCancelled,
    PaymentFailed,
    PaymentSent,
    Settlement,
    cancel_and_release,
    check_links,
)
from services.disbursement.domain.reservations import Reservation, ReservationReleased
from shared.money import Money

BatchStatus = Literal["draft", "approved"]


@dataclass(frozen=True, slots=True)
class BatchLine:
    """One credit transfer, with the payee's confirmed bank details as they were when batched
    and its name as the bank file carries it: what the second officer approves is exactly what
    the bank file carries."""

    payment_id: UUID
    case_id: UUID
    payee_id: UUID
    creditor_name: str
    account: BankAccount
    amount: Money


@dataclass(frozen=True, slots=True)
class Batch:
    """Scheduled payments of ONE currency (a pain.001 file debits one account in one currency;
    call `create_batch` once per currency, see `batchable`)."""

    batch_id: UUID
    currency: str
    lines: tuple[BatchLine, ...]
    created_by: str
    created_at: datetime
    status: BatchStatus = "draft"
    approved_by: str | None = None
    approved_at: datetime | None = None

    @property
    def total(self) -> Money:
        return sum((line.amount for line in self.lines), Money.zero(self.currency))

    @property
    def count(self) -> int:
        return len(self.lines)

    @property
    def payment_ids(self) -> frozenset[UUID]:
        return frozenset(line.payment_id for line in self.lines)

    def without(self, payment_id: UUID) -> Batch:
        if self.status != "draft":
            raise conflict("batch_not_draft", "an approved batch is never changed")
        return replace(self, lines=tuple(x for x in self.lines if x.payment_id != payment_id))


@dataclass(frozen=True, slots=True)
class BatchCreated(DomainEvent):
    batch: Batch


@dataclass(frozen=True, slots=True)
class BatchApproved(DomainEvent):
    batch: Batch


@dataclass(frozen=True, slots=True)
class BatchResult:
    batch: Batch
    payments: tuple[Payment, ...]
    events: tuple[DomainEvent, ...]


def batchable(
    payments: Sequence[Payment], currency: str, payees: Mapping[UUID, Payee]
) -> tuple[Payment, ...]:
    """What `POST /batches` collects: scheduled payments in `currency` whose payee is active
    (a payee with a pending change of bank details waits) and can be named in a bank file,
    oldest first."""
    found = [
        p
        for p in payments
        if p.status == "scheduled"
        and p.amount.currency == currency
        and p.payee_id is not None
        and (payee := payees.get(p.payee_id)) is not None
        and payee.active
        and payee.bankable
    ]
    return tuple(sorted(found, key=lambda p: (p.created_at, str(p.payment_id))))


def within_total(payments: Sequence[Payment], currency: str) -> tuple[Payment, ...]:
    """The first payments whose sum a batch (and its bank file) can carry; the rest wait for
    the next batch."""
    room = largest(currency).minor
    chosen: list[Payment] = []
    for payment in payments:
        if payment.amount.minor > room:
            break
        room -= payment.amount.minor
        chosen.append(payment)
    return tuple(chosen)


def create_batch(
    *,
    batch_id: UUID,
    currency: str,
    payments: Sequence[Payment],
    payees: Mapping[UUID, Payee],
    created_by: str,
    at: datetime,
) -> BatchResult:
    if not payments:
        raise conflict("batch_empty", "a batch needs at least one scheduled payment")
    if len({p.payment_id for p in payments}) != len(payments):
        raise invalid("duplicate_payment", "a payment appears twice", field="payment_ids")
    if sum(p.amount.minor for p in payments) > largest(currency).minor:
        detail = f"a batch carries at most {largest(currency)}: make two batches"
        raise invalid("batch_total_too_large", detail, field="payment_ids")
    lines: list[BatchLine] = []
    batched: list[Payment] = []
    for payment in payments:
        if payment.status != "scheduled":
            raise conflict("payment_not_scheduled", f"{payment.payment_id} is {payment.status}")
        if payment.amount.currency != currency:
            raise invalid("currency_mismatch", f"payment {payment.payment_id} is not in {currency}")
        payee = payees.get(payment.payee_id) if payment.payee_id else None
        if payee is None or payee.account is None or not payee.active:
            raise conflict("payee_not_active", f"payment {payment.payment_id} has no active payee")
        if not payee.bankable:
            raise conflict("payee_name_not_bankable", f"payee {payee.payee_id} needs a Latin name")
        lines.append(
            BatchLine(
                payment.payment_id,
                payment.case_id,
                payee.payee_id,
                bank_name(payee.name),
                payee.account,
                payment.amount,
            )
        )
        batched.append(replace(payment, status="batched", batch_id=batch_id))
    batch = Batch(batch_id, currency, tuple(lines), created_by, at)
    events = (BatchCreated(batch), *(PaymentBatched(p) for p in batched))
    return BatchResult(batch, tuple(batched), events)


def approve_batch(batch: Batch, *, approved_by: str, at: datetime) -> Outcome[Batch]:
    """The four-eyes step: a different finance officer than the one who built the batch."""
    if batch.status != "draft":
        raise conflict("batch_not_draft", f"batch is already {batch.status}")
    if approved_by == batch.created_by:
        raise conflict("batch_same_officer", "a second finance officer must approve the batch")
    if not batch.lines:
        raise conflict("batch_empty", "an empty batch cannot be approved")
    approved = replace(batch, status="approved", approved_by=approved_by, approved_at=at)
    return Outcome(approved, (BatchApproved(approved),))


def check_execution_date(day: date, *, today: date) -> date:
    """A bank executes a transfer from today (a day's grace for time zones) to a year ahead."""
    latest = today + timedelta(days=366)
    return check_day(
        day, field="query.execution_date", earliest=today - timedelta(days=1), latest=latest
    )


def check_paid_on(day: date, *, today: date) -> date:
    """A booking day the bank may have reported: not in the future (a day's grace)."""
    return check_day(day, field="paid_on", latest=today + timedelta(days=1))


def _in_approved_batch(payment: Payment, batch: Batch | None) -> bool:
    return (
        payment.status == "batched"
        and batch is not None
        and batch.status == "approved"
        and payment.batch_id == batch.batch_id
        and payment.payment_id in batch.payment_ids
    )


def confirm_payment(
    payment: Payment,
    *,
    batch: Batch | None,
    reservation: Reservation,
    grant: Grant,
    bank_reference: str,
    paid_on: date,
) -> Settlement:
    """The bank executed it: batched (approved batch) → sent; reserved becomes disbursed.
    Confirming again with the same reference is a no-op; with another one, an error."""
    check_links(payment, reservation, grant)
    if not bank_reference.strip():
        raise invalid(
            "invalid_bank_reference", "bank_reference must not be blank", field="bank_reference"
        )
    if payment.status == "sent":
        if payment.bank_reference == bank_reference:
            return Settlement(payment, reservation, grant, ())
        raise conflict("payment_already_sent", f"sent with reference {payment.bank_reference}")
    if not _in_approved_batch(payment, batch):
        raise conflict("payment_not_in_approved_batch", "only payments of an approved batch")
    sent = replace(payment, status="sent", bank_reference=bank_reference, paid_on=paid_on)
    return Settlement(
        sent,
        reservation.disburse(payment.amount),
        grant.disburse(payment.amount),
        (PaymentSent(sent),),
    )


def fail_payment(
    payment: Payment, *, batch: Batch | None, reservation: Reservation, grant: Grant, reason: str
) -> Settlement:
    """The bank refused it: batched (approved batch) → failed. If the case was withdrawn
    meanwhile, the payment is cancelled at once and its amount goes back to the grant."""
    check_links(payment, reservation, grant)
    if payment.status == "sent":
        raise conflict("payment_already_sent", "a sent payment cannot fail")
    if not _in_approved_batch(payment, batch):
        raise conflict("payment_not_in_approved_batch", "only payments of an approved batch")
    failed = replace(payment, status="failed", failure_reason=reason)
    events: tuple[DomainEvent, ...] = (PaymentFailed(failed, reason=reason),)
    if not reservation.withdrawn:
        return Settlement(failed, reservation, grant, events)
    cancelled, reservation, grant, more = cancel_and_release(
        failed, reservation, grant, "case_withdrawn"
    )
    return Settlement(cancelled, reservation, grant, events + more)


@dataclass(frozen=True, slots=True)
class Withdrawal:
    """Only the payments and batches that changed are listed."""

    reservation: Reservation
    grant: Grant
    payments: tuple[Payment, ...]
    batches: tuple[Batch, ...]
    events: tuple[DomainEvent, ...]


def withdraw_case(
    reservation: Reservation,
    *,
    grant: Grant,
    payments: Sequence[Payment],
    batches: Mapping[UUID, Batch],
    reason: str = "case_withdrawn",
) -> Withdrawal:
    """Cancel every payment not yet with the bank (open, or in a draft batch, which loses the
    line) and release everything reserved except payments in approved batches: those are in
    flight, end as sent (disbursed) or failed (then cancelled and released by `fail_payment`)."""
    if reservation.withdrawn:
        return Withdrawal(reservation, grant, (), (), ())
    in_flight = 0
    changed: list[Payment] = []
    drafts: dict[UUID, Batch] = {}
    events: list[DomainEvent] = []
    for payment in payments:
        check_links(payment, reservation, grant)
        if payment.status == "batched" and payment.batch_id is not None:
            batch = drafts.get(payment.batch_id) or batches.get(payment.batch_id)
            if batch is None:
                raise ValueError(f"batch {payment.batch_id} of a batched payment was not given")
            if batch.status != "draft":
                in_flight += payment.amount.minor
                continue
            drafts[batch.batch_id] = batch.without(payment.payment_id)
        elif payment.status not in OPEN:
            continue
        cancelled = replace(payment, status="cancelled", batch_id=None)
        changed.append(cancelled)
        events.append(PaymentCancelled(cancelled, reason=reason))
    release = Money(reservation.outstanding.minor - in_flight, grant.currency)
    reservation, grant = replace(reservation, withdrawn=True), grant
    if release.minor > 0:
        reservation, grant = reservation.release(release), grant.release(release)
        events.append(ReservationReleased(reservation, release, reason))
    return Withdrawal(reservation, grant, tuple(changed), tuple(drafts.values()), tuple(events))
