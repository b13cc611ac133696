"""Grants, FX conversion, reservations and the waiting list."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest
from support.disbursement_mothers import NOW, RATES, TODAY, case, grant, money

from services.disbursement.domain.fx import FxRate, convert, fx_rate
from services.disbursement.domain.grants import (
    GrantAdjusted,
    GrantCreated,
    Restrictions,
    adjust_grant,
    create_grant,
)
from services.disbursement.domain.reservations import (
    BudgetInsufficient,
    BudgetReserved,
    converts,
    reserve,
    retry_waiting,
)
from shared.errors import DomainError
from shared.money import Money

HALF = (FxRate("EUR", "CHF", Decimal("0.5"), TODAY),)
JPY_CHF = (FxRate("JPY", "CHF", Decimal("0.005745"), TODAY),)
CHF_JPY = (FxRate("CHF", "JPY", Decimal("174.125"), TODAY),)
CHF_KWD = (FxRate("CHF", "KWD", Decimal("0.34567"), TODAY),)


def test_created_grant_has_everything_available() -> None:
    made = create_grant(
        grant_id=uuid4(), donor="D", name="N", amount=money("500.00"), valid_from=TODAY,
        valid_to=TODAY, created_at=NOW, restrictions=Restrictions(frozenset({"UG"})),
    )  # fmt: skip
    totals = made.state.totals
    assert (totals.amount, totals.reserved, totals.disbursed, totals.available) == (
        money("500.00"), money("0"), money("0"), money("500.00"),
    )  # fmt: skip
    assert isinstance(made.events[0], GrantCreated)
    assert made.events[0].restrictions.countries == {"UG"}


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"amount": Money(0, "CHF")}, "invalid_amount"),
        ({"amount": Money(-5, "CHF")}, "invalid_amount"),
        ({"valid_to": TODAY - timedelta(days=1)}, "invalid_validity"),
        ({"donor": "  "}, "invalid_grant"),
    ],
)
def test_create_grant_refuses(overrides: dict[str, Any], code: str) -> None:
    args: dict[str, Any] = {
        "grant_id": uuid4(), "donor": "D", "name": "N", "amount": money("1.00"),
        "valid_from": TODAY, "valid_to": TODAY, "created_at": NOW,
    }  # fmt: skip
    with pytest.raises(DomainError) as err:
        create_grant(**(args | overrides))
    assert err.value.code == code


@pytest.mark.parametrize(
    ("countries", "categories", "code"),
    [
        (frozenset({"XX"}), frozenset(), "invalid_country"),
        (frozenset({"ug"}), frozenset(), "invalid_country"),
        (frozenset(), frozenset({"housing"}), "unknown_category"),
    ],
)
def test_restrictions_are_validated(
    countries: frozenset[str], categories: frozenset[str], code: str
) -> None:
    with pytest.raises(DomainError) as err:
        Restrictions(countries, categories)
    assert err.value.code == code


@pytest.mark.parametrize(
    ("reserve_amount", "delta", "expected", "code"),
    [
        ("0", "250.00", "1250.00", None),
        ("400.00", "-600.00", "400.00", None),  # down to exactly what is committed
        ("400.00", "-600.01", None, "grant_below_committed"),
        ("0", "-1000.01", None, "grant_below_committed"),
        ("0", "0", None, "invalid_amount"),
    ],
)
def test_adjust_grant(
    reserve_amount: str, delta: str, expected: str | None, code: str | None
) -> None:
    g = grant("1000.00")
    if reserve_amount != "0":
        g = g.reserve(money(reserve_amount))
    sign = -1 if delta.startswith("-") else 1
    change = Money(sign * money(delta.lstrip("-")).minor, "CHF")
    if code:
        with pytest.raises(DomainError) as err:
            adjust_grant(g, change)
        assert err.value.code == code
        return
    adjusted = adjust_grant(g, change)
    assert adjusted.state.amount == money(expected or "")
    assert adjusted.state.reserved == g.reserved
    assert adjusted.events == (
        GrantAdjusted(g.grant_id, g.donor, change, adjusted.state.amount, g.restrictions),
    )


def test_adjust_grant_refuses_another_currency() -> None:
    with pytest.raises(DomainError) as err:
        adjust_grant(grant(), money("1.00", "EUR"))
    assert err.value.code == "currency_mismatch"


@pytest.mark.parametrize(
    ("base", "quote", "rate", "code"),
    [
        ("CHF", "CHF", "1", "same_currency_rate"),
        ("CHF", "EUR", "0", "invalid_rate"),
        ("CHF", "EUR", "-1.2", "invalid_rate"),
        ("CHF", "EUR", "NaN", "invalid_rate"),
        ("CHF", "XYZ", "1.2", "unknown_currency"),
    ],
)
def test_record_fx_rate_refuses(base: str, quote: str, rate: str, code: str) -> None:
    with pytest.raises(DomainError) as err:
        fx_rate(base=base, quote=quote, rate=Decimal(rate), as_of=TODAY, today=TODAY)
    assert err.value.code == code


@pytest.mark.parametrize(
    ("amount", "currency", "target", "rates", "expected", "rate_used", "inverted"),
    [
        ("100.00", "CHF", "CHF", (), "100.00", "1", False),
        ("100.00", "EUR", "CHF", RATES, "95.00", "0.9500", False),  # latest, not the future one
        ("0.01", "EUR", "CHF", HALF, "0.00", "0.5", False),  # 0.5 → 0 (half to even)
        ("0.03", "EUR", "CHF", HALF, "0.02", "0.5", False),  # 1.5 → 2
        ("112.50", "USD", "CHF", RATES, "100.00", "1.1250", True),  # only CHF→USD known
        ("100.00", "USD", "CHF", RATES, "88.89", "1.1250", True),
        ("1000", "JPY", "CHF", JPY_CHF, "5.74", "0.005745", False),  # 574.5 → 574
        ("100.00", "CHF", "JPY", CHF_JPY, "17412", "174.125", False),  # 17412.5 → 17412
        ("10.00", "CHF", "KWD", CHF_KWD, "3.457", "0.34567", False),  # 3456.7 → 3457
    ],
)
def test_convert_is_exact_and_half_even(
    amount: str, currency: str, target: str, rates: tuple[FxRate, ...], expected: str,
    rate_used: str, inverted: bool,
) -> None:  # fmt: skip
    conversion = convert(money(amount, currency), target, rates, TODAY)
    assert conversion.target == money(expected, target)
    assert conversion.rate.rate == Decimal(rate_used)
    assert conversion.inverted is inverted
    assert conversion.rate.as_of <= TODAY


def test_direct_rate_is_preferred_to_a_newer_inverse() -> None:
    rates = (
        FxRate("EUR", "CHF", Decimal("0.9"), TODAY - timedelta(days=5)),
        FxRate("CHF", "EUR", Decimal("2"), TODAY),
    )
    assert convert(money("10.00", "EUR"), "CHF", rates, TODAY).target == money("9.00")


def test_convert_without_rate_is_a_conflict() -> None:
    with pytest.raises(DomainError) as err:
        convert(money("1.00", "GBP"), "CHF", RATES, TODAY)
    assert err.value.code == "no_fx_rate"


def test_reserve_picks_the_grant_expiring_first_then_the_oldest() -> None:
    later = grant(valid_to=TODAY + timedelta(days=90))
    first_new = grant(valid_to=TODAY + timedelta(days=10), created_at=NOW - timedelta(days=1))
    first_old = grant(valid_to=TODAY + timedelta(days=10), created_at=NOW - timedelta(days=9))
    result = reserve(case(), [later, first_new, first_old], RATES, today=TODAY, at=NOW)
    assert result.grant is not None
    assert result.reservation is not None
    assert result.grant.grant_id == first_old.grant_id
    assert result.grant.reserved == money("100.00")
    assert result.grant.available == money("9900.00")


def test_reserve_converts_each_item_and_records_the_rates() -> None:
    c = case(("medical", "100.00", "EUR"), ("legal", "112.50", "USD"), ("social", "5.00", "CHF"))
    result = reserve(c, [grant()], RATES, today=TODAY, at=NOW)
    assert result.reservation is not None
    assert result.reservation.amount == money("200.00")  # 95.00 + 100.00 + 5.00
    (event,) = result.events
    assert isinstance(event, BudgetReserved)
    assert [cv.rate.rate for cv in event.conversions] == [Decimal("0.95"), Decimal("1.125"), 1]


def test_rates_are_needed_only_when_an_item_and_a_grant_differ_in_currency() -> None:
    same = case(("medical", "100.00", "CHF"))
    assert not converts(same, [grant(), grant()])
    assert not converts(same, [])
    assert converts(same, [grant(), grant(currency="EUR")])
    # Without rates, a case in the grants' currency reserves exactly as with them.
    assert reserve(same, [grant()], [], today=TODAY, at=NOW).reservation is not None


@pytest.mark.parametrize(
    ("kwargs", "eligible"),
    [
        ({"countries": frozenset({"UG"})}, True),
        ({"countries": frozenset({"KE"})}, False),
        ({"categories": frozenset({"medical", "legal"})}, True),
        ({"categories": frozenset({"medical"})}, False),  # must cover every item's category
        ({"valid_to": TODAY - timedelta(days=1)}, False),
        ({"valid_from": TODAY + timedelta(days=1)}, False),
        ({"valid_from": TODAY, "valid_to": TODAY}, True),
        ({"currency": "GBP", "amount": "10000.00"}, False),  # no GBP rate: cannot be eligible
    ],
)
def test_reserve_eligibility(kwargs: dict[str, Any], eligible: bool) -> None:
    c = case(("medical", "100.00", "CHF"), ("legal", "50.00", "CHF"), country="UG")
    result = reserve(c, [grant(**kwargs)], RATES, today=TODAY, at=NOW)
    assert (result.reservation is not None) is eligible
    if not eligible:
        assert result.events == (BudgetInsufficient(c.ref, (money("150.00"),), None),)


def test_insufficient_reports_the_smallest_relative_shortfall() -> None:
    chf = grant("60.00")  # 40.00 CHF short: 40 % of the need
    eur = grant("90.00", "EUR")  # the case costs 105.00 EUR: 15.00 short, about 14 %
    c = case(("medical", "100.00", "CHF"))
    rates = (FxRate("CHF", "EUR", Decimal("1.05"), TODAY),)
    result = reserve(c, [chf, eur], rates, today=TODAY, at=NOW)
    assert result.reservation is None
    assert result.waiting is not None
    assert result.events == (BudgetInsufficient(c.ref, (money("15.00", "EUR"),), eur.grant_id),)
    assert result.waiting.shortfall == (money("15.00", "EUR"),)


def test_insufficient_without_eligible_grant_states_full_amount_per_currency() -> None:
    c = case(("medical", "10.00", "USD"), ("legal", "5.00", "EUR"), ("social", "1.00", "USD"))
    result = reserve(c, [], RATES, today=TODAY, at=NOW)
    assert result.events == (
        BudgetInsufficient(c.ref, (money("5.00", "EUR"), money("11.00", "USD")), None),
    )


def test_retry_waiting_serves_the_oldest_first_and_keeps_the_rest() -> None:
    new = reserve(case(), [], RATES, today=TODAY, at=NOW + timedelta(hours=1)).waiting
    first = reserve(case(), [grant("50.00")], RATES, today=TODAY, at=NOW).waiting
    assert first is not None
    assert new is not None
    topped = adjust_grant(grant("50.00"), money("60.00")).state  # 110: room for one case only
    result = retry_waiting([new, first], [topped], RATES, today=TODAY, at=NOW)
    assert [r.case_id for r in result.reservations] == [first.case.case_id]
    assert [w.case.case_id for w in result.waiting] == [new.case.case_id]
    assert result.waiting[0].shortfall == (money("90.00"),)
    assert result.grants[0].available == money("10.00")
    assert all(isinstance(e, BudgetReserved) for e in result.events)
