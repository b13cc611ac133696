"""Exchange rates under four eyes: what a rate may be, how far it lies from the confirmed one,
who may confirm it, and that only confirmed rates convert."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st
from support.disbursement_mothers import NOW, TODAY, case, grant

from services.disbursement.domain.fx import (
    FxRate,
    FxRateConfirmed,
    FxRateProposed,
    FxRateRejected,
    Review,
    confirm_rate,
    fx_rate,
    plain,
    propose_rate,
    reject_rate,
    review,
)
from services.disbursement.domain.reservations import BudgetInsufficient, reserve
from shared.errors import DomainError

LIMIT = Decimal("0.25")
EUR_CHF = FxRate("EUR", "CHF", Decimal("0.95"), TODAY - timedelta(days=1))


def code_of(call: object) -> str:
    assert callable(call)
    with pytest.raises(DomainError) as err:
        call()
    return err.value.code


def proposed(rate: str = "0.96", by: str = "finance-1") -> tuple[FxRate, Review]:
    value = fx_rate(base="EUR", quote="CHF", rate=Decimal(rate), as_of=TODAY, today=TODAY)
    return value, review(value, [EUR_CHF], LIMIT)


@pytest.mark.parametrize(
    ("rate", "as_of", "code", "field"),
    [
        ("0.000000000001", TODAY, None, None),  # the smallest the column holds exactly
        ("999999999999999999", TODAY, None, None),
        ("0.0000000000001", TODAY, "invalid_rate", "body.rate"),  # 13 decimal places
        ("1000000000000000000", TODAY, "invalid_rate", "body.rate"),  # 19 integer digits
        ("0", TODAY, "invalid_rate", "body.rate"),
        ("Infinity", TODAY, "invalid_rate", "body.rate"),
        ("0.95", TODAY + timedelta(days=1), None, None),  # a day's grace (time zones)
        ("0.95", TODAY + timedelta(days=2), "implausible_date", "body.as_of"),
        ("0.95", TODAY.replace(year=1999), "implausible_date", "body.as_of"),
    ],
)
def test_a_rate_is_what_the_column_holds_on_a_plausible_day(
    rate: str, as_of: object, code: str | None, field: str | None
) -> None:
    def make() -> FxRate:
        return fx_rate(base="EUR", quote="CHF", rate=Decimal(rate), as_of=as_of, today=TODAY)  # type: ignore[arg-type]

    if code is None:
        assert make().rate == Decimal(rate)
        return
    with pytest.raises(DomainError) as err:
        make()
    assert err.value.code == code
    assert err.value.errors is not None
    assert [e["field"] for e in err.value.errors] == [field]


@pytest.mark.parametrize(
    ("rate", "deviation", "flagged"),
    [
        ("0.95", "0.000000", False),
        ("1.1875", "0.250000", False),  # exactly the limit: shown, not flagged
        ("1.1876", "0.250105", True),
        ("0.7125", "-0.250000", False),
        ("0.7124", "-0.250105", True),
        ("0.0000001", "-1.000000", True),  # the review's example of a careless rate
    ],
)
def test_the_deviation_from_the_confirmed_rate_is_flagged_past_the_limit(
    rate: str, deviation: str, flagged: bool
) -> None:
    _, found = proposed(rate)
    assert found.reference == EUR_CHF
    assert found.deviation == Decimal(deviation)
    assert found.flagged is flagged


def test_the_reference_is_the_rate_conversions_would_use_on_that_day() -> None:
    value = fx_rate(base="EUR", quote="CHF", rate=Decimal("1.9"), as_of=TODAY, today=TODAY)
    later = FxRate("EUR", "CHF", Decimal("2"), TODAY + timedelta(days=1))  # not yet in force
    inverse = FxRate("CHF", "EUR", Decimal("0.5"), TODAY)  # 1 EUR = 2 CHF, by inversion
    found = review(value, [later, inverse], LIMIT)
    assert found.reference == inverse
    assert found.inverted
    assert found.reference_value == Decimal(2)
    assert found.deviation == Decimal("-0.050000")
    assert review(value, [], LIMIT) == Review(None, False, None, False)  # a pair's first rate


def test_another_officer_confirms_and_only_a_pending_rate() -> None:
    value, found = proposed()
    made = propose_rate(rate_id=uuid4(), rate=value, proposed_by="finance-1", at=NOW, review=found)
    assert made.state.status == "pending"
    assert made.events == (FxRateProposed(made.state, found),)
    entry = made.state
    assert code_of(lambda: confirm_rate(entry, confirmed_by="finance-1", at=NOW, review=found)) == (
        "fx_rate_same_officer"
    )
    done = confirm_rate(entry, confirmed_by="finance-2", at=NOW, review=found)
    assert (done.state.status, done.state.decided_by, done.state.review) == (
        "confirmed",
        "finance-2",
        found,
    )
    assert done.events == (FxRateConfirmed(done.state, "finance-2", found),)
    for again in (
        lambda: confirm_rate(done.state, confirmed_by="finance-3", at=NOW, review=found),
        lambda: reject_rate(done.state, rejected_by="finance-3", at=NOW, review=found),
    ):
        assert code_of(again) == "fx_rate_not_pending"


def test_any_officer_may_reject_a_pending_rate_even_its_proposer() -> None:
    value, found = proposed("0.0000001")
    entry = propose_rate(
        rate_id=uuid4(), rate=value, proposed_by="finance-1", at=NOW, review=found
    ).state
    done = reject_rate(entry, rejected_by="finance-1", at=NOW, review=found)
    assert done.state.status == "rejected"
    assert done.events == (FxRateRejected(done.state, "finance-1"),)


def test_an_extreme_confirmed_rate_makes_a_grant_ineligible_not_an_overflow() -> None:
    huge = (FxRate("EUR", "CHF", Decimal("999999999999"), TODAY),)  # beyond any grant
    tiny = (FxRate("EUR", "CHF", Decimal("0.000000000001"), TODAY),)  # converts to nothing
    for amount, rates in (("999999999999.99", huge), ("1.00", tiny)):
        c = case(("medical", amount, "EUR"))
        result = reserve(c, [grant("999999999999.99")], rates, today=TODAY, at=NOW)
        assert result.reservation is None
        (event,) = result.events
        assert isinstance(event, BudgetInsufficient)
        assert event.grant_id is None  # no grant can ever take it: the full amount is stated
        assert [m.amount for m in event.shortfall] == [amount]


@given(st.decimals(min_value=Decimal("1E-12"), max_value=Decimal("1E+17"), places=12))
def test_plain_writes_every_rate_without_an_exponent(value: Decimal) -> None:
    text = plain(value)
    assert "E" not in text and "e" not in text
    assert Decimal(text) == value
