"""Payments as pure state transitions: who is paid, splits, cancellation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from services.disbursement.domain.common import (
    CaseRef,
    DomainEvent,
    Outcome,
    check_positive,
    conflict,
    invalid,
)
from services.disbursement.domain.grants import Grant
from services.disbursement.domain.payees import Payee
from services.disbursement.domain.reservations import Reservation, ReservationReleased, Weights
from shared.money import Money

PaymentStatus = Literal["awaiting_payee", "scheduled", "batched", "sent", "failed", "cancelled"]
OPEN: frozenset[str] = frozenset({"awaiting_payee", "scheduled", "failed"})


@dataclass(frozen=True, slots=True)
class Payment:
    """Part or all of a case's reservation, in the grant's currency. `items` indexes the
    reservation's approved items it pays for (empty: all of them); `weights` shares its amount
    out by category (donor reports), from those items as converted."""

    payment_id: UUID
    case: CaseRef
    grant_id: UUID
    amount: Money
    status: PaymentStatus
    created_at: datetime
    weights: Weights
    payee_id: UUID | None = None
    items: frozenset[int] = frozenset()
    batch_id: UUID | None = None
    bank_reference: str | None = None
    paid_on: date | None = None
    failure_reason: str | None = None

    @property
    def case_id(self) -> UUID:
        return self.case.case_id

    @property
    def org_id(self) -> str:
        return self.case.org_id


@dataclass(frozen=True, slots=True)
class PaymentEvent(DomainEvent):
    """A payment's lifecycle step; `payment` is the payment as it is after the step."""

    payment: Payment


@dataclass(frozen=True, slots=True)
class PaymentAwaitingPayee(PaymentEvent):
    pass


@dataclass(frozen=True, slots=True)
class PaymentScheduled(PaymentEvent):
    pass


@dataclass(frozen=True, slots=True)
class PaymentBatched(PaymentEvent):
    pass


@dataclass(frozen=True, slots=True)
class PaymentSent(PaymentEvent):
    pass


@dataclass(frozen=True, slots=True)
class PaymentFailed(PaymentEvent):
    """`returned_on`: the payment had been paid and the bank gave the money back that day (a
    return or reversal after booking); None for a failure before any booking."""

    reason: str
    returned_on: date | None = None


@dataclass(frozen=True, slots=True)
class PaymentCancelled(PaymentEvent):
    reason: str


@dataclass(frozen=True, slots=True)
class PaymentSplit(PaymentEvent):
    """`payment` keeps the first part; each new part also gets its own lifecycle event."""

    parts: tuple[UUID, ...]


def _scheduled_event(payment: Payment) -> DomainEvent:
    if payment.status == "scheduled":
        return PaymentScheduled(payment)
    return PaymentAwaitingPayee(payment)


def _check_payable(payment: Payment, payee: Payee) -> None:
    if not payee.active:
        raise conflict("payee_not_active", "the payee's bank details are not confirmed")
    if payee.org_id != payment.org_id:
        raise conflict("payee_other_org", "the payee is registered for another organisation")


def open_payment(
    reservation: Reservation, *, payment_id: UUID, default: Payee | None, at: datetime
) -> Outcome[Payment]:
    """The single payment a new reservation starts with: `scheduled` to the org's active default
    payee (see `default_payee`), else `awaiting_payee`."""
    payment = Payment(
        payment_id,
        reservation.case,
        reservation.grant_id,
        check_positive(reservation.outstanding),
        "awaiting_payee",
        at,
        reservation.weights(),
    )
    if default is not None and default.active and default.org_id == reservation.org_id:
        payment = replace(payment, payee_id=default.payee_id, status="scheduled")
    return Outcome(payment, (_scheduled_event(payment),))


def set_payee(payment: Payment, payee: Payee) -> Outcome[Payment]:
    """Choose who is paid; an open payment (awaiting, scheduled or failed) becomes `scheduled`."""
    if payment.status not in OPEN:
        raise conflict("payment_not_open", f"a {payment.status} payment cannot change payee")
    _check_payable(payment, payee)
    changed = replace(
        payment, payee_id=payee.payee_id, status="scheduled", batch_id=None, failure_reason=None
    )
    return Outcome(changed, (PaymentScheduled(changed),))


def reschedule_payment(payment: Payment, payee: Payee) -> Outcome[Payment]:
    """failed → scheduled, to the same or another active payee (pass the current one to keep)."""
    if payment.status != "failed":
        raise conflict("payment_not_failed", f"a {payment.status} payment is not rescheduled")
    return set_payee(payment, payee)


