"""Grants: a donor's budget, what it may pay for, and the money it holds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from uuid import UUID

from services.disbursement.domain.common import (
    DomainEvent,
    Outcome,
    check_bounded,
    check_category,
    check_country,
    check_day,
    check_positive,
    conflict,
    invalid,
    largest,
)
from shared.money import Money


@dataclass(frozen=True, slots=True)
class Restrictions:
    """What a grant may pay for; an empty set means no restriction on that axis."""

    countries: frozenset[str] = frozenset()
    categories: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        for country in self.countries:
            check_country(country, field="restrictions.countries")
        for category in self.categories:
            check_category(category, field="restrictions.categories")

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
            raise conflict("grant_insufficient", f"{amount} exceeds available {self.available}")
        return replace(self, reserved=self.reserved + amount)

    def release(self, amount: Money) -> Grant:
        if self.reserved < amount:
            raise conflict("release_exceeds_reserved", f"{amount} exceeds reserved {self.reserved}")
        return replace(self, reserved=self.reserved - amount)

    def disburse(self, amount: Money) -> Grant:
        if self.reserved < amount:
            raise conflict("disburse_exceeds_reserved", f"{amount} exceeds {self.reserved}")
        return replace(self, reserved=self.reserved - amount, disbursed=self.disbursed + amount)

    def undisburse(self, amount: Money) -> Grant:
        """A paid amount came back from the bank (a return after booking): disbursed becomes
        reserved again, for its payment to be paid again or cancelled."""
        if self.disbursed < amount:
            raise conflict("undisburse_exceeds_disbursed", f"{amount} exceeds {self.disbursed}")
        return replace(self, reserved=self.reserved + amount, disbursed=self.disbursed - amount)


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
    reason: str | None = None  # the officer's reason code, when they gave one


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
    check_positive(amount, field="amount")
    check_bounded(amount, field="amount")
    check_day(valid_from, field="valid_from")
    check_day(valid_to, field="valid_to")
    if valid_to < valid_from:
        raise invalid("invalid_validity", "valid_to is before valid_from", field="valid_to")
    if not donor.strip() or not name.strip():
        raise invalid("invalid_grant", "donor and name must not be blank")
    zero = Money.zero(amount.currency)
    grant = Grant(
        grant_id,
        donor,
        name,
        amount,
        zero,
        zero,
        valid_from,
        valid_to,
        restrictions or Restrictions(),
        created_at,
    )
    event = GrantCreated(grant_id, donor, name, amount, valid_from, valid_to, grant.restrictions)
    return Outcome(grant, (event,))


def adjust_grant(grant: Grant, delta: Money, reason: str | None = None) -> Outcome[Grant]:
    """Top up (delta > 0) or reduce (delta < 0); never below what is reserved or disbursed,
    never to nothing, never above the largest amount a grant may hold."""
    if delta.currency != grant.currency:
        raise invalid(
            "currency_mismatch",
            f"grant is in {grant.currency}, not {delta.currency}",
            field="currency",
        )
    if delta.minor == 0:
        raise invalid("invalid_amount", "an adjustment must change the amount", field="delta")
    if grant.available.minor + delta.minor < 0:
        committed = grant.reserved + grant.disbursed
        raise conflict("grant_below_committed", f"amount cannot drop below {committed} committed")
    if grant.amount.minor + delta.minor <= 0:
        raise conflict("grant_amount_not_positive", "a grant keeps an amount above zero")
    if grant.amount.minor + delta.minor > largest(grant.currency).minor:
        limit = largest(grant.currency)
        raise invalid("grant_amount_too_large", f"a grant holds at most {limit}", field="delta")
    adjusted = replace(grant, amount=grant.amount + delta)
    event = GrantAdjusted(
        grant.grant_id, grant.donor, delta, adjusted.amount, grant.restrictions, reason
    )
    return Outcome(adjusted, (event,))
