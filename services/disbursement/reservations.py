"""Budget reservations for approved cases, and the waiting list when no grant can cover one."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from fractions import Fraction
from uuid import UUID

from services.disbursement.domain import (
    Conflict,
    Conversion,
    DomainEvent,
    FxRate,
    Grant,
    Invalid,
    check_category,
    check_country,
    check_positive,
    convert,
)
from shared.money import Money

# --- reservations -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApprovedItem:
    category: str
    amount: Money

    def __post_init__(self) -> None:
        check_category(self.category)
        check_positive(self.amount)


@dataclass(frozen=True, slots=True)
class ApprovedCase:
    """What `case.approved` (plus the case's org and country from `case.submitted`) commits to."""

    case_id: UUID
    org_id: str
    country: str
    items: tuple[ApprovedItem, ...]
    approved_at: datetime

    def __post_init__(self) -> None:
        check_country(self.country)
        if not self.items:
            raise Invalid("no_items", "an approved case needs at least one item")

    @property
    def categories(self) -> frozenset[str]:
        return frozenset(item.category for item in self.items)


@dataclass(frozen=True, slots=True)
class Reservation:
    """Funds of one grant earmarked for one case; outstanding = amount - disbursed - released."""

    case_id: UUID
    org_id: str
    grant_id: UUID
    items: tuple[ApprovedItem, ...]
    conversions: tuple[Conversion, ...]
    amount: Money
    disbursed: Money
    released: Money
    reserved_at: datetime
    withdrawn: bool = False

    @property
    def outstanding(self) -> Money:
        return self.amount - self.disbursed - self.released

    def release(self, amount: Money) -> Reservation:
        if self.outstanding < amount:
            raise Conflict("release_exceeds_reserved", f"{amount} > {self.outstanding}")
        return replace(self, released=self.released + amount)

    def disburse(self, amount: Money) -> Reservation:
        if self.outstanding < amount:
            raise Conflict("over_approved_total", f"{amount} > {self.outstanding} still reserved")
        return replace(self, disbursed=self.disbursed + amount)


@dataclass(frozen=True, slots=True)
class WaitingCase:
    """An approved case no grant could cover yet; retried oldest `since` first."""

    case: ApprovedCase
    since: datetime
    shortfall: tuple[Money, ...]


@dataclass(frozen=True, slots=True)
class BudgetReserved(DomainEvent):
    case_id: UUID
    grant_id: UUID
    amount: Money
    conversions: tuple[Conversion, ...]


@dataclass(frozen=True, slots=True)
class BudgetInsufficient(DomainEvent):
    """`shortfall` is one amount in the best grant's currency, or, when no grant is eligible at
    all, the full approved total per approved currency (no rate is needed to state it)."""

    case_id: UUID
    shortfall: tuple[Money, ...]
    grant_id: UUID | None


@dataclass(frozen=True, slots=True)
class ReservationReleased(DomainEvent):
    case_id: UUID
    grant_id: UUID
    amount: Money
    reason: str


@dataclass(frozen=True, slots=True)
class ReserveResult:
    """Either `reservation` + updated `grant`, or `waiting`; never both."""

    reservation: Reservation | None
    grant: Grant | None
    waiting: WaitingCase | None
    events: tuple[DomainEvent, ...]


def _need(
    case: ApprovedCase, grant: Grant, rates: Sequence[FxRate], today: date
) -> tuple[tuple[Conversion, ...], Money] | None:
    try:
        conversions = tuple(convert(i.amount, grant.currency, rates, today) for i in case.items)
    except Conflict:
        return None
    total = sum((c.target for c in conversions), Money.zero(grant.currency))
    return conversions, total


def _full_amount(case: ApprovedCase) -> tuple[Money, ...]:
    totals: dict[str, int] = {}
    for item in case.items:
        totals[item.amount.currency] = totals.get(item.amount.currency, 0) + item.amount.minor
    return tuple(Money(minor, currency) for currency, minor in sorted(totals.items()))


def converts(case: ApprovedCase, grants: Sequence[Grant]) -> bool:
    """Whether reserving the case on one of the grants could need an exchange rate."""
    return any(item.amount.currency != grant.currency for grant in grants for item in case.items)


def reserve(
    case: ApprovedCase, grants: Sequence[Grant], rates: Sequence[FxRate], *,
    today: date, at: datetime,
) -> ReserveResult:  # fmt: skip
    """Reserve the converted approved total on the eligible grant that expires first (tie: the
    oldest); eligible = restrictions allow the country and every category, valid today, a rate
    exists, enough available. Otherwise the case waits with the smallest relative shortfall."""
    candidates = []
    for grant in grants:
        if grant.restrictions.allow(case.country, case.categories) and grant.valid_on(today):
            need = _need(case, grant, rates, today)
            if need is not None:
                candidates.append((grant, *need))
    fitting = [c for c in candidates if c[2] <= c[0].available]
    if fitting:
        grant, conversions, total = min(
            fitting, key=lambda c: (c[0].valid_to, c[0].created_at, str(c[0].grant_id))
        )
        if total.minor <= 0:
            raise Invalid("amount_too_small", f"the approved total converts to {total}")
        zero = Money.zero(grant.currency)
        reservation = Reservation(
            case.case_id, case.org_id, grant.grant_id, case.items, conversions, total,
            zero, zero, at,
        )  # fmt: skip
        event = BudgetReserved(case.case_id, grant.grant_id, total, conversions)
        return ReserveResult(reservation, grant.reserve(total), None, (event,))
    if candidates:
        grant, _, total = min(
            candidates,
            key=lambda c: (
                Fraction(c[2].minor - c[0].available.minor, max(c[2].minor, 1)),
                c[0].valid_to, c[0].created_at, str(c[0].grant_id),
            ),
        )  # fmt: skip
        shortfall: tuple[Money, ...] = (total - grant.available,)
        best: UUID | None = grant.grant_id
    else:
        shortfall, best = _full_amount(case), None
    waiting = WaitingCase(case, at, shortfall)
    return ReserveResult(None, None, waiting, (BudgetInsufficient(case.case_id, shortfall, best),))


@dataclass(frozen=True, slots=True)
class RetryResult:
    """`grants`: every grant passed in, updated; `waiting`: what still waits, oldest first."""

    reservations: tuple[Reservation, ...]
    grants: tuple[Grant, ...]
    waiting: tuple[WaitingCase, ...]
    events: tuple[DomainEvent, ...]


def retry_waiting(
    waiting: Sequence[WaitingCase], grants: Sequence[Grant], rates: Sequence[FxRate], *,
    today: date, at: datetime,
) -> RetryResult:  # fmt: skip
    """After a grant is created or topped up: try every waiting case again, oldest first. Cases
    that still cannot be covered keep their place and emit nothing new."""
    current = list(grants)
    reservations: list[Reservation] = []
    still: list[WaitingCase] = []
    events: list[DomainEvent] = []
    for case in sorted(waiting, key=lambda w: (w.since, w.case.approved_at, str(w.case.case_id))):
        result = reserve(case.case, current, rates, today=today, at=at)
        if result.reservation is not None and result.grant is not None:
            current = [result.grant if g.grant_id == result.grant.grant_id else g for g in current]
            reservations.append(result.reservation)
            events.extend(result.events)
        else:
            shortfall = result.waiting.shortfall if result.waiting else case.shortfall
            still.append(replace(case, shortfall=shortfall))
    return RetryResult(tuple(reservations), tuple(current), tuple(still), tuple(events))
