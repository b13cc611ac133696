"""shared.money: exact amounts within bounds that every column and every sum can hold (tables of
cases, then Hypothesis)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from shared.money import (
    MAX_MINOR,
    MINOR_UNITS,
    Currency,
    DecimalString,
    Money,
    MoneyError,
    from_minor,
    to_minor,
)

BIGINT = 2**63 - 1


class Priced(BaseModel):
    amount: DecimalString
    currency: Currency


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("1250.00", "CHF", 125000),
        ("1250", "CHF", 125000),
        ("0.01", "EUR", 1),
        ("7", "JPY", 7),
        ("1.234", "KWD", 1234),
        ("0.0001", "CLF", 1),
        ("99999999999.99", "CHF", 9_999_999_999_999),
        ("999999999999", "JPY", 10**12 - 1),  # 12 integer digits bound every currency first
        ("999999999999.999", "KWD", 10**15 - 1),
        ("100000000000", "CLF", MAX_MINOR),  # 12 integer digits at 4 decimals: MAX_MINOR
    ],
)
def test_amounts_convert_exactly(amount: str, currency: str, minor: int) -> None:
    assert to_minor(amount, currency) == minor
    assert Money.parse(amount, currency).minor == minor
    assert Decimal(from_minor(minor, currency)) == Decimal(amount)


@pytest.mark.parametrize(
    ("amount", "currency"),
    [
        ("1234567890123", "CHF"),  # 13 integer digits
        ("9999999999999999999", "CHF"),  # the review's 19 digits
        ("99999999999999999999999999999", "JPY"),
        ("100000000000.0001", "CLF"),  # 12 digits + 4 decimals: above MAX_MINOR in CLF
        ("999999999999.9999", "CLF"),
        ("10.001", "CHF"),  # more precision than the currency has
        ("10.5", "JPY"),
        ("1.2345", "KWD"),
        ("-5.00", "CHF"),
        ("+5.00", "CHF"),
        ("5.", "CHF"),
        (".5", "CHF"),
        ("1e3", "CHF"),
        ("1_000", "CHF"),
        (" 5", "CHF"),
        ("\uff15", "CHF"),  # a full-width digit is a digit to Python, not to a bank
        ("\u0661\u0662\u0663", "CHF"),  # Arabic-Indic digits
        ("12.\u0665\u0660", "CHF"),
        ("NaN", "CHF"),
        ("Infinity", "CHF"),
        ("", "CHF"),
        ("5.00", "XYZ"),
        ("5.00", "chf"),
        ("5.00", "XAU"),  # metals are not money vfund pays
    ],
)
def test_what_cannot_be_money_is_refused(amount: str, currency: str) -> None:
    with pytest.raises(MoneyError):
        to_minor(amount, currency)


def test_the_wire_type_refuses_what_to_minor_refuses_in_shape() -> None:
    for amount in (
        "1234567890123",
        "9999999999999999999",
        "-1",
        "1e3",
        "\uff15",
        "\u0661\u0662\u0663",
        "1.23456",
    ):
        with pytest.raises(ValidationError):
            Priced(amount=amount, currency="CHF")
    for currency in ("XYZ", "chf", "CHFF", ""):
        with pytest.raises(ValidationError):
            Priced(amount="1.00", currency=currency)


def test_every_currency_has_0_to_4_minor_units() -> None:
    assert set(MINOR_UNITS.values()) <= {0, 2, 3, 4}
    assert all(len(code) == 3 and code.isupper() for code in MINOR_UNITS)


def test_a_thousand_of_the_largest_amounts_still_fit_a_bigint() -> None:
    assert 1000 * MAX_MINOR < BIGINT


def test_money_of_two_currencies_does_not_mix() -> None:
    with pytest.raises(MoneyError):
        Money(1, "CHF") + Money(1, "EUR")
    with pytest.raises(MoneyError):
        Money(1, "XYZ")


@given(
    st.sampled_from(sorted(MINOR_UNITS)),
    st.integers(min_value=1, max_value=MAX_MINOR),
)
def test_every_amount_up_to_the_maximum_round_trips(currency: str, minor: int) -> None:
    text = from_minor(minor, currency)
    if len(text.split(".")[0]) > 12:  # the wire's 12 integer digits bound it first
        with pytest.raises(MoneyError):
            to_minor(text, currency)
        return
    assert to_minor(text, currency) == minor
    assert Priced(amount=text, currency=currency).amount == text


@given(st.sampled_from(sorted(MINOR_UNITS)), st.integers(min_value=MAX_MINOR + 1))
def test_nothing_above_the_maximum_is_accepted(currency: str, minor: int) -> None:
    with pytest.raises(MoneyError):
        to_minor(from_minor(minor, currency), currency)


@given(
    st.sampled_from(sorted(MINOR_UNITS)),
    st.lists(st.integers(min_value=1, max_value=MAX_MINOR), min_size=1, max_size=1000),
)
def test_sums_of_accepted_amounts_fit_the_column(currency: str, minors: list[int]) -> None:
    total = Money.zero(currency)
    for minor in minors:
        total = total + Money(minor, currency)
    assert 0 < total.minor <= 1000 * MAX_MINOR < BIGINT


@given(st.text(max_size=25), st.sampled_from(["CHF", "JPY", "KWD", "CLF"]))
def test_any_text_is_money_or_a_money_error_never_another_exception(
    text: str, currency: str
) -> None:
    try:
        minor = to_minor(text, currency)
    except MoneyError:
        return
    assert 0 <= minor <= MAX_MINOR
    assert Decimal(from_minor(minor, currency)) == Decimal(text)
