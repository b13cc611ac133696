"""Domain events → CloudEvents: the one place where internal facts get their public shape."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from services.disbursement import batches as b
from services.disbursement import domain as d
from services.disbursement import payments as p
from services.disbursement import reservations as r
from shared.events import disbursement as ev
from shared.events import subjects
from shared.events.common import Amount
from shared.events.envelope import CloudEvent, EventData, new_event
from shared.money import Money

SERVICE = "disbursement"


@dataclass(frozen=True, slots=True)
class CaseContext:
    """What a case's events need beyond the domain event itself."""

    correlation_id: str
    country: str
    reservation_id: UUID | None = None
    reservation: r.Reservation | None = None
    item_ids: tuple[str, ...] = ()


@dataclass
class Story:
    """Who acted, what caused it, and the context of the aggregates involved."""

    actor: str
    causation_id: str
    correlation_id: str | None = None
    cases: dict[UUID, CaseContext] = field(default_factory=dict)
    payments: dict[UUID, p.Payment] = field(default_factory=dict)
    batch_payments: dict[UUID, list[UUID]] = field(default_factory=dict)
    reason: str | None = None

    def add_payments(self, payments: Iterable[p.Payment]) -> None:
        self.payments.update((x.payment_id, x) for x in payments)


def allocate(amount: Money, weights: Sequence[tuple[str, int]]) -> list[ev.CategoryAmount]:
    """Split `amount` by category in proportion to `weights`, exactly (largest remainder)."""
    per: dict[str, int] = {}
    for category, weight in weights:
        per[category] = per.get(category, 0) + weight
    total = sum(per.values())
    if total <= 0:
        return []
    shares = {c: amount.minor * w // total for c, w in per.items()}
    rest = amount.minor - sum(shares.values())
    by_rest = sorted(per, key=lambda c: (-(amount.minor * per[c] % total), c))
    for category in by_rest[:rest]:
        shares[category] += 1
    return [ev.CategoryAmount(category=c, amount=Money(m, amount.currency).amount)
            for c, m in sorted(shares.items()) if m]


def _weights(reservation: r.Reservation, items: frozenset[int]) -> list[tuple[str, int]]:
    chosen = items or frozenset(range(len(reservation.items)))
    return [(reservation.items[i].category, reservation.conversions[i].target.minor)
            for i in sorted(chosen)]


def _conversions(ctx: CaseContext, e: r.BudgetReserved) -> list[ev.FxConversion]:
    res = ctx.reservation
    items = res.items if res else ()
    out = []
    for n, c in enumerate(e.conversions):
        out.append(ev.FxConversion(
            item_id=ctx.item_ids[n] if n < len(ctx.item_ids) else None,
            category=items[n].category if n < len(items) else "medical",
            amount=c.source.amount, currency=c.source.currency, converted=c.target.amount,
            rate=str(c.rate.rate), as_of=c.rate.as_of, base=c.rate.base, quote=c.rate.quote,
            inverted=c.inverted,
        ))  # fmt: skip
    return out


def _reserved(e: r.BudgetReserved, ctx: CaseContext) -> ev.BudgetReserved:
    fx = next((c for c in e.conversions if c.rate.base != c.rate.quote), None)
    res = ctx.reservation
    assert res is not None and ctx.reservation_id is not None
    return ev.BudgetReserved(
        case_id=str(e.case_id), grant_id=str(e.grant_id), reservation_id=str(ctx.reservation_id),
        country=ctx.country, amount=e.amount.amount, currency=e.amount.currency,
        fx_rate=str(fx.rate.rate) if fx else "1", fx_as_of=fx.rate.as_of if fx else None,
        by_category=allocate(e.amount, _weights(res, frozenset())),
        conversions=_conversions(ctx, e),
    )  # fmt: skip


def _payment(e: p.PaymentEvent, story: Story) -> dict[str, Any]:
    payment = story.payments.get(e.payment_id)
    ctx = story.cases.get(e.case_id)
    by_category: list[ev.CategoryAmount] = []
    if payment is not None and ctx is not None and ctx.reservation is not None:
        by_category = allocate(e.amount, _weights(ctx.reservation, payment.items))
    grant_id = payment.grant_id if payment else (ctx.reservation.grant_id if ctx and
                                                 ctx.reservation else None)
    return {
        "payment_id": str(e.payment_id), "case_id": str(e.case_id), "grant_id": str(grant_id),
        "country": ctx.country if ctx else None,
        "payee_id": str(e.payee_id) if e.payee_id else None, "amount": e.amount.amount,
        "currency": e.amount.currency, "batch_id": str(e.batch_id) if e.batch_id else None,
        "by_category": by_category,
        "bank_reference": payment.bank_reference if payment else None,
    }  # fmt: skip


_PAYMENT_SUBJECTS: dict[type[p.PaymentEvent], tuple[str, type[ev.PaymentEvent]]] = {
    p.PaymentAwaitingPayee: (subjects.PAYMENT_AWAITING_PAYEE, ev.PaymentAwaitingPayee),
    p.PaymentScheduled: (subjects.PAYMENT_SCHEDULED, ev.PaymentScheduled),
    p.PaymentBatched: (subjects.PAYMENT_BATCHED, ev.PaymentBatched),
}


def _one(e: d.DomainEvent, story: Story) -> tuple[str, EventData, str, str | None]:
    """(NATS subject, data, CloudEvent subject, correlation id) of one domain event."""
    if isinstance(e, d.GrantCreated | d.GrantAdjusted):
        restrictions = ev.Restrictions(countries=sorted(e.restrictions.countries),
                                       categories=sorted(e.restrictions.categories))
        if isinstance(e, d.GrantCreated):
            data: EventData = ev.GrantCreated(
                grant_id=str(e.grant_id), donor=e.donor, name=e.name, amount=e.amount.amount,
                currency=e.amount.currency, restrictions=restrictions, valid_from=e.valid_from,
                valid_to=e.valid_to)  # fmt: skip
            return subjects.GRANT_CREATED, data, str(e.grant_id), None
        sign = "-" if e.delta.minor < 0 else ""
        data = ev.GrantAdjusted(
            grant_id=str(e.grant_id), donor=e.donor,
            delta=sign + Money(abs(e.delta.minor), e.delta.currency).amount,
            amount=e.amount.amount, currency=e.amount.currency, reason=story.reason)
        return subjects.GRANT_ADJUSTED, data, str(e.grant_id), None
    if isinstance(e, d.FxRateRecorded):
        data = ev.FxRateRecorded(base=e.base, quote=e.quote, rate=str(e.rate), as_of=e.as_of)
        return subjects.FX_RATE_RECORDED, data, f"{e.base}/{e.quote}", None
    if isinstance(e, r.BudgetReserved):
        ctx = story.cases[e.case_id]
        return subjects.BUDGET_RESERVED, _reserved(e, ctx), str(e.case_id), ctx.correlation_id
    if isinstance(e, r.BudgetInsufficient):
        ctx = story.cases[e.case_id]
        amounts = [Amount(amount=m.amount, currency=m.currency) for m in e.shortfall]
        data = ev.BudgetInsufficient(
            case_id=str(e.case_id), shortfall=amounts[0], shortfalls=amounts,
            grant_id=str(e.grant_id) if e.grant_id else None)
        return subjects.BUDGET_INSUFFICIENT, data, str(e.case_id), ctx.correlation_id
    if isinstance(e, r.ReservationReleased):
        ctx = story.cases[e.case_id]
        data = ev.BudgetReleased(
            case_id=str(e.case_id), grant_id=str(e.grant_id),
            reservation_id=str(ctx.reservation_id), amount=e.amount.amount,
            currency=e.amount.currency, reason=e.reason, country=ctx.country)
        return subjects.BUDGET_RELEASED, data, str(e.case_id), ctx.correlation_id
    if isinstance(e, p.PaymentEvent):
        ctx_ = story.cases.get(e.case_id)
        correlation = ctx_.correlation_id if ctx_ else None
        fields = _payment(e, story)
        subject, model = _PAYMENT_SUBJECTS.get(type(e), ("", ev.PaymentEvent))
        if isinstance(e, p.PaymentSent):
            subject, data = subjects.PAYMENT_SENT, ev.PaymentSent(
                **(fields | {"bank_reference": e.bank_reference}), paid_on=e.paid_on)
        elif isinstance(e, p.PaymentFailed):
            subject, data = subjects.PAYMENT_FAILED, ev.PaymentFailed(**fields, reason=e.reason)
        elif isinstance(e, p.PaymentCancelled):
            subject = subjects.PAYMENT_CANCELLED
            data = ev.PaymentCancelled(**fields, reason=e.reason)
        elif isinstance(e, p.PaymentSplit):
            subject = subjects.PAYMENT_SPLIT
            data = ev.PaymentSplit(**fields, parts=[str(x) for x in e.parts])
        else:
            data = model(**fields)
        return subject, data, str(e.case_id), correlation
    if isinstance(e, p.PayeeRegistered):
        data = ev.PayeeRegistered(payee_id=str(e.payee_id), kind=e.kind, org_id=e.org_id,
                                  registered_by=e.requested_by, is_default=e.is_default)
        return subjects.PAYEE_REGISTERED, data, str(e.payee_id), None
    if isinstance(e, p.PayeeBankDetailsChanged):
        data = ev.PayeeBankDetailsChanged(payee_id=str(e.payee_id), org_id=e.org_id,
                                          requested_by=e.requested_by)
        return subjects.PAYEE_BANK_DETAILS_CHANGED, data, str(e.payee_id), None
    if isinstance(e, p.PayeeConfirmed):
        data = ev.PayeeConfirmed(payee_id=str(e.payee_id), confirmed_by=e.confirmed_by,
                                 org_id=e.org_id)
        return subjects.PAYEE_CONFIRMED, data, str(e.payee_id), None
    if isinstance(e, b.BatchCreated):
        data = ev.BatchCreated(
            batch_id=str(e.batch_id), count=e.count, total=e.total.amount, currency=e.currency,
            payment_ids=[str(x) for x in story.batch_payments.get(e.batch_id, [])],
            created_by=e.created_by)
        return subjects.BATCH_CREATED, data, str(e.batch_id), None
    if isinstance(e, b.BatchApproved):
        data = ev.BatchApproved(batch_id=str(e.batch_id), approved_by=e.approved_by,
                                count=e.count, total=e.total.amount, currency=e.currency)
        return subjects.BATCH_APPROVED, data, str(e.batch_id), None
    raise TypeError(f"no wire form for {type(e).__name__}")


def cloud_events(
    events: Iterable[d.DomainEvent], story: Story
) -> list[tuple[str, CloudEvent[Any]]]:
    out: list[tuple[str, CloudEvent[Any]]] = []
    for event in events:
        subject, data, aggregate, correlation = _one(event, story)
        out.append((subject, new_event(
            subject, data, service=SERVICE, subject=aggregate, actor=story.actor,
            causation_id=story.causation_id,
            correlation_id=correlation or story.correlation_id,
        )))  # fmt: skip
    return out
