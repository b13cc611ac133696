"""Payees, payments and batches of the disbursement service as pure state transitions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from services.disbursement.domain import (
    Conflict,
    DomainEvent,
    Grant,
    Invalid,
    Outcome,
    check_positive,
)
from services.disbursement.reservations import Reservation, ReservationReleased
from shared.money import Money

PayeeKind = Literal["organisation", "provider"]
PaymentStatus = Literal["awaiting_payee", "scheduled", "batched", "sent", "failed", "cancelled"]
BatchStatus = Literal["draft", "approved"]
OPEN: frozenset[str] = frozenset({"awaiting_payee", "scheduled", "failed"})

# --- payees -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BankAccount:
    """A validated IBAN and, when the officer gave one, BIC (both compact).

    No BIC is ever guessed from the IBAN: the account paid is exactly what one officer entered and
    a second confirmed. (A registry lookup would also cost every disbursement process ~5 MB for a
    table of mostly SEPA banks, where an IBAN alone routes the payment.)"""

    iban: str
    bic: str | None = None

    @classmethod
    def parse(cls, iban: str, bic: str | None = None) -> BankAccount:
        try:
            parsed = IBAN(iban)
        except SchwiftyException as exc:
            raise Invalid("invalid_iban", f"IBAN rejected: {exc}") from exc
        if not bic:
            return cls(parsed.compact, None)
        try:
            return cls(parsed.compact, BIC(bic).compact)
        except SchwiftyException as exc:
            raise Invalid("invalid_bic", f"BIC rejected: {exc}") from exc


@dataclass(frozen=True, slots=True)
class Payee:
    """Who is paid. Only `account` (confirmed by a second officer) is ever paid; while a change
    is pending the payee is not active, so nobody is paid on unconfirmed details."""

    payee_id: UUID
    org_id: str
    kind: PayeeKind
    name: str
    account: BankAccount | None
    pending_account: BankAccount | None
    pending_by: str | None
    is_default: bool
    created_at: datetime

    @property
    def active(self) -> bool:
        return self.account is not None and self.pending_account is None

    @property
    def status(self) -> Literal["active", "pending"]:
        return "active" if self.active else "pending"


@dataclass(frozen=True, slots=True)
class PayeeRegistered(DomainEvent):
    payee_id: UUID
    org_id: str
    kind: PayeeKind
    is_default: bool
    requested_by: str


@dataclass(frozen=True, slots=True)
class PayeeBankDetailsChanged(DomainEvent):
    payee_id: UUID
    org_id: str
    requested_by: str


@dataclass(frozen=True, slots=True)
class PayeeConfirmed(DomainEvent):
    payee_id: UUID
    org_id: str
    confirmed_by: str


def register_payee(
    *, payee_id: UUID, org_id: str, kind: PayeeKind, name: str, iban: str, bic: str | None,
    is_default: bool, requested_by: str, at: datetime,
) -> Outcome[Payee]:  # fmt: skip
    if kind not in ("organisation", "provider"):
        raise Invalid("invalid_payee_kind", f"{kind!r} is not organisation or provider")
    if not name.strip() or not org_id.strip():
        raise Invalid("invalid_payee", "name and org_id must not be blank")
    account = BankAccount.parse(iban, bic)
    payee = Payee(payee_id, org_id, kind, name.strip(), None, account, requested_by, is_default, at)
    return Outcome(payee, (PayeeRegistered(payee_id, org_id, kind, is_default, requested_by),))


def change_bank_details(
    payee: Payee, *, iban: str, bic: str | None, requested_by: str
) -> Outcome[Payee]:
    changed = replace(payee, pending_account=BankAccount.parse(iban, bic), pending_by=requested_by)
    return Outcome(changed, (PayeeBankDetailsChanged(payee.payee_id, payee.org_id, requested_by),))


def confirm_payee(payee: Payee, *, confirmed_by: str) -> Outcome[Payee]:
    """The four-eyes step for new payees and for every change of bank details."""
    if payee.pending_account is None:
        raise Conflict("payee_nothing_pending", "no bank details wait for confirmation")
    if confirmed_by == payee.pending_by:
        raise Conflict("payee_same_officer", "a second finance officer must confirm")
    confirmed = replace(payee, account=payee.pending_account, pending_account=None, pending_by=None)
    return Outcome(confirmed, (PayeeConfirmed(payee.payee_id, payee.org_id, confirmed_by),))


def default_payee(org_id: str, payees: Sequence[Payee]) -> Payee | None:
    """The org's active default payee (the newest if several are flagged), else None."""
    found = [p for p in payees if p.org_id == org_id and p.is_default and p.active]
    return max(found, key=lambda p: p.created_at) if found else None


