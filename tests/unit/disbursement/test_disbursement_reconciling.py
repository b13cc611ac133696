"""The pure side of statements: a bank's Confirm and Fail effects as disbursement's transitions
(`domain.reconciling.settle`), a return after booking (`domain.statements.return_payment`), and
which reason codes are kept (codes, never words from the file)."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

import pytest
from support.disbursement_mothers import NOW, TODAY, approved_batch, case, grant, payee

from services.disbursement.domain.batches import Batch, confirm_payment
from services.disbursement.domain.grants import Grant
from services.disbursement.domain.payments import Payment, PaymentFailed, open_payment, set_payee
from services.disbursement.domain.reconciling import known_payment, reason_code, settle
from services.disbursement.domain.reservations import Reservation, reserve
from services.disbursement.domain.statements import return_payment
from services.disbursement.reconciliation import Confirm, Fail
from shared.errors import DomainError


def conserved(g: Grant) -> None:
    assert g.amount.minor == g.available.minor + g.reserved.minor + g.disbursed.minor


def batched() -> tuple[Payment, Batch, Reservation, Grant]:
    made = reserve(case(("medical", "100.00", "CHF")), [grant()], [], today=TODAY, at=NOW)
    assert made.reservation is not None and made.grant is not None
    active = payee()
    opened = open_payment(made.reservation, payment_id=uuid4(), default=None, at=NOW).state
    scheduled = set_payee(opened, active).state
    batch, (payment,) = approved_batch([scheduled], {active.payee_id: active})
    return payment, batch, made.reservation, made.grant


def paid() -> tuple[Payment, Reservation, Grant]:
    payment, batch, reservation, g = batched()
    sent = confirm_payment(
        payment, batch=batch, reservation=reservation, grant=g, bank_reference="B-1",
        paid_on=TODAY,
    )  # fmt: skip
    return sent.payment, sent.reservation, sent.grant


def test_confirm_pays_a_batched_payment_and_moves_reserved_to_disbursed() -> None:
    payment, batch, reservation, g = batched()
    done = settle(
        Confirm(payment.payment_id, "B-9", TODAY), payment, batch=batch,
        reservation=reservation, grant=g, returned_on=TODAY,
    )  # fmt: skip
    assert (done.payment.status, done.payment.bank_reference) == ("sent", "B-9")
    assert done.grant.disbursed.minor - g.disbursed.minor == payment.amount.minor
    assert g.reserved.minor - done.grant.reserved.minor == payment.amount.minor
    conserved(done.grant)


def test_a_rejection_before_booking_fails_the_payment_and_keeps_it_reserved() -> None:
    payment, batch, reservation, g = batched()
    done = settle(
        Fail(payment.payment_id, "AC04", False, None), payment, batch=batch,
        reservation=reservation, grant=g, returned_on=TODAY,
    )  # fmt: skip
    assert (done.payment.status, done.payment.failure_reason) == ("failed", "AC04")
    assert done.grant.disbursed == g.disbursed
    conserved(done.grant)


def test_a_return_after_booking_gives_disbursed_back_to_reserved() -> None:
    payment, reservation, g = paid()
    done = settle(
        Fail(payment.payment_id, "AC04", True, "R-1"), payment, batch=None,
        reservation=reservation, grant=g, returned_on=TODAY,
    )  # fmt: skip
    assert (done.payment.status, done.payment.failure_reason) == ("failed", "AC04")
    assert done.payment.bank_reference is None and done.payment.paid_on is None
    assert g.disbursed.minor - done.grant.disbursed.minor == payment.amount.minor
    assert done.grant.reserved.minor - g.reserved.minor == payment.amount.minor
    (event,) = done.events
    assert isinstance(event, PaymentFailed) and event.returned_on == TODAY
    conserved(done.grant)


def test_a_return_of_a_withdrawn_case_releases_the_money_at_once() -> None:
    payment, reservation, g = paid()
    done = return_payment(
        payment, reservation=replace(reservation, withdrawn=True), grant=g, reason="AC04",
        returned_on=TODAY,
    )  # fmt: skip
    assert done.payment.status == "cancelled"
    assert done.grant.available.minor - g.available.minor == payment.amount.minor
    assert done.grant.disbursed.minor == g.disbursed.minor - payment.amount.minor
    conserved(done.grant)


def test_only_a_paid_payment_can_come_back() -> None:
    payment, _, reservation, g = batched()
    with pytest.raises(DomainError) as refused:
        return_payment(payment, reservation=reservation, grant=g, reason="AC04", returned_on=TODAY)
    assert refused.value.code == "payment_not_paid"


def test_an_effect_about_another_payment_is_refused() -> None:
    payment, batch, reservation, g = batched()
    with pytest.raises(ValueError):
        settle(Confirm(uuid4(), "B", TODAY), payment, batch=batch, reservation=reservation,
               grant=g, returned_on=TODAY)  # fmt: skip


def test_known_payment_says_whether_its_batch_is_approved() -> None:
    payment, batch, _, _ = batched()
    assert known_payment(payment, batch, frozenset()).batch_approved
    assert not known_payment(payment, replace(batch, status="draft"), frozenset()).batch_approved
    assert not known_payment(payment, None, frozenset()).batch_approved


@pytest.mark.parametrize(
    ("reason", "kept"),
    [("AC04", "AC04"), ("MS03", "MS03"), ("BANK:X-12", "BANK:X-12"),
     ("account closed by Jane Doe", "returned"), ("", "returned"), ("x" * 36, "returned")],
)  # fmt: skip
def test_only_codes_are_kept_as_reasons_never_words(reason: str, kept: str) -> None:
    assert reason_code(reason) == kept


def test_the_api_and_the_pages_offer_exactly_the_dismissal_reasons_reconciliation_takes() -> None:
    from typing import get_args

    from services.disbursement.reconciliation import DISMISS_REASONS
    from services.disbursement.schemas import DismissReason
    from services.web.pages.finance_statements import DISMISS_REASONS as OFFERED

    assert set(get_args(DismissReason)) == DISMISS_REASONS == set(OFFERED)
