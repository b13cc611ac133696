"""Money as integer minor units with its ISO 4217 currency; decimal strings at the edges."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated

from pydantic import AfterValidator, Field

# ISO 4217 active codes with their minor units (exponent). Funds and precious metals are left out:
# nobody is paid in XAU.
MINOR_UNITS: dict[str, int] = {
    **dict.fromkeys(
        [
            "AED",
            "AFN",
            "ALL",
            "AMD",
            "ANG",
            "AOA",
            "ARS",
            "AUD",
            "AWG",
            "AZN",
            "BAM",
            "BBD",
            "BDT",
            "BGN",
            "BMD",
            "BND",
            "BOB",
            "BRL",
            "BSD",
            "BTN",
            "BWP",
            "BYN",
            "BZD",
            "CAD",
            "CDF",
            "CHF",
            "CNY",
            "COP",
            "CRC",
            "CUP",
            "CVE",
            "CZK",
            "DKK",
            "DOP",
            "DZD",
            "EGP",
            "ERN",
            "ETB",
            "EUR",
            "FJD",
            "FKP",
            "GBP",
            "GEL",
            "GHS",
            "GIP",
            "GMD",
            "GTQ",
            "GYD",
            "HKD",
            "HNL",
            "HTG",
            "HUF",
            "IDR",
            "ILS",
            "INR",
            "IRR",
            "ISK",
            "JMD",
            "KES",
            "KGS",
            "KHR",
            "KPW",
            "KYD",
            "KZT",
            "LAK",
            "LBP",
            "LKR",
            "LRD",
            "LSL",
            "MAD",
            "MDL",
            "MGA",
            "MKD",
            "MMK",
            "MNT",
            "MOP",
            "MRU",
            "MUR",
            "MVR",
            "MWK",
            "MXN",
            "MYR",
            "MZN",
            "NAD",
            "NGN",
            "NIO",
            "NOK",
            "NPR",
            "NZD",
            "PAB",
            "PEN",
            "PGK",
            "PHP",
            "PKR",
            "PLN",
            "QAR",
            "RON",
            "RSD",
            "RUB",
            "SAR",
            "SBD",
            "SCR",
            "SDG",
            "SEK",
            "SGD",
            "SHP",
            "SLE",
            "SOS",
            "SRD",
            "SSP",
            "STN",
            "SVC",
            "SYP",
            "SZL",
            "THB",
            "TJS",
            "TMT",
            "TOP",
            "TRY",
            "TTD",
            "TWD",
            "TZS",
            "UAH",
            "USD",
            "UYU",
            "UZS",
            "VES",
            "WST",
            "XCD",
            "YER",
            "ZAR",
            "ZMW",
            "ZWG",
        ],
        2,
    ),
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    "CLF": 4,
    "UYW": 4,
}

# ASCII digits only: Python's and pydantic's `\d` take any script's digits (Arabic-Indic,
# full-width...), which would reach events and bank files as typed.
DECIMAL_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,4})?$"
_DECIMAL_RE = re.compile(DECIMAL_PATTERN)
# The largest amount vfund accepts, in minor units of any currency (10^13 CHF; the wire's 12
# integer digits bound currencies with fewer decimals first, 10^12 - 1 JPY). A
# total of a thousand of them still fits PostgreSQL's bigint (9.2 * 10^18), so no sum of
# accepted amounts that a case, a batch or a grant holds can overflow its column.
MAX_MINOR = 10**15


class MoneyError(ValueError):
    """An amount or currency that cannot be money."""


def check_currency(code: str) -> str:
    if code not in MINOR_UNITS:
        raise MoneyError(f"unknown ISO 4217 currency code {code!r}")
    return code


def to_minor(amount: str | Decimal, currency: str) -> int:
    """Exact conversion of a decimal amount into minor units; refuses excess precision."""
    check_currency(currency)
    text = str(amount)
    if not _DECIMAL_RE.match(text):
        raise MoneyError("amount must be a positive decimal string such as '1250.00'")
    try:
        value = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the regex already guards this
        raise MoneyError("amount is not a decimal number") from exc
    exponent = MINOR_UNITS[currency]
    scaled = value.scaleb(exponent)
    if scaled != scaled.to_integral_value():
        raise MoneyError(f"{currency} has {exponent} decimal places; {text} has more")
    if scaled > MAX_MINOR:
        raise MoneyError(
            f"amount is above the largest vfund accepts ({from_minor(MAX_MINOR, currency)})"
        )
    return int(scaled)


def from_minor(minor: int, currency: str) -> str:
    exponent = MINOR_UNITS[check_currency(currency)]
    value = Decimal(minor).scaleb(-exponent)
    return f"{value:.{exponent}f}"


@dataclass(frozen=True, slots=True)
class Money:
    """An exact amount: integer minor units plus the currency they are counted in."""

    minor: int
    currency: str

    def __post_init__(self) -> None:
        check_currency(self.currency)

    @classmethod
    def parse(cls, amount: str | Decimal, currency: str) -> Money:
        return cls(to_minor(amount, currency), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    @property
    def amount(self) -> str:
        return from_minor(self.minor, self.currency)

    @property
    def decimal(self) -> Decimal:
        return Decimal(self.amount)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.minor - other.minor, self.currency)

    def __lt__(self, other: Money) -> bool:
        self._same(other)
        return self.minor < other.minor

    def __le__(self, other: Money) -> bool:
        self._same(other)
        return self.minor <= other.minor

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def _currency(value: str) -> str:
    try:
        return check_currency(value)
    except MoneyError as exc:
        raise ValueError(str(exc)) from exc


Currency = Annotated[
    str,
    Field(
        min_length=3,
        max_length=3,
        pattern=r"^[A-Z]{3}$",
        examples=["CHF"],
        # The codes accepted, in the OpenAPI and AsyncAPI: clients (and schemathesis) need not
        # guess which three capitals are a currency.
        json_schema_extra={"enum": sorted(MINOR_UNITS)},
    ),
    AfterValidator(_currency),
]
DecimalString = Annotated[
    str,
    Field(pattern=DECIMAL_PATTERN, max_length=17, examples=["1250.00"]),
]
