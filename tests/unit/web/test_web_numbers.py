"""Figures in pages: Babel rounds with the decimal context, which must never make a page fail,
however wide a figure a service sends (a rate's deviation from a far smaller one, say)."""

from __future__ import annotations

from decimal import Decimal
from gettext import NullTranslations

import pytest

from services.web.i18n import LANGUAGES, Translator


@pytest.mark.parametrize("code", sorted(LANGUAGES))
@pytest.mark.parametrize(
    "value", [1e30, Decimal("1E+40"), Decimal("123456789012345678901234567890.12"), "1e26", 0.5]
)
def test_any_finite_figure_is_formatted(code: str, value: object) -> None:
    t = Translator(LANGUAGES[code], NullTranslations())
    shown = t.number(value)  # type: ignore[arg-type]
    assert shown and any(ch.isdigit() for ch in shown)


@pytest.mark.parametrize("value", [float("inf"), float("nan"), "not a number"])
def test_what_is_no_figure_shows_as_zero_not_an_error(value: object) -> None:
    t = Translator(LANGUAGES["en"], NullTranslations())
    assert t.number(value) == "0"  # type: ignore[arg-type]


def test_the_largest_amount_is_exact() -> None:
    t = Translator(LANGUAGES["fr"], NullTranslations())
    assert "999" in t.money(Decimal("999999999999.99"), "CHF")
