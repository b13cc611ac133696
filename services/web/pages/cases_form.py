"""The new-case form: what the person typed, kept as typed for the page, and the body intake is
sent. Nothing of it is stored here; it lives in the request and the answer only.

Fields are named after the API's (`victim.full_name`, `items.0.amount`, `consent.given`). What
is left blank is left out of the body, so that intake names it as missing; amounts and
countries typed the way the person's language writes them are sent the way the API reads them."""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, get_args

import pycountry
from babel import Locale
from babel.numbers import NumberFormatError, get_currency_name, parse_decimal

from shared.events.common import Category
from shared.events.intake import MAX_ITEMS
from shared.money import MINOR_UNITS

VICTIM = ("full_name", "date_of_birth", "sex", "nationality", "contact")
FIELDS = (
    *(f"victim.{name}" for name in VICTIM),
    "country",
    "urgency",
    "facts",
    "no_other_support",
    "consent.given",
    "consent.date",
)
ITEM = ("category", "description", "amount", "currency")
CATEGORIES = get_args(Category)
SEXES = ("female", "male", "other", "undisclosed")
URGENCIES = ("emergency", "standard")
MAX_ROWS = MAX_ITEMS
_ROW = re.compile(r"^items\.(\d{1,2})\.(category|description|amount|currency)$")
_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_NUMBER = re.compile(r"^[\d.,'\s\u066b\u066c]+$")
_ARABIC_SEPARATORS = str.maketrans({"\u066b": ".", "\u066c": ","})


def new_key() -> str:
    """The form's Idempotency-Key: the same form sent twice creates one case."""
    return secrets.token_urlsafe(24)


def form_key(value: object) -> str | None:
    return value if isinstance(value, str) and _KEY.match(value) else None


def blank_row() -> dict[str, str]:
    return dict.fromkeys(ITEM, "")


@dataclass
class CaseForm:
    values: dict[str, str] = field(default_factory=lambda: dict.fromkeys(FIELDS, ""))
    rows: list[dict[str, str]] = field(default_factory=lambda: [blank_row()])
    key: str = field(default_factory=new_key)

    @classmethod
    def read(cls, form: Mapping[str, Any]) -> CaseForm:
        """The form as sent, its rows in their order."""
        values = {name: _text(form.get(name)) for name in FIELDS}
        found: dict[int, dict[str, str]] = {}
        for name, value in form.items():
            match = _ROW.match(name)
            if match:
                found.setdefault(int(match[1]), blank_row())[match[2]] = _text(value)
        rows = [found[n] for n in sorted(found)][:MAX_ROWS]
        return cls(
            values, rows or [blank_row()], form_key(form.get("idempotency_key")) or new_key()
        )

    def compact(self) -> None:
        """Rows left wholly blank dropped (one stays), before the form is sent: the rows shown
        again are then numbered as intake numbers the items it names."""
        self.rows = [row for row in self.rows if any(row.values())] or [blank_row()]

    def add_row(self) -> int:
        """One more row (up to the most a case holds); the index of the row to focus."""
        if len(self.rows) < MAX_ROWS:
            self.rows.append(blank_row())
        return len(self.rows) - 1

    def remove_row(self, index: int) -> None:
        if 0 <= index < len(self.rows):
            del self.rows[index]
        if not self.rows:
            self.rows.append(blank_row())

    def body(self, language: str) -> dict[str, Any]:
        """What intake is sent: the typed values, blanks left out, amounts and countries as the
        API writes them."""
        v = self.values
        victim: dict[str, Any] = {
            name: v[f"victim.{name}"] for name in VICTIM if v[f"victim.{name}"].strip()
        }
        if "nationality" in victim:
            victim["nationality"] = country_code(victim["nationality"], language)
        body: dict[str, Any] = {"victim": victim}
        if v["country"].strip():
            body["country"] = country_code(v["country"], language)
        for name in ("urgency", "facts"):
            if v[name].strip():
                body[name] = v[name]
        if v["no_other_support"]:
            body["no_other_support"] = True
        consent: dict[str, Any] = {}
        if v["consent.given"]:
            consent["given"] = True
        if v["consent.date"].strip():
            consent["date"] = v["consent.date"].strip()
        body["consent"] = consent
        body["items"] = [_item(row, language) for row in self.rows if any(row.values())]
        return body


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _item(row: dict[str, str], language: str) -> dict[str, str]:
    item = {name: row[name] for name in ITEM if row[name].strip()}
    if "amount" in item:
        item["amount"] = decimal_text(item["amount"], language)
    return item


def decimal_text(typed: str, language: str) -> str:
    """An amount as the person's language writes it ("1 250,50" in French) as the API reads it
    ("1250.50"); what is not plainly a number is sent as typed, for intake to name."""
    text = "".join(
        str(unicodedata.decimal(c)) if c.isdecimal() else c
        for c in typed.strip().translate(_ARABIC_SEPARATORS)
    )
    if not text or not _NUMBER.match(text):
        return typed.strip()
    try:
        number = parse_decimal(re.sub(r"\s", "", text), locale=_locale(language), strict=True)
    except NumberFormatError:
        return text
    return format(number, "f") if number.is_finite() else text


def country_code(typed: str, language: str) -> str:
    """A country picked from the list (its code) or typed by its name in the person's
    language (or in English); anything else is sent as typed, for intake to name."""
    text = typed.strip()
    if re.fullmatch(r"[A-Za-z]{2}", text):
        return text.upper()
    return _names(language).get(text.casefold(), text)


@cache
def _locale(language: str) -> Locale:
    return Locale.parse(language)


@cache
def _names(language: str) -> dict[str, str]:
    names: dict[str, str] = {}
    ours, english = _locale(language).territories, _locale("en").territories
    for country in pycountry.countries:
        code = country.alpha_2
        for name in (ours.get(code), english.get(code), country.name):
            if name:
                names.setdefault(name.casefold(), code)
    return names


@cache
def countries(language: str) -> tuple[tuple[str, str], ...]:
    """Every country intake takes, (code, name in the language), in the order of the names."""
    territories = _locale(language).territories
    named = [(c.alpha_2, str(territories.get(c.alpha_2, c.name))) for c in pycountry.countries]
    return tuple(sorted(named, key=lambda pair: pair[1].casefold()))


@cache
def currencies(language: str) -> tuple[tuple[str, str], ...]:
    """Every currency intake takes, (code, "CHF (Swiss franc)" in the language), by code."""
    return tuple(
        (code, f"{code} ({get_currency_name(code, locale=language)})")
        for code in sorted(MINOR_UNITS)
    )


def minor_units(currency: str) -> int | None:
    return MINOR_UNITS.get(currency)
