"""Payment batches (four eyes), bank confirmations and case withdrawal as pure state transitions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from uuid import UUID

from services.disbursement.domain import (
    Conflict,
    DomainEvent,
    Grant,
    Invalid,
    Outcome,
)
from services.disbursement.payments import (
    OPEN,
    BankAccount,
    BatchStatus,
    Payee,
    Payment,
    PaymentBatched,
    PaymentCancelled,
    PaymentEvent,
    PaymentFailed,
    PaymentSent,
    Settlement,
    cancel_and_release,
    check_links,
)
from services.disbursement.reservations import Reservation, ReservationReleased
from shared.money import Money


@dataclass(frozen=True, slots=True)
class BatchLine:
    """One credit transfer, with the payee's confirmed bank details as they were when batched:
    what the second officer approves is exactly what the bank file carries."""

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
            raise Conflict("batch_not_draft", "an approved batch is never changed")
        return replace(self, lines=tuple(x for x in self.lines if x.payment_id != payment_id))


@dataclass(frozen=True, slots=True)
class BatchCreated(DomainEvent):
    batch_id: UUID
    currency: str
    total: Money
    count: int
    created_by: str


@dataclass(frozen=True, slots=True)
class BatchApproved(DomainEvent):
    batch_id: UUID
    currency: str
    total: Money
    count: int
    approved_by: str


@dataclass(frozen=True, slots=True)
class BatchResult:
    batch: Batch
    payments: tuple[Payment, ...]
    events: tuple[DomainEvent, ...]


def batchable(
    payments: Sequence[Payment], currency: str, payees: Mapping[UUID, Payee]
) -> tuple[Payment, ...]:
    """What `POST /batches` collects: scheduled payments in `currency` whose payee is active
    (a payee with a pending change of bank details waits), oldest first."""
    found = [
        p for p in payments
        if p.status == "scheduled" and p.amount.currency == currency and p.payee_id is not None
        and (payee := payees.get(p.payee_id)) is not None and payee.active
    ]  # fmt: skip
    return tuple(sorted(found, key=lambda p: (p.created_at, str(p.payment_id))))


def create_batch(
    *, batch_id: UUID, currency: str, payments: Sequence[Payment], payees: Mapping[UUID, Payee],
    created_by: str, at: datetime,
) -> BatchResult:  # fmt: skip
    if not payments:
        raise Conflict("batch_empty", "a batch needs at least one scheduled payment")
    if len({p.payment_id for p in payments}) != len(payments):
        raise Invalid("duplicate_payment", "a payment appears twice")
    lines: list[BatchLine] = []
    batched: list[Payment] = []
    for payment in payments:
        if payment.status != "scheduled":
            raise Conflict("payment_not_scheduled", f"{payment.payment_id} is {payment.status}")
        if payment.amount.currency != currency:
            raise Invalid("currency_mismatch", f"payment {payment.payment_id} is not in {currency}")
        payee = payees.get(payment.payee_id) if payment.payee_id else None
        if payee is None or payee.account is None or not payee.active:
            raise Conflict("payee_not_active", f"payment {payment.payment_id} has no active payee")
        lines.append(BatchLine(
            payment.payment_id, payment.case_id, payee.payee_id, payee.name, payee.account,
            payment.amount,
        ))  # fmt: skip
        batched.append(replace(payment, status="batched", batch_id=batch_id))
    batch = Batch(batch_id, currency, tuple(lines), created_by, at)
    events = (
        BatchCreated(batch_id, currency, batch.total, batch.count, created_by),
        *(PaymentBatched(*PaymentEvent.of(p)) for p in batched),
    )
    return BatchResult(batch, tuple(batched), events)


def approve_batch(batch: Batch, *, approved_by: str, at: datetime) -> Outcome[Batch]:
    """The four-eyes step: a different finance officer than the one who built the batch."""
    if batch.status != "draft":
        raise Conflict("batch_not_draft", f"batch is already {batch.status}")
    if approved_by == batch.created_by:
        raise Conflict("batch_same_officer", "a second finance officer must approve the batch")
    if not batch.lines:
        raise Conflict("batch_empty", "an empty batch cannot be approved")
    approved = replace(batch, status="approved", approved_by=approved_by, approved_at=at)
    event = BatchApproved(batch.batch_id, batch.currency, batch.total, batch.count, approved_by)
    return Outcome(approved, (event,))


def _in_approved_batch(payment: Payment, batch: Batch | None) -> bool:
    return (
        payment.status == "batched" and batch is not None and batch.status == "approved"
        and payment.batch_id == batch.batch_id and payment.payment_id in batch.payment_ids
    )  # fmt: skip


def confirm_payment(
    payment: Payment, *, batch: Batch | None, reservation: Reservation, grant: Grant,
    bank_reference: str, paid_on: date,
) -> Settlement:  # fmt: skip
    """The bank executed it: batched (approved batch) → sent; reserved becomes disbursed.
    Confirming again with the same reference is a no-op; with another one, an error."""
    check_links(payment, reservation, grant)
    if not bank_reference.strip():
        raise Invalid("invalid_bank_reference", "bank_reference must not be blank")
    if payment.status == "sent":
        if payment.bank_reference == bank_reference:
            return Settlement(payment, reservation, grant, ())
        raise Conflict("payment_already_sent", f"sent with reference {payment.bank_reference}")
    if not _in_approved_batch(payment, batch):
        raise Conflict("payment_not_in_approved_batch", "only payments of an approved batch")
    sent = replace(payment, status="sent", bank_reference=bank_reference, paid_on=paid_on)
    event = PaymentSent(*PaymentEvent.of(sent), bank_reference=bank_reference, paid_on=paid_on)
    return Settlement(
        sent, reservation.disburse(payment.amount), grant.disburse(payment.amount), (event,)
    )


def fail_payment(
    payment: Payment, *, batch: Batch | None, reservation: Reservation, grant: Grant, reason: str
) -> Settlement:
    """The bank refused it: batched (approved batch) → failed. If the case was withdrawn
    meanwhile, the payment is cancelled at once and its amount goes back to the grant."""
    check_links(payment, reservation, grant)
    if payment.status == "sent":
        raise Conflict("payment_already_sent", "a sent payment cannot fail")
    if not _in_approved_batch(payment, batch):
        raise Conflict("payment_not_in_approved_batch", "only payments of an approved batch")
    failed = replace(payment, status="failed", failure_reason=reason)
    events: tuple[DomainEvent, ...] = (PaymentFailed(*PaymentEvent.of(failed), reason=reason),)
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
    reservation: Reservation, *, grant: Grant, payments: Sequence[Payment],
    batches: Mapping[UUID, Batch], reason: str = "case_withdrawn",
) -> Withdrawal:  # fmt: skip
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
        events.append(PaymentCancelled(*PaymentEvent.of(cancelled), reason=reason))
    release = Money(reservation.outstanding.minor - in_flight, grant.currency)
    reservation, grant = replace(reservation, withdrawn=True), grant
    if release.minor > 0:
        reservation, grant = reservation.release(release), grant.release(release)
        events.append(ReservationReleased(reservation.case_id, grant.grant_id, release, reason))
    return Withdrawal(reservation, grant, tuple(changed), tuple(drafts.values()), tuple(events))
