"""Exchange rates under four eyes, and exact conversion at the confirmed rate of the day.

A rate decides how much a payee receives and whether one or two fund managers must approve:
one finance officer proposes it, another confirms it, and only then does it take effect.
Until then conversions use the previous confirmed rate of the pair (or none)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from typing import Literal
from uuid import UUID

from services.disbursement.domain.common import (
    EARLIEST,
    DomainEvent,
    Outcome,
    check_day,
    conflict,
    invalid,
)
from shared.money import MINOR_UNITS, Money, MoneyError, check_currency

RateStatus = Literal["pending", "confirmed", "rejected"]
# What the rates column holds (numeric(30, 12)): 18 integer digits, 12 decimal places.
_MAX_RATE = Decimal(10) ** 18
_RATE_PLACES = 12


@dataclass(frozen=True, slots=True)
class FxRate:
    """One unit of `base` is worth `rate` units of `quote`, as published on `as_of`."""

    base: str
    quote: str
    rate: Decimal
    as_of: date


def plain(value: Decimal) -> str:
    """A decimal as people write it: no exponent, no trailing zeros ('10', '0.000001')."""
    with localcontext() as ctx:
        ctx.prec = 60  # a rate has up to 30 digits: normalizing must not round it
        return format(value.normalize(), "f")


def fx_rate(*, base: str, quote: str, rate: Decimal, as_of: date, today: date) -> FxRate:
    """A rate as an officer may enter it: two known, different currencies, a positive rate
    the rates column holds exactly, a publication day not in the future."""
    try:
        check_currency(base)
        check_currency(quote)
    except MoneyError as exc:
        raise invalid("unknown_currency", "not an ISO 4217 currency vfund knows") from exc
    if base == quote:
        raise invalid("same_currency_rate", "a rate needs two different currencies", field="quote")
    if not rate.is_finite() or rate <= 0:
        raise invalid("invalid_rate", "a rate must be a positive finite decimal", field="rate")
    exponent = rate.as_tuple().exponent
    if rate >= _MAX_RATE or (isinstance(exponent, int) and exponent < -_RATE_PLACES):
        detail = f"a rate has at most 18 integer digits and {_RATE_PLACES} decimal places"
        raise invalid("invalid_rate", detail, field="rate")
    check_day(as_of, field="as_of", earliest=EARLIEST, latest=today + timedelta(days=1))
    return FxRate(base, quote, rate, as_of)


# --- conversion ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Conversion:
    """An exact conversion and the rate that made it; `inverted` when quote→base was divided."""

    source: Money
    target: Money
    rate: FxRate
    inverted: bool = False


def latest_rate(base: str, quote: str, rates: Iterable[FxRate], today: date) -> Conversion | None:
    """The rate to use: the latest direct base→quote with as_of <= today; only if none exists,
    the latest quote→base, inverted. Returns a template Conversion (amounts zero) or None.
    `rates` are confirmed rates only: a proposal never converts anything."""
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
        raise conflict("no_fx_rate", f"no {amount.currency}/{currency} rate on or before {today}")
    shift = MINOR_UNITS[currency] - MINOR_UNITS[amount.currency]
    with localcontext() as ctx:
        ctx.prec = 80  # far beyond any amount * rate, so only the final quantize rounds
        minor = Decimal(amount.minor)
        value = minor / found.rate.rate if found.inverted else minor * found.rate.rate
        target = value.scaleb(shift).quantize(Decimal(1), rounding=ROUND_HALF_EVEN)
    return Conversion(amount, Money(int(target), currency), found.rate, found.inverted)


# --- four eyes ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Review:
    """How far a rate lies from the reference: the confirmed rate conversions would use on its
    day (see `latest_rate`). `deviation` = rate / reference - 1; `flagged` past the limit."""

    reference: FxRate | None
    inverted: bool
    deviation: Decimal | None
    flagged: bool

    @property
    def reference_value(self) -> Decimal | None:
        """The reference in the reviewed rate's direction (base → quote)."""
        if self.reference is None:
            return None
        with localcontext() as ctx:
            ctx.prec = 40
            return 1 / self.reference.rate if self.inverted else self.reference.rate


def review(rate: FxRate, confirmed: Sequence[FxRate], limit: Decimal) -> Review:
    found = latest_rate(rate.base, rate.quote, confirmed, rate.as_of)
    if found is None:
        return Review(None, False, None, False)
    with localcontext() as ctx:
        ctx.prec = 40
        reference = 1 / found.rate.rate if found.inverted else found.rate.rate
        deviation = (rate.rate / reference - 1).quantize(Decimal("0.000001"))
    return Review(found.rate, found.inverted, deviation, abs(deviation) > limit)


@dataclass(frozen=True, slots=True)
class RateEntry:
    """A rate in the book: proposed, then confirmed by another officer or rejected. `review`
    is what the deciding officer was shown (None while pending: it is computed when read)."""

    rate_id: UUID
    rate: FxRate
    status: RateStatus
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    review: Review | None = None


@dataclass(frozen=True, slots=True)
class FxRateProposed(DomainEvent):
    entry: RateEntry
    review: Review


@dataclass(frozen=True, slots=True)
class FxRateConfirmed(DomainEvent):
    """The rate takes effect: conversions and assessment's four-eyes threshold use it."""

    entry: RateEntry
    confirmed_by: str
    review: Review


@dataclass(frozen=True, slots=True)
class FxRateRejected(DomainEvent):
    entry: RateEntry
    rejected_by: str


def propose_rate(
    *, rate_id: UUID, rate: FxRate, proposed_by: str, at: datetime, review: Review
) -> Outcome[RateEntry]:
    entry = RateEntry(rate_id, rate, "pending", proposed_by, at)
    return Outcome(entry, (FxRateProposed(entry, review),))


def _pending(entry: RateEntry) -> None:
    if entry.status != "pending":
        raise conflict("fx_rate_not_pending", f"the rate is already {entry.status}")


def confirm_rate(
    entry: RateEntry, *, confirmed_by: str, at: datetime, review: Review
) -> Outcome[RateEntry]:
    """The four-eyes step: another finance officer than the one who proposed it (409
    `fx_rate_same_officer` otherwise, as for payees and batches)."""
    _pending(entry)
    if confirmed_by == entry.proposed_by:
        raise conflict("fx_rate_same_officer", "a second finance officer must confirm the rate")
    confirmed = replace(
        entry, status="confirmed", decided_by=confirmed_by, decided_at=at, review=review
    )
    return Outcome(confirmed, (FxRateConfirmed(confirmed, confirmed_by, review),))


def reject_rate(
    entry: RateEntry, *, rejected_by: str, at: datetime, review: Review
) -> Outcome[RateEntry]:
    """Any finance officer, the proposer included, may refuse a pending rate; its day is free
    for another proposal."""
    _pending(entry)
    rejected = replace(
        entry, status="rejected", decided_by=rejected_by, decided_at=at, review=review
    )
    return Outcome(rejected, (FxRateRejected(rejected, rejected_by),))