# --- payments -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Payment:
    """Part or all of a case's reservation, in the grant's currency. `items` indexes the
    reservation's approved items it pays for (empty: all of them)."""

    payment_id: UUID
    case_id: UUID
    org_id: str
    grant_id: UUID
    amount: Money
    status: PaymentStatus
    created_at: datetime
    payee_id: UUID | None = None
    items: frozenset[int] = frozenset()
    batch_id: UUID | None = None
    bank_reference: str | None = None
    paid_on: date | None = None
    failure_reason: str | None = None


@dataclass(frozen=True, slots=True)
class PaymentEvent(DomainEvent):
    payment_id: UUID
    case_id: UUID
    payee_id: UUID | None
    amount: Money
    batch_id: UUID | None

    @classmethod
    def of(cls, payment: Payment) -> tuple[UUID, UUID, UUID | None, Money, UUID | None]:
        p = payment
        return p.payment_id, p.case_id, p.payee_id, p.amount, p.batch_id


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
    bank_reference: str
    paid_on: date


@dataclass(frozen=True, slots=True)
class PaymentFailed(PaymentEvent):
    reason: str


@dataclass(frozen=True, slots=True)
class PaymentCancelled(PaymentEvent):
    reason: str


@dataclass(frozen=True, slots=True)
class PaymentSplit(PaymentEvent):
    """`amount` is what stays on `payment_id`; each new part also gets its own lifecycle event."""

    parts: tuple[UUID, ...]


def _scheduled_event(payment: Payment) -> DomainEvent:
    if payment.status == "scheduled":
        return PaymentScheduled(*PaymentEvent.of(payment))
    return PaymentAwaitingPayee(*PaymentEvent.of(payment))


def _check_payable(payment: Payment, payee: Payee) -> None:
    if not payee.active:
        raise Conflict("payee_not_active", "the payee's bank details are not confirmed")
    if payee.org_id != payment.org_id:
        raise Conflict("payee_other_org", "the payee is registered for another organisation")


def open_payment(
    reservation: Reservation, *, payment_id: UUID, default: Payee | None, at: datetime
) -> Outcome[Payment]:
    """The single payment a new reservation starts with: `scheduled` to the org's active default
    payee (see `default_payee`), else `awaiting_payee`."""
    payment = Payment(
        payment_id, reservation.case_id, reservation.org_id, reservation.grant_id,
        check_positive(reservation.outstanding), "awaiting_payee", at,
    )  # fmt: skip
    if default is not None and default.active and default.org_id == reservation.org_id:
        payment = replace(payment, payee_id=default.payee_id, status="scheduled")
    return Outcome(payment, (_scheduled_event(payment),))


def set_payee(payment: Payment, payee: Payee) -> Outcome[Payment]:
    """Choose who is paid; an open payment (awaiting, scheduled or failed) becomes `scheduled`."""
    if payment.status not in OPEN:
        raise Conflict("payment_not_open", f"a {payment.status} payment cannot change payee")
    _check_payable(payment, payee)
    changed = replace(
        payment, payee_id=payee.payee_id, status="scheduled", batch_id=None, failure_reason=None
    )
    return Outcome(changed, (PaymentScheduled(*PaymentEvent.of(changed)),))