@dataclass(frozen=True, slots=True)
class SplitPart:
    amount: Money
    payee_id: UUID | None = None
    items: frozenset[int] = frozenset()


def split_payment(
    payment: Payment,
    parts: Sequence[SplitPart],
    *,
    reservation: Reservation,
    new_ids: Sequence[UUID],
    payees: Mapping[UUID, Payee],
    at: datetime,
) -> tuple[tuple[Payment, ...], tuple[DomainEvent, ...]]:
    """Split an open, unbatched payment into parts for different payees and approved items. The
    parts must add up to the payment exactly: money is neither created here nor released (cancel
    a part to release it). The first part keeps the payment's id; the others take `new_ids`."""
    if payment.status not in ("awaiting_payee", "scheduled"):
        raise conflict("payment_not_open", f"a {payment.status} payment cannot be split")
    if len(parts) < 2 or len(new_ids) != len(parts) - 1 or len(set(new_ids)) != len(new_ids):
        raise invalid(
            "invalid_split", "give at least two parts and one new id per extra part", field="parts"
        )
    for n, part in enumerate(parts):
        if part.amount.currency != payment.amount.currency:
            raise invalid(
                "currency_mismatch",
                f"parts must be in {payment.amount.currency}",
                field=f"parts.{n}.amount",
            )
        check_positive(part.amount, field=f"parts.{n}.amount")
        if any(i not in range(len(reservation.items)) for i in part.items):
            raise invalid(
                "unknown_item",
                "a part refers to an item the case was not approved for",
                field=f"parts.{n}.item_ids",
            )
    total = sum(part.amount.minor for part in parts)
    if total > payment.amount.minor:
        raise conflict("over_approved_total", f"parts exceed the payment's {payment.amount}")
    if total < payment.amount.minor:
        raise invalid(
            "split_must_cover_payment", "parts must add up to the payment exactly", field="parts"
        )
    result: list[Payment] = []
    for n, (pid, part) in enumerate(zip((payment.payment_id, *new_ids), parts, strict=True)):
        created = payment.created_at if pid == payment.payment_id else at
        piece = replace(
            payment,
            payment_id=pid,
            amount=part.amount,
            items=part.items,
            payee_id=None,
            status="awaiting_payee",
            created_at=created,
            weights=reservation.weights(part.items),
        )
        if part.payee_id is not None:
            payee = payees.get(part.payee_id)
            if payee is None:
                raise invalid(
                    "unknown_payee",
                    f"payee {part.payee_id} is not known",
                    field=f"parts.{n}.payee_id",
                )
            _check_payable(payment, payee)
            piece = replace(piece, payee_id=payee.payee_id, status="scheduled")
        result.append(piece)
    split = PaymentSplit(result[0], parts=tuple(new_ids))
    return tuple(result), (split, *(_scheduled_event(p) for p in result))


@dataclass(frozen=True, slots=True)
class Settlement:
    """The three aggregates a money movement touches, after it; `events` empty for a no-op."""

    payment: Payment
    reservation: Reservation
    grant: Grant
    events: tuple[DomainEvent, ...]


def check_links(payment: Payment, reservation: Reservation, grant: Grant) -> None:
    if payment.case_id != reservation.case_id or reservation.grant_id != grant.grant_id:
        raise ValueError("payment, reservation and grant do not belong together")


def cancel_and_release(
    payment: Payment, reservation: Reservation, grant: Grant, reason: str
) -> tuple[Payment, Reservation, Grant, tuple[DomainEvent, ...]]:
    cancelled = replace(payment, status="cancelled", batch_id=None)
    reservation = reservation.release(payment.amount)
    released = ReservationReleased(reservation, payment.amount, reason)
    return (
        cancelled,
        reservation,
        grant.release(payment.amount),
        (PaymentCancelled(cancelled, reason=reason), released),
    )


def cancel_payment(
    payment: Payment, *, reservation: Reservation, grant: Grant, reason: str
) -> Settlement:
    """An open payment is cancelled; its amount leaves the reservation for the grant's available.
    A batched payment must fail first (the bank may hold it); cancelling twice is a no-op."""
    check_links(payment, reservation, grant)
    if payment.status == "cancelled":
        return Settlement(payment, reservation, grant, ())
    if payment.status == "sent":
        raise conflict("payment_already_sent", "a sent payment cannot be cancelled")
    if payment.status == "batched":
        raise conflict("payment_in_batch", "a batched payment is cancelled only after it fails")
    return Settlement(*cancel_and_release(payment, reservation, grant, reason))
