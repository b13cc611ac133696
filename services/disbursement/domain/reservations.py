"""Budget reservations for approved cases, and the waiting list when no grant can cover one."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from fractions import Fraction
from uuid import UUID

from services.disbursement.domain.common import (
    CaseRef,
    DomainEvent,
    check_category,
    check_country,
    check_positive,
    conflict,
    invalid,
    largest,
)
from services.disbursement.domain.fx import Conversion, FxRate, convert
from services.disbursement.domain.grants import Grant
from shared.errors import DomainError
from shared.money import Money

# One reservation per case, ever: its id follows from the case's.
_RESERVATIONS = uuid.UUID("5b1f3c0e-2f43-4c55-9d0e-7a6c1f0b5e21")


def reservation_id_of(case_id: UUID) -> UUID:
    return uuid.uuid5(_RESERVATIONS, str(case_id))


@dataclass(frozen=True, slots=True)
class ApprovedItem:
    item_id: str
    category: str
    amount: Money

    def __post_init__(self) -> None:
        check_category(self.category)
        check_positive(self.amount)


@dataclass(frozen=True, slots=True)
class ApprovedCase:
    """What `case.approved` (plus the case's org and country from `case.submitted`) commits to."""

    ref: CaseRef
    items: tuple[ApprovedItem, ...]
    approved_at: datetime

    def __post_init__(self) -> None:
        check_country(self.ref.country)
        if not self.items:
            raise invalid("no_items", "an approved case needs at least one item")

    @property
    def case_id(self) -> UUID:
        return self.ref.case_id

    @property
    def categories(self) -> frozenset[str]:
        return frozenset(item.category for item in self.items)


Weights = tuple[tuple[str, int], ...]


def weights_of(converted: Sequence[tuple[str, int]], items: frozenset[int]) -> Weights:
    """By category, what the chosen items (all when none is chosen) weigh in the grant's
    currency, from each approved item's (category, converted minor units): the basis on which
    a payment's amount is shared out for donor reports. When they all converted to nothing,
    each item weighs the same."""
    chosen = sorted(items) or range(len(converted))
    found = tuple(converted[i] for i in chosen)
    if sum(w for _, w in found) > 0:
        return found
    return tuple((category, 1) for category, _ in found)


@dataclass(frozen=True, slots=True)
class Reservation:
    """Funds of one grant earmarked for one case; outstanding = amount - disbursed - released."""

    reservation_id: UUID
    case: CaseRef
    grant_id: UUID
    items: tuple[ApprovedItem, ...]
    conversions: tuple[Conversion, ...]
    amount: Money
    disbursed: Money
    released: Money
    reserved_at: datetime
    withdrawn: bool = False

    @property
    def case_id(self) -> UUID:
        return self.case.case_id

    @property
    def org_id(self) -> str:
        return self.case.org_id

    @property
    def outstanding(self) -> Money:
        return self.amount - self.disbursed - self.released

    def weights(self, items: frozenset[int] = frozenset()) -> Weights:
        pairs = [
            (i.category, c.target.minor) for i, c in zip(self.items, self.conversions, strict=True)
        ]
        return weights_of(pairs, items)

    def release(self, amount: Money) -> Reservation:
        if self.outstanding < amount:
            raise conflict("release_exceeds_reserved", f"{amount} > {self.outstanding}")
        return replace(self, released=self.released + amount)

    def disburse(self, amount: Money) -> Reservation:
        if self.outstanding < amount:
            raise conflict("over_approved_total", f"{amount} > {self.outstanding} still reserved")
        return replace(self, disbursed=self.disbursed + amount)

    def undisburse(self, amount: Money) -> Reservation:
        """A paid amount came back: it is outstanding again."""
        if self.disbursed < amount:
            raise conflict("undisburse_exceeds_disbursed", f"{amount} > {self.disbursed} paid")
        return replace(self, disbursed=self.disbursed - amount)


@dataclass(frozen=True, slots=True)
class WaitingCase:
    """An approved case no grant could cover yet; retried oldest `since` first."""

    case: ApprovedCase
    since: datetime
    shortfall: tuple[Money, ...]


@dataclass(frozen=True, slots=True)
class BudgetReserved(DomainEvent):
    reservation: Reservation

    @property
    def case_id(self) -> UUID:
        return self.reservation.case_id

    @property
    def conversions(self) -> tuple[Conversion, ...]:
        return self.reservation.conversions


@dataclass(frozen=True, slots=True)
class BudgetInsufficient(DomainEvent):
    """`shortfall` is one amount in the best grant's currency, or, when no grant is eligible at
    all, the full approved total per approved currency (no rate is needed to state it)."""

    case: CaseRef
    shortfall: tuple[Money, ...]
    grant_id: UUID | None


@dataclass(frozen=True, slots=True)
class ReservationReleased(DomainEvent):
    """`reservation` as it is after the release."""

    reservation: Reservation
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
    """What the case costs in the grant's currency, or None when the grant can never take it:
    no rate, a total of nothing, or more than any grant may hold (an extreme rate)."""
    try:
        conversions = tuple(convert(i.amount, grant.currency, rates, today) for i in case.items)
    except DomainError:
        return None
    total = sum((c.target for c in conversions), Money.zero(grant.currency))
    if not 0 < total.minor <= largest(grant.currency).minor:
        return None
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
    case: ApprovedCase,
    grants: Sequence[Grant],
    rates: Sequence[FxRate],
    *,
    today: date,
    at: datetime,
) -> ReserveResult:
    """Reserve the converted approved total on the eligible grant that expires first (tie: the
    oldest); eligible = restrictions allow the country and every category, valid today, a rate
    exists, enough available. Otherwise the case waits with the smallest relative shortfall."""
    candidates = []
    for grant in grants:
        if grant.restrictions.allow(case.ref.country, case.categories) and grant.valid_on(today):
            need = _need(case, grant, rates, today)
            if need is not None:
                candidates.append((grant, *need))
    fitting = [c for c in candidates if c[2] <= c[0].available]
    if fitting:
        grant, conversions, total = min(
            fitting, key=lambda c: (c[0].valid_to, c[0].created_at, str(c[0].grant_id))
        )
        zero = Money.zero(grant.currency)
        reservation = Reservation(
            reservation_id_of(case.case_id),
            case.ref,
            grant.grant_id,
            case.items,
            conversions,
            total,
            zero,
            zero,
            at,
        )
        return ReserveResult(
            reservation, grant.reserve(total), None, (BudgetReserved(reservation),)
        )
    if candidates:
        grant, _, total = min(
            candidates,
            key=lambda c: (
                Fraction(c[2].minor - c[0].available.minor, max(c[2].minor, 1)),
                c[0].valid_to,
                c[0].created_at,
                str(c[0].grant_id),
            ),
        )
        shortfall: tuple[Money, ...] = (total - grant.available,)
        best: UUID | None = grant.grant_id
    else:
        shortfall, best = _full_amount(case), None
    waiting = WaitingCase(case, at, shortfall)
    return ReserveResult(None, None, waiting, (BudgetInsufficient(case.ref, shortfall, best),))


@dataclass(frozen=True, slots=True)
class RetryResult:
    """`grants`: every grant passed in, updated; `waiting`: what still waits, oldest first."""

    reservations: tuple[Reservation, ...]
    grants: tuple[Grant, ...]
    waiting: tuple[WaitingCase, ...]
    events: tuple[DomainEvent, ...]


def retry_waiting(
    waiting: Sequence[WaitingCase],
    grants: Sequence[Grant],
    rates: Sequence[FxRate],
    *,
    today: date,
    at: datetime,
) -> RetryResult:
    """After a grant is created or topped up, or a rate confirmed: try every waiting case again,
    oldest first. Cases that still cannot be covered keep their place and emit nothing new."""
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