def reschedule_payment(payment: Payment, payee: Payee) -> Outcome[Payment]:
    """failed → scheduled, to the same or another active payee (pass the current one to keep)."""
    if payment.status != "failed":
        raise Conflict("payment_not_failed", f"a {payment.status} payment is not rescheduled")
    return set_payee(payment, payee)


@dataclass(frozen=True, slots=True)
class SplitPart:
    amount: Money
    payee_id: UUID | None = None
    items: frozenset[int] = frozenset()


def split_payment(
    payment: Payment, parts: Sequence[SplitPart], *, reservation: Reservation,
    new_ids: Sequence[UUID], payees: Mapping[UUID, Payee], at: datetime,
) -> tuple[tuple[Payment, ...], tuple[DomainEvent, ...]]:  # fmt: skip
    """Split an open, unbatched payment into parts for different payees and approved items. The
    parts must add up to the payment exactly: money is neither created here nor released (cancel
    a part to release it). The first part keeps the payment's id; the others take `new_ids`."""
    if payment.status not in ("awaiting_payee", "scheduled"):
        raise Conflict("payment_not_open", f"a {payment.status} payment cannot be split")
    if len(parts) < 2 or len(new_ids) != len(parts) - 1 or len(set(new_ids)) != len(new_ids):
        raise Invalid("invalid_split", "give at least two parts and one new id per extra part")
    for part in parts:
        if part.amount.currency != payment.amount.currency:
            raise Invalid("currency_mismatch", f"parts must be in {payment.amount.currency}")
        check_positive(part.amount)
        if any(i not in range(len(reservation.items)) for i in part.items):
            raise Invalid("unknown_item", "a part refers to an item the case was not approved for")
    total = sum(part.amount.minor for part in parts)
    if total > payment.amount.minor:
        raise Conflict("over_approved_total", f"parts exceed the payment's {payment.amount}")
    if total < payment.amount.minor:
        raise Invalid("split_must_cover_payment", "parts must add up to the payment exactly")
    result: list[Payment] = []
    for pid, part in zip((payment.payment_id, *new_ids), parts, strict=True):
        created = payment.created_at if pid == payment.payment_id else at
        piece = replace(
            payment, payment_id=pid, amount=part.amount, items=part.items, payee_id=None,
            status="awaiting_payee", created_at=created,
        )  # fmt: skip
        if part.payee_id is not None:
            payee = payees.get(part.payee_id)
            if payee is None:
                raise Invalid("unknown_payee", f"payee {part.payee_id} is not known")
            _check_payable(payment, payee)
            piece = replace(piece, payee_id=payee.payee_id, status="scheduled")
        result.append(piece)
    split = PaymentSplit(*PaymentEvent.of(result[0]), parts=tuple(new_ids))
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
    released = ReservationReleased(payment.case_id, grant.grant_id, payment.amount, reason)
    return (
        cancelled, reservation.release(payment.amount), grant.release(payment.amount),
        (PaymentCancelled(*PaymentEvent.of(cancelled), reason=reason), released),
    )  # fmt: skip


def cancel_payment(
    payment: Payment, *, reservation: Reservation, grant: Grant, reason: str
) -> Settlement:
    """An open payment is cancelled; its amount leaves the reservation for the grant's available.
    A batched payment must fail first (the bank may hold it); cancelling twice is a no-op."""
    check_links(payment, reservation, grant)
    if payment.status == "cancelled":
        return Settlement(payment, reservation, grant, ())
    if payment.status == "sent":
        raise Conflict("payment_already_sent", "a sent payment cannot be cancelled")
    if payment.status == "batched":
        raise Conflict("payment_in_batch", "a batched payment is cancelled only after it fails")
    return Settlement(*cancel_and_release(payment, reservation, grant, reason))
