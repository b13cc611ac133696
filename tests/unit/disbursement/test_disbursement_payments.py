"""Payees (four eyes), payments, batches, bank confirmations and withdrawal."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from uuid import uuid4

import pytest
from support.disbursement_mothers import (
    IBAN_CH,
    IBAN_GB,
    NOW,
    RATES,
    TODAY,
    case,
    grant,
    money,
    payee,
)

from services.disbursement.domain.batches import (
    Batch,
    BatchApproved,
    approve_batch,
    confirm_payment,
    create_batch,
    fail_payment,
    withdraw_case,
)
from services.disbursement.domain.grants import Grant
from services.disbursement.domain.payees import (
    BankAccount,
    Payee,
    change_bank_details,
    confirm_payee,
    default_payee,
    register_payee,
)
from services.disbursement.domain.payments import (
    Payment,
    PaymentAwaitingPayee,
    PaymentCancelled,
    PaymentFailed,
    PaymentScheduled,
    PaymentSent,
    SplitPart,
    cancel_payment,
    open_payment,
    reschedule_payment,
    set_payee,
    split_payment,
)
from services.disbursement.domain.reservations import Reservation, ReservationReleased, reserve
from shared.errors import DomainError


@dataclass
class World:
    """One reserved case with its first payment, for tests that take it from there."""

    grant: Grant
    reservation: Reservation
    payment: Payment
    payee: Payee

    def batch(self, *, approve: bool = True) -> Batch:
        made = create_batch(
            batch_id=uuid4(), currency="CHF", payments=[self.payment],
            payees={self.payee.payee_id: self.payee}, created_by="finance-1", at=NOW,
        )  # fmt: skip
        self.payment = made.payments[0]
        if not approve:
            return made.batch
        return approve_batch(made.batch, approved_by="finance-2", at=NOW).state


def world(amount: str = "300.00", *, with_default: bool = True) -> World:
    g = grant("1000.00")
    reserved = reserve(case(("medical", amount, "CHF")), [g], RATES, today=TODAY, at=NOW)
    assert reserved.reservation is not None
    assert reserved.grant is not None
    p = payee()
    opened = open_payment(
        reserved.reservation, payment_id=uuid4(), default=p if with_default else None, at=NOW
    )
    return World(reserved.grant, reserved.reservation, opened.state, p)


def code_of(call: Callable[[], object]) -> str:
    with pytest.raises(DomainError) as err:
        call()
    return err.value.code


# --- payees -----------------------------------------------------------------------------------


def test_new_payee_is_pending_until_a_second_officer_confirms() -> None:
    pending = payee(confirmed=False)
    assert pending.status == "pending"
    assert pending.account is None
    assert code_of(lambda: confirm_payee(pending, confirmed_by="finance-1")) == "payee_same_officer"
    active = confirm_payee(pending, confirmed_by="finance-2").state
    assert active.status == "active"
    assert active.account == pending.pending_account
    assert code_of(lambda: confirm_payee(active, confirmed_by="finance-3")) == (
        "payee_nothing_pending"
    )


def test_changed_bank_details_are_not_paid_until_confirmed() -> None:
    active = payee()
    changed = change_bank_details(active, iban=IBAN_GB, bic=None, requested_by="finance-2").state
    assert not changed.active
    assert changed.account == active.account
    assert code_of(lambda: confirm_payee(changed, confirmed_by="finance-2")) == (
        "payee_same_officer"
    )
    confirmed = confirm_payee(changed, confirmed_by="finance-1").state
    assert confirmed.active
    assert confirmed.account is not None
    assert confirmed.account.iban == "GB33BUKB20201555555555"


@pytest.mark.parametrize(
    ("iban", "bic", "code"),
    [
        ("DE89 3704 0044 0532 0130 01", None, "invalid_iban"),
        ("XX00 1234", None, "invalid_iban"),
        (IBAN_CH, "NOT A BIC", "invalid_bic"),
    ],
)
def test_bank_details_are_validated(iban: str, bic: str | None, code: str) -> None:
    assert code_of(lambda: register_payee(
        payee_id=uuid4(), org_id="org-a", kind="provider", name="Clinic", iban=iban, bic=bic,
        is_default=False, requested_by="finance-1", at=NOW,
    )) == code  # fmt: skip


def test_the_account_is_what_the_officer_entered_and_no_bic_is_guessed() -> None:
    entered = BankAccount.parse("de89 3704 0044 0532 0130 00")
    assert entered == BankAccount("DE89370400440532013000", None)
    assert BankAccount.parse(IBAN_CH, "ubsw ch zh 80a").bic == "UBSWCHZH80A"


def test_default_payee_is_the_active_default_of_the_org() -> None:
    pending = payee(confirmed=False)
    other = payee(is_default=False)
    b_default = payee("org-b")
    assert default_payee("org-a", [pending, other, b_default]) is None
    active = payee()
    assert default_payee("org-a", [pending, other, b_default, active]) == active


# --- payments ---------------------------------------------------------------------------------


def test_payment_is_scheduled_with_an_active_default_payee() -> None:
    w = world()
    assert w.payment.status == "scheduled"
    assert w.payment.payee_id == w.payee.payee_id
    assert w.payment.amount == w.reservation.amount == money("300.00")


@pytest.mark.parametrize("default", [None, "pending", "other_org"])
def test_payment_awaits_a_payee_otherwise(default: str | None) -> None:
    w = world()
    chosen = {None: None, "pending": payee(confirmed=False), "other_org": payee("org-b")}[default]
    opened = open_payment(w.reservation, payment_id=uuid4(), default=chosen, at=NOW)
    assert opened.state.status == "awaiting_payee"
    assert isinstance(opened.events[0], PaymentAwaitingPayee)
    scheduled = set_payee(opened.state, w.payee)
    assert scheduled.state.status == "scheduled"
    assert isinstance(scheduled.events[0], PaymentScheduled)


@pytest.mark.parametrize(
    ("candidate", "code"),
    [
        (lambda: payee(confirmed=False), "payee_not_active"),
        (lambda: payee("org-b"), "payee_other_org"),
    ],
)
def test_set_payee_refuses(candidate: Callable[[], Payee], code: str) -> None:
    w = world(with_default=False)
    assert code_of(lambda: set_payee(w.payment, candidate())) == code


def test_split_parts_must_add_up_to_the_payment() -> None:
    w = world(with_default=False)
    lawyer = payee(is_default=False, name="Lawyer")
    payees = {lawyer.payee_id: lawyer}

    def split(*amounts: str, items: frozenset[int] = frozenset()) -> object:
        parts = [SplitPart(money(a), None, items) for a in amounts]
        ids = [uuid4() for _ in parts[1:]]
        return split_payment(
            w.payment, parts, reservation=w.reservation, new_ids=ids, payees=payees, at=NOW
        )

    assert code_of(lambda: split("200.00", "100.01")) == "over_approved_total"
    assert code_of(lambda: split("200.00", "99.99")) == "split_must_cover_payment"
    assert code_of(lambda: split("300.00")) == "invalid_split"
    assert code_of(lambda: split("200.00", "100.00", items=frozenset({1}))) == "unknown_item"
    new_id = uuid4()
    parts = [
        SplitPart(money("200.00")),
        SplitPart(money("100.00"), lawyer.payee_id, frozenset({0})),
    ]
    payments, events = split_payment(
        w.payment, parts, reservation=w.reservation, new_ids=[new_id], payees=payees, at=NOW
    )
    assert [p.payment_id for p in payments] == [w.payment.payment_id, new_id]
    assert [p.status for p in payments] == ["awaiting_payee", "scheduled"]
    assert sum(p.amount.minor for p in payments) == w.reservation.amount.minor
    assert len(events) == 3


def test_confirm_only_in_an_approved_batch_then_never_twice() -> None:
    w = world()

    def confirm(batch: Batch | None, ref: str = "BANK-1") -> object:
        return confirm_payment(
            w.payment, batch=batch, reservation=w.reservation, grant=w.grant,
            bank_reference=ref, paid_on=TODAY,
        )  # fmt: skip

    assert code_of(lambda: confirm(None)) == "payment_not_in_approved_batch"
    draft = w.batch(approve=False)
    assert code_of(lambda: confirm(draft)) == "payment_not_in_approved_batch"
    approved = approve_batch(draft, approved_by="finance-2", at=NOW).state
    sent = confirm_payment(
        w.payment, batch=approved, reservation=w.reservation, grant=w.grant,
        bank_reference="BANK-1", paid_on=TODAY,
    )  # fmt: skip
    assert sent.payment.status == "sent"
    assert isinstance(sent.events[0], PaymentSent)
    assert (sent.grant.reserved, sent.grant.disbursed) == (money("0"), money("300.00"))
    assert sent.reservation.disbursed == money("300.00")
    w.payment, w.reservation, w.grant = sent.payment, sent.reservation, sent.grant
    again = confirm(approved)
    assert again == replace(sent, events=())  # idempotent: same states, no new event
    assert code_of(lambda: confirm(approved, "BANK-2")) == "payment_already_sent"
    assert code_of(lambda: fail_payment(
        w.payment, batch=approved, reservation=w.reservation, grant=w.grant, reason="x"
    )) == "payment_already_sent"  # fmt: skip
    assert code_of(lambda: cancel_payment(
        w.payment, reservation=w.reservation, grant=w.grant, reason="x"
    )) == "payment_already_sent"  # fmt: skip


def test_batch_four_eyes_and_one_currency() -> None:
    w = world()
    draft = w.batch(approve=False)
    assert draft.total == money("300.00")
    assert draft.count == 1
    assert code_of(lambda: approve_batch(draft, approved_by="finance-1", at=NOW)) == (
        "batch_same_officer"
    )
    approved = approve_batch(draft, approved_by="finance-2", at=NOW)
    assert isinstance(approved.events[0], BatchApproved)
    assert code_of(lambda: approve_batch(approved.state, approved_by="finance-3", at=NOW)) == (
        "batch_not_draft"
    )
    payees = {w.payee.payee_id: w.payee}
    eur = replace(world().payment, amount=money("1.00", "EUR"))
    for payments, currency, code in [
        ([], "CHF", "batch_empty"),
        ([w.payment], "CHF", "payment_not_scheduled"),  # already batched
        ([eur], "CHF", "currency_mismatch"),
    ]:
        assert code_of(lambda p=payments, c=currency: create_batch(
            batch_id=uuid4(), currency=c, payments=p, payees=payees, created_by="f", at=NOW,
        )) == code  # fmt: skip


def test_fail_then_reschedule_or_cancel() -> None:
    w = world()
    batch = w.batch()
    failed = fail_payment(
        w.payment, batch=batch, reservation=w.reservation, grant=w.grant, reason="AC04"
    )
    assert failed.payment.status == "failed"
    assert isinstance(failed.events[0], PaymentFailed)
    assert failed.grant == w.grant  # still reserved
    rescheduled = reschedule_payment(failed.payment, w.payee).state
    assert rescheduled.status == "scheduled"
    assert rescheduled.batch_id is None
    assert code_of(lambda: reschedule_payment(rescheduled, w.payee)) == "payment_not_failed"
    cancelled = cancel_payment(
        failed.payment, reservation=w.reservation, grant=w.grant, reason="closed_account"
    )
    assert cancelled.payment.status == "cancelled"
    assert cancelled.grant.available == money("1000.00")
    assert cancelled.reservation.outstanding == money("0")
    assert isinstance(cancelled.events[0], PaymentCancelled)
    assert isinstance(cancelled.events[1], ReservationReleased)
    twice = cancel_payment(
        cancelled.payment, reservation=cancelled.reservation, grant=cancelled.grant, reason="x"
    )
    assert twice.events == ()


def test_a_batched_payment_cannot_be_cancelled_before_it_fails() -> None:
    w = world()
    w.batch()
    assert code_of(lambda: cancel_payment(
        w.payment, reservation=w.reservation, grant=w.grant, reason="x"
    )) == "payment_in_batch"  # fmt: skip


@pytest.mark.parametrize(
    ("where", "released", "status"),
    [
        ("open", "300.00", "cancelled"),
        ("draft_batch", "300.00", "cancelled"),
        ("approved_batch", "0", "batched"),  # in flight: the bank has it
    ],
)
def test_withdrawal_releases_what_the_bank_does_not_hold(
    where: str, released: str, status: str
) -> None:
    w = world()
    batches = {}
    if where != "open":
        batch = w.batch(approve=where == "approved_batch")
        batches[batch.batch_id] = batch
    result = withdraw_case(w.reservation, grant=w.grant, payments=[w.payment], batches=batches)
    assert result.reservation.withdrawn
    assert result.grant.available == money("700.00") + money(released)
    assert ([p.status for p in result.payments] or ["batched"]) == [status]
    if where == "draft_batch":
        assert result.batches[0].count == 0
        assert result.batches[0].total == money("0")
    assert (
        withdraw_case(result.reservation, grant=result.grant, payments=[], batches={}).events == ()
    )
    if where == "approved_batch":  # a late failure of the in-flight payment releases it
        late = fail_payment(
            w.payment, batch=batches[w.payment.batch_id or uuid4()],
            reservation=result.reservation, grant=result.grant, reason="AC04",
        )  # fmt: skip
        assert late.payment.status == "cancelled"
        assert late.grant.available == money("1000.00")
        assert late.reservation.outstanding == money("0")
