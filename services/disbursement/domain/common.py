"""What every disbursement rule shares: refusals, codes, bounds, the case a fact belongs to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Generic, TypeVar
from uuid import UUID

import pycountry

from shared.errors import DomainError, Refusal
from shared.money import MAX_MINOR, MINOR_UNITS, Money, MoneyError

CATEGORIES: frozenset[str] = frozenset(
    {"medical", "psychological", "social", "legal", "relocation"}
)
# The calendar a fund's dates live in: grant windows, rates, bank bookings. Wider than any real
# date and narrow enough to refuse typing accidents (year 20250, 0001-01-01).
EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
_COUNTRY_RE = re.compile(r"^[A-Z]{2}$")

T = TypeVar("T")


def invalid(code: str, detail: str, *, field: str | None = None) -> DomainError:
    """The command's content breaks a rule whatever the state (422); `field` names the body
    field (or `query.<name>`), spelt as in the validation errors of the same request."""
    where = field if field is None or field.startswith(("query.", "path.")) else f"body.{field}"
    errors = [{"field": where, "code": code, "message": detail}] if where else None
    return DomainError(Refusal.INVALID, code, detail, errors=errors)


def conflict(code: str, detail: str) -> DomainError:
    """The command contradicts the current state (409)."""
    return DomainError(Refusal.CONFLICT, code, detail)


def missing(what: str) -> DomainError:
    """No such object (404)."""
    return DomainError(Refusal.NOT_FOUND, "not_found", f"{what} does not exist")


def largest(currency: str) -> Money:
    """The largest figure vfund holds in `currency`: one amount as the API takes it (at most
    shared.money.MAX_MINOR, and 12 integer digits). Totals that would pass it (a grant topped
    up, a batch, a conversion) are refused before they outgrow a column or an event field."""
    return Money(min(MAX_MINOR, 10 ** (12 + MINOR_UNITS[currency]) - 1), currency)


def money_of(amount: str, currency: str, *, field: str) -> Money:
    """An amount as the API writes it ('1250.00'), exact in the currency's minor units."""
    try:
        return Money.parse(amount, currency)
    except MoneyError as exc:
        raise invalid("invalid_amount", str(exc), field=field) from exc


def signed_money_of(amount: str, currency: str, *, field: str) -> Money:
    """A change of an amount ('-250.00' or '250.00')."""
    unsigned = money_of(amount.removeprefix("-"), currency, field=field)
    return Money(-unsigned.minor if amount.startswith("-") else unsigned.minor, currency)


def check_country(code: str, *, field: str | None = None) -> str:
    if not _COUNTRY_RE.match(code) or pycountry.countries.get(alpha_2=code) is None:
        raise invalid("invalid_country", "not an ISO 3166-1 alpha-2 country code", field=field)
    return code


def check_category(category: str, *, field: str | None = None) -> str:
    if category not in CATEGORIES:
        raise invalid("unknown_category", f"must be one of {sorted(CATEGORIES)}", field=field)
    return category


def check_positive(amount: Money, *, field: str | None = None) -> Money:
    if amount.minor <= 0:
        raise invalid("invalid_amount", f"{amount} must be greater than zero", field=field)
    return amount


def check_bounded(amount: Money, *, field: str | None = None) -> Money:
    if amount.minor > largest(amount.currency).minor:
        limit = largest(amount.currency)
        raise invalid("amount_too_large", f"must not exceed {limit}", field=field)
    return amount


def check_day(day: date, *, field: str, earliest: date = EARLIEST, latest: date = LATEST) -> date:
    if not earliest <= day <= latest:
        detail = f"must lie between {earliest.isoformat()} and {latest.isoformat()}"
        raise invalid("implausible_date", detail, field=field)
    return day


@dataclass(frozen=True, slots=True)
class CaseRef:
    """The approved case a fact belongs to, as every event about it names it: its id, the
    organisation paid, the country (donor reports) and the story it is part of."""

    case_id: UUID
    org_id: str
    country: str
    correlation_id: str


@dataclass(frozen=True, slots=True)
class DomainEvent:
    """Base of every fact the domain reports; each carries what its wire form needs."""


@dataclass(frozen=True, slots=True)
class Outcome(Generic[T]):
    """The new state of one aggregate plus the events the change caused (empty for a no-op)."""

    state: T
    events: tuple[DomainEvent, ...]
