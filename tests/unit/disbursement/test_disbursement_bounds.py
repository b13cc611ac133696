"""Bounds: no figure vfund stores or publishes outgrows its column or its event field, and every
date is plausible; a refusal names the field."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest
from support.disbursement_mothers import NOW, TODAY, case, grant, money, payee

from services.disbursement.domain.batches import (
    check_execution_date,
    check_paid_on,
    create_batch,
    within_total,
)
from services.disbursement.domain.common import largest, money_of, signed_money_of
from services.disbursement.domain.grants import adjust_grant, create_grant
from services.disbursement.domain.payees import Payee
from services.disbursement.domain.payments import Payment, open_payment
from services.disbursement.domain.reservations import reserve
from shared.errors import DomainError
from shared.money import MAX_MINOR, Money


def refusal(call: object) -> DomainError:
    assert callable(call)
    with pytest.raises(DomainError) as err:
        call()
    return err.value


def fields(err: DomainError) -> list[str]:
    return [e["field"] for e in err.errors or []]


@pytest.mark.parametrize(
    ("currency", "expected"),
    [("CHF", "999999999999.99"), ("JPY", "999999999999"), ("KWD", "999999999999.999")],
)
def test_the_largest_figure_is_what_one_amount_may_be(currency: str, expected: str) -> None:
    assert largest(currency).amount == expected
    assert largest(currency).minor <= MAX_MINOR
    assert largest("CLF").minor == MAX_MINOR  # four decimals: shared.money's bound is smaller


@pytest.mark.parametrize(
    ("amount", "currency", "code"),
    [
        ("1.001", "CHF", "invalid_amount"),  # more places than the currency has
        ("1.5", "JPY", "invalid_amount"),
        ("1000000000000", "CHF", "invalid_amount"),  # 13 integer digits
    ],
)
def test_amounts_are_parsed_exactly_or_refused_naming_the_field(
    amount: str, currency: str, code: str
) -> None:
    err = refusal(lambda: money_of(amount, currency, field="parts.1.amount"))
    assert (err.code, fields(err)) == (code, ["body.parts.1.amount"])
    assert signed_money_of("-250.00", "CHF", field="delta") == Money(-25000, "CHF")


def test_a_grant_keeps_an_amount_above_zero() -> None:
    err = refusal(lambda: adjust_grant(grant("10.00"), Money(-1000, "CHF")))
    assert (err.code, err.refusal) == ("grant_amount_not_positive", "conflict")
    assert adjust_grant(grant("10.00"), Money(-999, "CHF")).state.amount == money("0.01")


def test_a_grant_never_holds_more_than_the_largest_amount() -> None:
    full = grant("999999999999.00")
    err = refusal(lambda: adjust_grant(full, money("1.00")))
    assert (err.code, fields(err)) == ("grant_amount_too_large", ["body.delta"])
    assert adjust_grant(full, money("0.99")).state.amount == largest("CHF")


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "field"),
    [
        (date(1999, 12, 31), date(2030, 1, 1), "body.valid_from"),
        (date(2025, 1, 1), date(2101, 1, 1), "body.valid_to"),
        (date(1, 1, 1), date(9999, 12, 31), "body.valid_from"),
    ],
)
def test_grant_validity_lies_in_a_plausible_window(
    valid_from: date, valid_to: date, field: str
) -> None:
    err = refusal(
        lambda: create_grant(
            grant_id=uuid4(),
            donor="D",
            name="N",
            amount=money("1.00"),
            valid_from=valid_from,
            valid_to=valid_to,
            created_at=NOW,
        )
    )
    assert (err.code, fields(err)) == ("implausible_date", [field])


@pytest.mark.parametrize(
    ("day", "ok"),
    [
        (TODAY + timedelta(days=1), True),
        (TODAY + timedelta(days=2), False),
        (date(2000, 1, 1), True),
        (date(1999, 12, 31), False),
    ],
)
def test_paid_on_is_a_day_the_bank_may_have_booked(day: date, ok: bool) -> None:
    if ok:
        assert check_paid_on(day, today=TODAY) == day
    else:
        assert fields(refusal(lambda: check_paid_on(day, today=TODAY))) == ["body.paid_on"]


@pytest.mark.parametrize(
    ("offset", "ok"), [(-2, False), (-1, True), (0, True), (366, True), (367, False)]
)
def test_execution_dates_lie_within_a_year(offset: int, ok: bool) -> None:
    day = TODAY + timedelta(days=offset)
    if ok:
        assert check_execution_date(day, today=TODAY) == day
    else:
        err = refusal(lambda: check_execution_date(day, today=TODAY))
        assert fields(err) == ["query.execution_date"]


def _scheduled(amount: str, count: int) -> tuple[list[Payment], dict[UUID, Payee]]:
    recorded = payee()
    found = []
    for _ in range(count):
        reserved = reserve(
            case(("medical", amount, "CHF")), [grant(amount)], [], today=TODAY, at=NOW
        )
        assert reserved.reservation is not None
        found.append(
            open_payment(reserved.reservation, payment_id=uuid4(), default=recorded, at=NOW).state
        )
    return found, {recorded.payee_id: recorded}


def test_a_batch_total_never_outgrows_one_amount() -> None:
    payments, payees = _scheduled("999999999999.99", 2)
    err = refusal(
        lambda: create_batch(
            batch_id=uuid4(),
            currency="CHF",
            payments=payments,
            payees=payees,
            created_by="finance-1",
            at=NOW,
        )
    )
    assert (err.code, fields(err)) == ("batch_total_too_large", ["body.payment_ids"])
    # Collecting every scheduled payment takes the oldest that fit; the rest wait.
    assert within_total(payments, "CHF") == (payments[0],)
    small = [replace(p, amount=money("1.00")) for p in payments]
    assert within_total(small, "CHF") == tuple(small)
