"""The matching rules, entry by entry, on statements read from XML in every camt version."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest
from support.statements import (
    BOOKED_ON,
    CAMT_VERSIONS,
    FUND_IBAN,
    BatchInfo,
    Booking,
    Tx,
    batch_booking,
    booking,
    camt,
    in_other_currency,
    return_of,
    reversal_of,
)

from services.disbursement.reconciliation import (
    Confirm,
    Fail,
    KnownPayment,
    Matched,
    Reconciliation,
    Returned,
    Statement,
    StatementKey,
    Unmatched,
    apply,
    bank_reference_of,
    check_account,
    check_not_imported,
    match_statement,
    read_statement,
    referenced,
)
from shared.errors import DomainError, Refusal
from shared.money import Money

P, Q, R, S = (UUID(int=i) for i in range(1, 5))
B, B2 = UUID(int=100), UUID(int=200)
CHF = Money(125_000, "CHF")
SMALL = Money(2_500, "CHF")


def pay(payment_id: UUID, amount: Money = CHF, status: str = "batched", *, batch: UUID | None = B,
        approved: bool = True, reference: str | None = None, seen: tuple[str, ...] = (),
        reason: str | None = None) -> KnownPayment:  # fmt: skip
    return KnownPayment(
        payment_id, amount, status, batch, approved,  # type: ignore[arg-type]
        reference if status == "sent" else None, reason, frozenset(seen),
    )  # fmt: skip


def statement(*bookings: Booking, version: int = 8, kind: str = "camt.053",
              statement_id: str = "S-1") -> Statement:  # fmt: skip
    data = camt(kind, version, list(bookings), statement_id=statement_id)
    (found,) = read_statement(data).statements
    return found


def only(result: Reconciliation) -> object:
    (decision,) = result.decisions
    return decision


def unmatched(result: Reconciliation) -> tuple[str, tuple[UUID, ...]]:
    decision = only(result)
    assert isinstance(decision, Unmatched), decision
    assert result.effects == ()
    return decision.reason, decision.candidates


@pytest.mark.parametrize("version", CAMT_VERSIONS)
@pytest.mark.parametrize("kind", ["camt.053", "camt.054"])
def test_a_day_at_the_bank_in_every_version(kind: str, version: int) -> None:
    payments = [pay(P), pay(Q, SMALL), pay(R, batch=B2), pay(S, batch=B2), pay(UUID(int=9), SMALL, batch=None, status="scheduled")]  # fmt: skip
    day = statement(
        booking(P, CHF, bank_reference="B-1", batch=B),
        batch_booking(B2, [(R, CHF), (S, CHF)], bank_reference="B-2", details=False),
        booking(Q, Money(2_400, "CHF"), bank_reference="B-3"),
        return_of(P, CHF, reason="AC04", bank_reference="R-1"),
        booking(UUID(int=42), CHF, bank_reference="B-4"),
        Booking(CHF, status="PDNG", bank_reference="B-5"),
        Booking(Money(10_000_000, "CHF"), credit=True, bank_reference="C-1"),
        version=version, kind=kind,
    )  # fmt: skip
    result = match_statement(day, payments)
    outcomes = [
        (d.outcome, getattr(d, "reason", getattr(d, "why", None))) for d in result.decisions
    ]
    assert outcomes == [
        ("matched", None), ("matched", None), ("unmatched", "amount_differs"),
        ("returned", "AC04"), ("unmatched", "unknown_end_to_end_id"), ("unchanged", "not_booked"),
        ("unmatched", "not_a_payment"),
    ]  # fmt: skip
    assert result.effects == (
        Confirm(P, "B-1", BOOKED_ON), Confirm(R, "B-2", BOOKED_ON), Confirm(S, "B-2", BOOKED_ON),
        Fail(P, "AC04", after_booking=True, bank_reference="R-1"),
    )  # fmt: skip
    assert (result.matched, result.unmatched) == (3, 3)
    after = {p.payment_id: p for p in result.payments}
    assert (after[P].status, after[R].status, after[S].status) == ("failed", "sent", "sent")
    assert Q not in after  # untouched


def test_a_single_booking_confirms_its_payment_with_date_and_reference() -> None:
    result = match_statement(statement(booking(P, CHF, bank_reference="REF-77")), [pay(P)])
    assert only(result) == Matched(0, (P,), "end_to_end_id", BOOKED_ON, "REF-77")
    assert result.effects == (Confirm(P, "REF-77", BOOKED_ON),)
    (paid,) = result.payments
    assert (paid.status, paid.bank_reference, paid.seen_references) == (
        "sent",
        "REF-77",
        {"REF-77"},
    )


@pytest.mark.parametrize("details", [True, False])
def test_a_batch_booked_as_one_entry_matches_by_pmtinfid_count_and_sum(details: bool) -> None:
    entry = batch_booking(B, [(P, CHF), (Q, SMALL)], bank_reference="BB", details=details)
    result = match_statement(statement(entry), [pay(P), pay(Q, SMALL), pay(R, batch=B2)])
    assert only(result) == Matched(
        0, (P, Q), "end_to_end_id" if details else "batch", BOOKED_ON, "BB"
    )
    assert {e.payment_id for e in result.effects} == {P, Q}


def test_a_batch_booking_leaves_out_payments_the_bank_rejected_before() -> None:
    rejected = pay(R, status="failed", reason="AC04")
    entry = batch_booking(B, [(P, CHF), (Q, SMALL)], details=False)
    result = match_statement(statement(entry), [pay(P), pay(Q, SMALL), rejected])
    assert isinstance(only(result), Matched)


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (batch_booking(B, [(P, CHF), (Q, SMALL)], details=False, count=3), "count_differs"),
        (batch_booking(B, [(P, CHF)], details=False), "count_differs"),
        (batch_booking(B, [(P, CHF), (Q, CHF)], details=False), "amount_differs"),
        (batch_booking(B, [(P, CHF), (Q, SMALL)], details=False, total=CHF), "amount_differs"),
        (Booking(Money(127_500, "CHF"), batch=BatchInfo(B.hex)), "count_missing"),
        (batch_booking(B2, [(P, CHF), (Q, SMALL)], details=False), "unknown_batch"),
        (batch_booking(UUID(int=999), [(P, CHF)], details=False), "unknown_batch"),
        (Booking(CHF, batch=BatchInfo("not-a-vfund-batch", count=1)), "unknown_batch"),
        (Booking(CHF, bank_reference="X"), "no_reference"),
        (booking(P, SMALL), "amount_differs"),
        (booking(P, Money(125_000, "EUR")), "currency_differs"),
        (in_other_currency(P, Money(110_000, "EUR"), CHF), "currency_differs"),
        (booking(UUID(int=42), CHF), "unknown_end_to_end_id"),
        (Booking(CHF, txs=(Tx("INV-2025-0001", CHF),)), "unknown_end_to_end_id"),
        (booking(P, CHF, batch=B2), "batch_differs"),
        (Booking(Money(250_000, "CHF"), txs=(Tx(P.hex, CHF), Tx(P.hex, CHF))), "duplicate_end_to_end_id"),
        (Booking(CHF, txs=(Tx(P.hex, CHF),), booked_on=None), "no_booking_date"),
        (Booking(CHF, credit=True, txs=(Tx(P.hex, CHF),)), "credit_without_return_information"),
        (Booking(CHF, credit=True), "not_a_payment"),
        (Booking(CHF, reversal=True, txs=(Tx(P.hex, CHF),)), "unexpected_reversal"),
    ],
    ids=lambda x: x if isinstance(x, str) else "",
)  # fmt: skip
def test_what_does_not_agree_is_left_unmatched_with_why(entry: Booking, reason: str) -> None:
    found, _ = unmatched(match_statement(statement(entry), [pay(P), pay(Q, SMALL)]))
    assert found == reason


def test_a_payment_not_with_the_bank_is_never_paid() -> None:
    entry = booking(P, CHF)
    cases = {
        "not_sent": [pay(P, status="scheduled", batch=None), pay(P, approved=False)],
        "payment_failed": [pay(P, status="failed", reason="AC04")],
        "payment_cancelled": [pay(P, status="cancelled", batch=None)],
        "already_paid": [pay(P, status="sent", reference="OTHER", seen=("OTHER",))],
    }
    for reason, payments in cases.items():
        for payment in payments:
            assert unmatched(match_statement(statement(entry), [payment])) == (reason, (P,))


def test_the_same_entry_reported_again_changes_nothing() -> None:
    """camt.054 during the day, camt.053 at its end: the same booking and return, twice."""
    bookings = [booking(P, CHF, bank_reference="B-1"), return_of(Q, SMALL, bank_reference="R-1")]
    payments = [pay(P), pay(Q, SMALL, status="sent", reference="B-0", seen=("B-0",))]
    first = match_statement(statement(*bookings, kind="camt.054", statement_id="N-1"), payments)
    assert [d.outcome for d in first.decisions] == ["matched", "returned"]
    second = match_statement(statement(*bookings, statement_id="S-1"), first.payments)
    assert [(d.outcome, d.why) for d in second.decisions] == [  # type: ignore[union-attr]
        ("unchanged", "already_recorded"), ("unchanged", "already_recorded"),
    ]  # fmt: skip
    assert second.effects == ()


def test_a_second_booking_of_a_paid_payment_is_not_paid_again() -> None:
    day = statement(booking(P, CHF, bank_reference="B-1"), booking(P, CHF, bank_reference="B-2"))
    result = match_statement(day, [pay(P)])
    assert isinstance(result.decisions[0], Matched)
    assert result.decisions[1] == Unmatched(1, "already_paid", "a payment is paid already", (P,))
    assert result.effects == (Confirm(P, "B-1", BOOKED_ON),)


def test_a_return_before_any_booking_fails_the_payment_with_its_iso_code() -> None:
    result = match_statement(
        statement(return_of(P, CHF, reason="AC04", bank_reference="R")), [pay(P)]
    )
    assert only(result) == Returned(0, (P,), "AC04", False, "R", BOOKED_ON, (), "end_to_end_id")
    assert result.effects == (Fail(P, "AC04", after_booking=False, bank_reference="R"),)


def test_a_return_after_booking_gives_the_amount_back_to_reserved() -> None:
    paid = pay(P, status="sent", reference="B-1", seen=("B-1",))
    result = match_statement(
        statement(return_of(P, CHF, reason="AM04", bank_reference="R")), [paid]
    )
    assert only(result) == Returned(0, (P,), "AM04", False, "R", BOOKED_ON, (P,), "end_to_end_id")
    assert result.effects == (Fail(P, "AM04", after_booking=True, bank_reference="R"),)


def test_a_booking_and_its_return_in_one_statement_are_applied_in_order() -> None:
    day = statement(booking(P, CHF, bank_reference="B"), return_of(P, CHF, bank_reference="R"))
    result = match_statement(day, [pay(P)])
    assert result.effects == (
        Confirm(P, "B", BOOKED_ON), Fail(P, "AC04", after_booking=True, bank_reference="R"),
    )  # fmt: skip
    assert result.payments[0].status == "failed"


@pytest.mark.parametrize(
    ("entry", "reason"),
    [
        (reversal_of(P, CHF), "reversed"),
        (reversal_of(P, CHF, reason="AC06"), "AC06"),
        (return_of(P, CHF, reason=None), "returned"),
        (return_of(P, Money(124_000, "CHF")), "AC04"),  # less the bank's charges
    ],
)
def test_returns_and_reversals_fail_with_the_iso_code_or_say_which_they_were(
    entry: Booking, reason: str
) -> None:
    decision = only(match_statement(statement(entry), [pay(P)]))
    assert isinstance(decision, Returned) and decision.reason == reason
    assert decision.reversal == (reason in ("reversed", "AC06"))


@pytest.mark.parametrize(
    ("entry", "payment", "reason"),
    [
        (return_of(P, Money(125_001, "CHF")), pay(P), "amount_differs"),
        (return_of(P, Money(125_000, "EUR")), pay(P), "currency_differs"),
        (return_of(UUID(int=77), CHF), pay(P), "unknown_end_to_end_id"),
        (return_of(P, CHF), pay(P, status="scheduled", batch=None), "not_sent"),
        (return_of(P, CHF), pay(P, status="cancelled", batch=None), "payment_cancelled"),
        (return_of(P, CHF), pay(P, status="failed", reason="AC04"), "payment_failed"),
        (return_of(P, CHF, batch=B2), pay(P), "batch_differs"),
    ],
)
def test_a_return_that_does_not_fit_is_left_unmatched(
    entry: Booking, payment: KnownPayment, reason: str
) -> None:
    assert unmatched(match_statement(statement(entry), [payment]))[0] == reason


def test_an_old_booking_or_return_never_acts_on_a_payment_sent_again() -> None:
    """Paid (B-1), returned (R-1), rescheduled into batch B2 and sent again: a statement that
    reports the old booking and return once more must leave the new attempt alone."""
    again = pay(P, batch=B2, seen=("B-1", "R-1"))
    day = statement(booking(P, CHF, bank_reference="B-1"), return_of(P, CHF, bank_reference="R-1"))
    result = match_statement(day, [again])
    assert [d.outcome for d in result.decisions] == ["unchanged", "unchanged"]
    assert result.effects == ()


def test_a_bank_reference_stands_in_when_the_bank_gives_none() -> None:
    day = statement(Booking(CHF, txs=(Tx(P.hex, CHF),)), Booking(CHF, txs=(Tx(Q.hex, CHF),)))
    first, second = (bank_reference_of(e, day) for e in day.entries)
    assert first != second and len(first) == 33 and first.startswith("S")
    assert (
        bank_reference_of(day.entries[0], statement(*[Booking(CHF, txs=(Tx(P.hex, CHF),))]))
        == first
    )
    other = statement(Booking(CHF, txs=(Tx(P.hex, CHF),)), statement_id="S-2")
    assert bank_reference_of(other.entries[0], other) != first
    with_ref = statement(Booking(CHF, txs=(Tx(P.hex, CHF, bank_reference="TX-REF"),)))
    assert bank_reference_of(with_ref.entries[0], with_ref) == "TX-REF"


def test_a_statement_is_imported_once_per_account_and_id() -> None:
    key = statement(booking(P, CHF)).key
    assert key == StatementKey(FUND_IBAN, "S-1")
    check_not_imported(key, {StatementKey(FUND_IBAN, "S-0"), StatementKey("DE00", "S-1")})
    with pytest.raises(DomainError) as caught:
        check_not_imported(key, {key})
    assert (caught.value.refusal, caught.value.code) == (
        Refusal.CONFLICT,
        "statement_already_imported",
    )


def test_only_the_funds_own_accounts_are_reconciled() -> None:
    day = statement(booking(P, CHF))
    check_account(day, ["CH93 0076 2011 6238 5295 7"])
    with pytest.raises(DomainError) as caught:
        check_account(day, ["DE89370400440532013000"])
    assert caught.value.code == "statement_other_account"


@pytest.mark.parametrize(
    ("payment", "effect"),
    [
        (pay(P, status="sent", reference="B", seen=("B",)), Confirm(P, "B2", date(2025, 1, 1))),
        (pay(P, status="scheduled", batch=None), Confirm(P, "B", date(2025, 1, 1))),
        (pay(P, approved=False), Confirm(P, "B", date(2025, 1, 1))),
        (pay(P), Fail(P, "AC04", after_booking=True)),
        (pay(P, status="sent", reference="B"), Fail(P, "AC04", after_booking=False)),
        (pay(P, status="failed"), Fail(P, "AC04", after_booking=False)),
        (pay(P, status="cancelled"), Fail(P, "AC04", after_booking=False)),
        (pay(Q), Confirm(P, "B", date(2025, 1, 1))),
    ],
)
def test_apply_refuses_every_change_the_rules_never_allow(
    payment: KnownPayment, effect: Confirm | Fail
) -> None:
    with pytest.raises(ValueError):
        apply(payment, effect)


def test_a_statement_says_which_payments_and_batches_to_load() -> None:
    day = statement(
        booking(P, CHF, batch=B),
        batch_booking(B2, [(Q, CHF)], details=False),
        Booking(CHF, txs=(Tx("INV-1", CHF, payment_info_id="not-ours"),)),
        Booking(CHF, credit=True),
    )
    assert referenced(day) == ({P}, {B, B2})
