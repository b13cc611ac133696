"""Grants, FX conversion and budget reservations: pure, synchronous rules, no I/O."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import ClassVar, Generic, TypeVar
from uuid import UUID

import pycountry

from shared.money import MINOR_UNITS, Money, MoneyError, check_currency

CATEGORIES: frozenset[str] = frozenset(
    {"medical", "psychological", "social", "legal", "relocation"}
)
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")

T = TypeVar("T")


class DomainError(Exception):
    """A rule refused a command; `code` is stable and machine-readable, `detail` is for humans."""

    kind: ClassVar[str] = "conflict"

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


class Conflict(DomainError):
    """The command contradicts the current state (HTTP 409)."""

    kind = "conflict"


class Invalid(DomainError):
    """The command's content breaks a domain rule whatever the state (HTTP 422)."""

    kind = "invalid"


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Base of every fact the domain reports; the wiring maps each to a CloudEvent."""


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """The new state of one aggregate plus the events the change caused (empty for a no-op)."""

    state: T
    events: tuple[DomainEvent, ...]


def check_country(code: str) -> str:
    if not _COUNTRY_RE.match(code) or pycountry.countries.get(alpha_2=code) is None:
        raise Invalid("invalid_country", f"{code!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def check_category(category: str) -> str:
    if category not in CATEGORIES:
        raise Invalid("unknown_category", f"{category!r} is not one of {sorted(CATEGORIES)}")
    return category


def check_positive(amount: Money) -> Money:
    if amount.minor <= 0:
        raise Invalid("invalid_amount", f"{amount} must be greater than zero")
    return amount


# --- grants -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Restrictions:
    """What a grant may pay for; an empty set means no restriction on that axis."""

    countries: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for country in self.countries:
            check_country(country)
        for category in self.categories:
            check_category(category)

    def allow(self, country: str, categories: Iterable[str]) -> bool:
        country_ok = not self.countries or country in self.countries
        return country_ok and (not self.categories or set(categories) <= self.categories)


@dataclass(frozen=True, slots=True)
class GrantTotals:
    amount: Money
    reserved: Money
    disbursed: Money
    available: Money


@dataclass(frozen=True, slots=True)
class Grant:
    """A donor's budget; `available` is derived, so amount = available + reserved + disbursed."""

    grant_id: UUID
    donor: str
    name: str
    amount: Money
    reserved: Money
    disbursed: Money
    valid_from: date
    valid_to: date
    restrictions: Restrictions
    created_at: datetime

    def __post_init__(self) -> None:
        currency = self.amount.currency
        if {self.reserved.currency, self.disbursed.currency} != {currency}:
            raise ValueError("grant figures must share the grant's currency")
        if self.reserved.minor < 0 or self.disbursed.minor < 0 or self.available.minor < 0:
            raise ValueError(f"grant {self.grant_id} would break amount >= reserved + disbursed")

    @property
    def currency(self) -> str:
        return self.amount.currency

    @property
    def available(self) -> Money:
        return self.amount - self.reserved - self.disbursed

    @property
    def totals(self) -> GrantTotals:
        return GrantTotals(self.amount, self.reserved, self.disbursed, self.available)

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to

    def reserve(self, amount: Money) -> Grant:
        if self.available < amount:
            raise Conflict("grant_insufficient", f"{amount} exceeds available {self.available}")
        return replace(self, reserved=self.reserved + amount)

    def release(self, amount: Money) -> Grant:
        if self.reserved < amount:
            raise Conflict("release_exceeds_reserved", f"{amount} exceeds reserved {self.reserved}")
        return replace(self, reserved=self.reserved - amount)

    def disburse(self, amount: Money) -> Grant:
        if self.reserved < amount:
            raise Conflict("disburse_exceeds_reserved", f"{amount} exceeds {self.reserved}")
        return replace(self, reserved=self.reserved - amount, disbursed=self.disbursed + amount)


@dataclass(frozen=True, slots=True)
class GrantCreated(DomainEvent):
    grant_id: UUID
    donor: str
    name: str
    amount: Money
    valid_from: date
    valid_to: date
    restrictions: Restrictions


@dataclass(frozen=True, slots=True)
class GrantAdjusted(DomainEvent):
    grant_id: UUID
    donor: str
    delta: Money
    amount: Money
    restrictions: Restrictions


