"""What reconciliation decides: per entry (or status line) a decision, per payment an effect.

`KnownPayment` is what the matcher needs to know of one vfund payment; `Confirm` and `Fail` are the
only changes it ever asks for, and `apply` is their meaning on that view (the wiring maps them onto
the disbursement domain: confirm_payment, fail_payment, and a return after booking).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import date
from typing import ClassVar, Literal, get_args
from uuid import UUID

from shared.money import Money

PaymentStatus = Literal["awaiting_payee", "scheduled", "batched", "sent", "failed", "cancelled"]
MatchedBy = Literal["end_to_end_id", "batch", "manual"]
UnchangedWhy = Literal["already_recorded", "not_booked", "acknowledged"]
UnmatchedReason = Literal[
    "no_reference",  # neither an EndToEndId nor a PmtInfId that names vfund's payments
    "unknown_end_to_end_id",  # an EndToEndId that is no vfund payment
    "duplicate_end_to_end_id",  # one entry names the same payment twice
    "unknown_batch",  # a PmtInfId (or MsgId) that is no vfund batch
    "batch_differs",  # the payment belongs to another batch than the one the bank names
    "currency_differs",  # booked in another currency than the payment's
    "amount_differs",  # the amounts disagree (entry, batch total or transaction)
    "count_differs",  # a batch booking counts other transactions than the batch holds
    "count_missing",  # a batch booking that says neither how many nor which
    "already_paid",  # the payment is paid already, under another bank reference
    "not_sent",  # the payment is not with the bank (not in an approved batch)
    "payment_failed",  # booked although vfund holds the payment as failed
    "payment_cancelled",  # booked or returned although vfund cancelled the payment
    "no_booking_date",  # a booked entry without booking or value date
    "not_a_payment",  # a credit that names no vfund payment: incoming funds, interest, ...
    "credit_without_return_information",  # a credit naming a payment, but not as a return
    "unexpected_reversal",  # a debit that reverses or returns something: not vfund's
    "rejected_after_booking",  # pain.002 rejects a payment the bank has booked
]
DismissReason = Literal[
    "bank_charges",
    "incoming_funds",
    "internal_transfer",
    "not_a_vfund_payment",
    "duplicate_booking",
    "other",
]
DISMISS_REASONS: frozenset[str] = frozenset(get_args(DismissReason))


@dataclass(frozen=True, slots=True)
class KnownPayment:
    """One vfund payment as reconciliation sees it. `seen_references` are the bank references of
    entries already applied to it: the same entry reported again never acts twice."""

    payment_id: UUID
    amount: Money
    status: PaymentStatus
    batch_id: UUID | None = None
    batch_approved: bool = False
    bank_reference: str | None = None
    failure_reason: str | None = None
    seen_references: frozenset[str] = frozenset()

    @property
    def with_bank(self) -> bool:
        """Exported to the bank: batched in an approved batch, and not yet booked or failed."""
        return self.status == "batched" and self.batch_id is not None and self.batch_approved


# --- effects: what changes ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Confirm:
    """The bank booked it: batched → sent (paid), reserved becomes disbursed."""

    payment_id: UUID
    bank_reference: str
    paid_on: date


@dataclass(frozen=True, slots=True)
class Fail:
    """The bank rejected or returned it: → failed with the ISO reason code. `after_booking`: it
    was paid (sent) and comes back, so its amount moves from disbursed back to reserved, as for
    any failed payment (rescheduled or cancelled later, or released at once if the case was
    withdrawn). `bank_reference` is the returning entry's (None for a pain.002 rejection)."""

    payment_id: UUID
    reason: str
    after_booking: bool
    bank_reference: str | None = None


Effect = Confirm | Fail


def apply(payment: KnownPayment, effect: Effect) -> KnownPayment:
    """The effect on one payment; refuses (ValueError) a change the rules never allow, so that a
    matcher bug cannot pay a payment twice or fail one the bank never had."""
    if effect.payment_id != payment.payment_id:
        raise ValueError("effect for another payment")
    if isinstance(effect, Confirm):
        if not payment.with_bank:
            raise ValueError(f"only a payment with the bank is paid, not a {payment.status} one")
        return replace(
            payment,
            status="sent",
            bank_reference=effect.bank_reference,
            failure_reason=None,
            seen_references=payment.seen_references | {effect.bank_reference},
        )
    if effect.after_booking != (payment.status == "sent"):
        raise ValueError("a return after booking is for a paid payment, and only then")
    if not (payment.with_bank or payment.status == "sent"):
        raise ValueError(f"a {payment.status} payment cannot fail at the bank")
    seen = payment.seen_references | ({effect.bank_reference} if effect.bank_reference else set())
    return replace(
        payment,
        status="failed",
        bank_reference=None,
        failure_reason=effect.reason,
        seen_references=frozenset(seen),
    )


# --- decisions: what each entry (or pain.002 status line) is ------------------------------------


@dataclass(frozen=True, slots=True)
class Matched:
    index: int
    payment_ids: tuple[UUID, ...]
    by: MatchedBy
    booking_date: date
    bank_reference: str
    officer: str | None = None  # who matched it by hand
    outcome: ClassVar[str] = "matched"


@dataclass(frozen=True, slots=True)
class Returned:
    """A return (`RtrInf`) or a reversal (`RvslInd`) of payments the bank had."""

    index: int
    payment_ids: tuple[UUID, ...]
    reason: str  # the ISO return reason code (AC04, ...), else "returned" or "reversed"
    reversal: bool
    bank_reference: str
    booking_date: date | None
    after_booking: tuple[UUID, ...] = ()  # those that were paid before
    by: MatchedBy = "end_to_end_id"
    officer: str | None = None
    outcome: ClassVar[str] = "returned"


@dataclass(frozen=True, slots=True)
class Rejected:
    """pain.002: the bank refused the payments before executing them."""

    index: int
    payment_ids: tuple[UUID, ...]
    reason: str  # the ISO status reason code (AC04, AM04, ...), else "rejected"
    outcome: ClassVar[str] = "rejected"


@dataclass(frozen=True, slots=True)
class Unchanged:
    index: int
    why: UnchangedWhy
    payment_ids: tuple[UUID, ...] = ()
    outcome: ClassVar[str] = "unchanged"


@dataclass(frozen=True, slots=True)
class Unmatched:
    """Left for a finance officer (not the importer) to match or dismiss by hand."""

    index: int
    reason: UnmatchedReason
    detail: str
    candidates: tuple[UUID, ...] = ()  # the payments it seemed to be about, to help that officer
    outcome: ClassVar[str] = "unmatched"


@dataclass(frozen=True, slots=True)
class Dismissed:
    index: int
    officer: str
    reason: DismissReason
    outcome: ClassVar[str] = "dismissed"


Decision = Matched | Returned | Rejected | Unchanged | Unmatched | Dismissed


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """One decision per entry (or status line), in order; the effects in the order to apply
    them; and the touched payments as they are after them."""

    decisions: tuple[Decision, ...]
    effects: tuple[Effect, ...]
    payments: tuple[KnownPayment, ...] = field(default=())

    @property
    def outcomes(self) -> Counter[str]:
        return Counter(d.outcome for d in self.decisions)

    @property
    def matched(self) -> int:
        """Entries that changed a payment: matched, returned or rejected."""
        counts = self.outcomes
        return counts["matched"] + counts["returned"] + counts["rejected"]

    @property
    def unmatched(self) -> int:
        return self.outcomes["unmatched"]
