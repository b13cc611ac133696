"""Unmatched entries are matched or dismissed by hand, by another officer than the importer."""

from __future__ import annotations

from uuid import UUID

import pytest
from support.statements import BOOKED_ON, Booking, Tx, booking, camt, return_of

from services.disbursement.reconciliation import (
    DISMISS_REASONS,
    Confirm,
    Decision,
    Dismissed,
    Fail,
    KnownPayment,
    Matched,
    Returned,
    Statement,
    Unchanged,
    Unmatched,
    dismiss,
    match_by_hand,
    match_statement,
    read_statement,
)
from shared.errors import DomainError, Refusal
from shared.money import Money

P, Q = UUID(int=1), UUID(int=2)
B = UUID(int=100)
CHF = Money(125_000, "CHF")
IMPORTER, OTHER = "finance-1", "finance-2"


def pay(payment_id: UUID, status: str = "batched", *, seen: tuple[str, ...] = ()) -> KnownPayment:
    reference = seen[0] if status == "sent" and seen else None
    return KnownPayment(payment_id, CHF, status, B, True, reference, None, frozenset(seen))  # type: ignore[arg-type]


def day(*bookings: Booking) -> Statement:
    (found,) = read_statement(camt("camt.053", 8, list(bookings))).statements
    return found


def left(statement: Statement, payments: list[KnownPayment]) -> Decision:
    (decision,) = match_statement(statement, payments).decisions
    assert isinstance(decision, Unmatched)
    return decision


def refused(call: object, refusal: Refusal, code: str) -> None:
    with pytest.raises(DomainError) as caught:
        call()  # type: ignore[operator]
    assert (caught.value.refusal, caught.value.code) == (refusal, code)


def test_a_debit_the_rules_left_is_matched_by_another_officer_and_pays() -> None:
    """The bank booked the payment less its charges: a person judges, and matches it."""
    statement = day(booking(P, Money(124_500, "CHF"), bank_reference="B-9"))
    decision = left(statement, [pay(P)])
    result = match_by_hand(statement, decision, [pay(P)], imported_by=IMPORTER, officer=OTHER)
    assert result.decisions == (Matched(0, (P,), "manual", BOOKED_ON, "B-9", OTHER),)
    assert result.effects == (Confirm(P, "B-9", BOOKED_ON),)


def test_a_credit_is_matched_as_a_return_with_the_iso_code_given() -> None:
    statement = day(Booking(CHF, credit=True, bank_reference="C-1", txs=(Tx(P.hex, CHF),)))
    decision = left(statement, [pay(P)])
    assert decision.reason == "credit_without_return_information"  # type: ignore[union-attr]
    paid = pay(P, "sent", seen=("B-1",))
    result = match_by_hand(
        statement, decision, [paid], imported_by=IMPORTER, officer=OTHER, reason_code="AC04"
    )
    assert result.decisions == (
        Returned(0, (P,), "AC04", False, "C-1", BOOKED_ON, (P,), "manual", OTHER),
    )  # fmt: skip
    assert result.effects == (Fail(P, "AC04", after_booking=True, bank_reference="C-1"),)


def test_a_return_left_unmatched_keeps_the_banks_own_reason_code() -> None:
    statement = day(return_of(Q, CHF, reason="MD07", bank_reference="R-1"))
    decision = left(statement, [pay(P)])
    result = match_by_hand(
        statement, decision, [pay(P)], imported_by=IMPORTER, officer=OTHER, reason_code="AC04"
    )
    assert result.effects == (Fail(P, "MD07", after_booking=False, bank_reference="R-1"),)


def test_the_importer_cannot_resolve_their_own_statement() -> None:
    statement = day(booking(Q, CHF))
    decision = left(statement, [pay(P)])
    refused(lambda: match_by_hand(statement, decision, [pay(P)], imported_by=IMPORTER, officer=IMPORTER),
            Refusal.CONFLICT, "statement_same_officer")  # fmt: skip
    refused(lambda: dismiss(decision, imported_by=IMPORTER, officer=IMPORTER, reason="other"),
            Refusal.CONFLICT, "statement_same_officer")  # fmt: skip


def test_only_an_unmatched_entry_is_resolved_by_hand() -> None:
    statement = day(booking(P, CHF))
    matched = Matched(0, (P,), "end_to_end_id", BOOKED_ON, "B")
    for decision in (matched, Unchanged(0, "not_booked"), Dismissed(0, OTHER, "other")):
        refused(lambda d=decision: match_by_hand(statement, d, [pay(P)], imported_by=IMPORTER, officer=OTHER),
                Refusal.CONFLICT, "entry_not_unmatched")  # fmt: skip
        refused(lambda d=decision: dismiss(d, imported_by=IMPORTER, officer=OTHER, reason="other"),
                Refusal.CONFLICT, "entry_not_unmatched")  # fmt: skip


@pytest.mark.parametrize(
    ("booking_", "payments", "kw", "refusal", "code"),
    [
        (booking(Q, CHF), [pay(P, "sent", seen=("X",))], {}, Refusal.CONFLICT, "payment_already_paid"),
        (booking(Q, CHF), [pay(P, "scheduled")], {}, Refusal.CONFLICT, "payment_not_with_bank"),
        (booking(Q, CHF), [pay(P, "failed")], {}, Refusal.CONFLICT, "payment_not_with_bank"),
        (booking(Q, CHF), [], {}, Refusal.INVALID, "invalid_payment_choice"),
        (booking(Q, CHF), [pay(P), pay(P)], {}, Refusal.INVALID, "invalid_payment_choice"),
        (booking(Q, CHF, bank_reference="B-1"), [pay(P, "failed", seen=("B-1",))], {}, Refusal.CONFLICT, "entry_already_applied"),
        (Booking(CHF, credit=True), [pay(P)], {}, Refusal.INVALID, "invalid_reason_code"),
        (Booking(CHF, credit=True), [pay(P)], {"reason_code": "ac04"}, Refusal.INVALID, "invalid_reason_code"),
        (Booking(CHF, credit=True), [pay(P)], {"reason_code": "AC04 "}, Refusal.INVALID, "invalid_reason_code"),
        (Booking(CHF, credit=True), [pay(P, "cancelled")], {"reason_code": "AC04"}, Refusal.CONFLICT, "payment_not_returnable"),
        (Booking(CHF, reversal=True, txs=(Tx(Q.hex, CHF),)), [pay(P)], {}, Refusal.CONFLICT, "entry_not_payable"),
    ],
)  # fmt: skip
def test_a_manual_match_never_pays_twice_nor_fails_what_the_bank_never_had(
    booking_: Booking, payments: list[KnownPayment], kw: dict[str, str], refusal: Refusal, code: str
) -> None:
    statement = day(booking_)
    decision = left(statement, [pay(UUID(int=50))])
    refused(lambda: match_by_hand(statement, decision, payments, imported_by=IMPORTER,
                                  officer=OTHER, **kw), refusal, code)  # fmt: skip


def test_dismissal_takes_a_reason_from_the_list_and_no_free_text() -> None:
    decision = left(day(Booking(CHF, credit=True, bank_reference="C")), [])
    assert dismiss(decision, imported_by=IMPORTER, officer=OTHER, reason="incoming_funds") == (
        Dismissed(0, OTHER, "incoming_funds")
    )
    assert "bank_charges" in DISMISS_REASONS
    refused(lambda: dismiss(decision, imported_by=IMPORTER, officer=OTHER, reason="Mr X's refund"),  # type: ignore[arg-type]
            Refusal.INVALID, "invalid_dismiss_reason")  # fmt: skip