def create_grant(
    *,
    grant_id: UUID,
    donor: str,
    name: str,
    amount: Money,
    valid_from: date,
    valid_to: date,
    created_at: datetime,
    restrictions: Restrictions | None = None,
) -> Outcome[Grant]:
    check_positive(amount)
    if valid_to < valid_from:
        raise Invalid("invalid_validity", "valid_to is before valid_from")
    if not donor.strip() or not name.strip():
        raise Invalid("invalid_grant", "donor and name must not be blank")
    zero = Money.zero(amount.currency)
    grant = Grant(
        grant_id, donor, name, amount, zero, zero, valid_from, valid_to,
        restrictions or Restrictions(), created_at,
    )  # fmt: skip
    event = GrantCreated(grant_id, donor, name, amount, valid_from, valid_to, grant.restrictions)
    return Outcome(grant, (event,))


def adjust_grant(grant: Grant, delta: Money) -> Outcome[Grant]:
    """Top up (delta > 0) or reduce (delta < 0); never below what is reserved or disbursed."""
    if delta.currency != grant.currency:
        raise Invalid("currency_mismatch", f"grant is in {grant.currency}, not {delta.currency}")
    if delta.minor == 0:
        raise Invalid("invalid_amount", "an adjustment must change the amount")
    if grant.available.minor + delta.minor < 0:
        committed = grant.reserved + grant.disbursed
        raise Conflict("grant_below_committed", f"amount cannot drop below {committed} committed")
    adjusted = replace(grant, amount=grant.amount + delta)
    event = GrantAdjusted(grant.grant_id, grant.donor, delta, adjusted.amount, grant.restrictions)
    return Outcome(adjusted, (event,))


# --- FX -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FxRate:
    """One unit of `base` is worth `rate` units of `quote`, as published on `as_of`."""

    base: str
    quote: str
    rate: Decimal
    as_of: date


@dataclass(frozen=True, slots=True)
class FxRateRecorded(DomainEvent):
    base: str
    quote: str
    rate: Decimal
    as_of: date


@dataclass(frozen=True, slots=True)
class Conversion:
    """An exact conversion and the rate that made it; `inverted` when quote→base was divided."""

    source: Money
    target: Money
    rate: FxRate
    inverted: bool = False


def record_fx_rate(*, base: str, quote: str, rate: Decimal, as_of: date) -> Outcome[FxRate]:
    try:
        check_currency(base)
        check_currency(quote)
    except MoneyError as exc:
        raise Invalid("unknown_currency", str(exc)) from exc
    if base == quote:
        raise Invalid("same_currency_rate", "a rate needs two different currencies")
    if not rate.is_finite() or rate <= 0:
        raise Invalid("invalid_rate", "a rate must be a positive finite decimal")
    fx = FxRate(base, quote, rate, as_of)
    return Outcome(fx, (FxRateRecorded(base, quote, rate, as_of),))


def latest_rate(base: str, quote: str, rates: Iterable[FxRate], today: date) -> Conversion | None:
    """The rate to use: the latest direct base→quote with as_of <= today; only if none exists,
    the latest quote→base, inverted. Returns a template Conversion (amounts zero) or None."""
    usable = [r for r in rates if r.as_of <= today]
    for inverted, pair in ((False, (base, quote)), (True, (quote, base))):
        found = [r for r in usable if (r.base, r.quote) == pair]
        if found:
            rate = max(found, key=lambda r: r.as_of)
            return Conversion(Money.zero(base), Money.zero(quote), rate, inverted)
    return None


def convert(amount: Money, currency: str, rates: Iterable[FxRate], today: date) -> Conversion:
    """Exact: minor units times the rate in Decimal, rounded half-even to the target's units."""
    if amount.currency == currency:
        return Conversion(amount, amount, FxRate(currency, currency, Decimal(1), today))
    found = latest_rate(amount.currency, currency, rates, today)
    if found is None:
        raise Conflict("no_fx_rate", f"no {amount.currency}/{currency} rate on or before {today}")
    shift = MINOR_UNITS[currency] - MINOR_UNITS[amount.currency]
    with localcontext() as ctx:
        ctx.prec = 60  # far beyond any amount * rate, so only the final quantize rounds
        minor = Decimal(amount.minor)
        value = minor / found.rate.rate if found.inverted else minor * found.rate.rate
        target = value.scaleb(shift).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return Conversion(amount, Money(int(target), currency), found.rate, found.inverted)
