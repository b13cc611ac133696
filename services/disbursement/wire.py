"""Domain events → CloudEvents: the one place where internal facts get their public shape.

One function per domain event type (functools.singledispatch); an event type without one is a
TypeError, never a guess. Each takes what it publishes from the event itself."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import singledispatch
from typing import Any

from services.disbursement.domain import batches as b
from services.disbursement.domain import fx
from services.disbursement.domain import grants as g
from services.disbursement.domain import payees as pe
from services.disbursement.domain import payments as p
from services.disbursement.domain import reservations as r
from services.disbursement.domain import statements as st
from services.disbursement.domain.common import DomainEvent
from shared import outbox
from shared.db import Connection
from shared.events import disbursement as ev
from shared.events import subjects
from shared.events.envelope import CloudEvent, EventData, new_event
from shared.money import Money

SERVICE = "disbursement"
_PLACES = Decimal("1E-12")  # what a rate field carries


@dataclass(frozen=True, slots=True)
class Cause:
    """Who acted and what caused it: a request (its id) or an event (its id and story)."""

    actor: str
    causation_id: str
    correlation_id: str | None = None
    # The acting person's organisation (None for the fund's staff and for events): with the
    # actor, whose Idempotency-Keys a request's are.
    org: str | None = None


@dataclass(frozen=True, slots=True)
class Wired:
    """One domain event as published: NATS subject, data, CloudEvent subject, and the story it
    belongs to (a case's correlation id; None: the cause's)."""

    subject: str
    data: EventData
    aggregate: str
    correlation_id: str | None = None


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
    return [
        ev.CategoryAmount(category=c, amount=Money(m, amount.currency).amount)
        for c, m in sorted(shares.items())
        if m
    ]


def _signed(amount: Money) -> str:
    return ("-" if amount.minor < 0 else "") + Money(abs(amount.minor), amount.currency).amount


@singledispatch
def wire(event: DomainEvent) -> Wired:
    raise TypeError(f"no wire form for {type(event).__name__}")


# --- grants and rates ---------------------------------------------------------------------------


@wire.register
def _(e: g.GrantCreated) -> Wired:
    restrictions = ev.Restrictions(
        countries=sorted(e.restrictions.countries), categories=sorted(e.restrictions.categories)
    )
    data = ev.GrantCreated(
        grant_id=str(e.grant_id),
        donor=e.donor,
        name=e.name,
        amount=e.amount.amount,
        currency=e.amount.currency,
        restrictions=restrictions,
        valid_from=e.valid_from,
        valid_to=e.valid_to,
    )
    return Wired(subjects.GRANT_CREATED, data, str(e.grant_id))


@wire.register
def _(e: g.GrantAdjusted) -> Wired:
    data = ev.GrantAdjusted(
        grant_id=str(e.grant_id),
        donor=e.donor,
        delta=_signed(e.delta),
        amount=e.amount.amount,
        currency=e.amount.currency,
        reason=e.reason,
    )
    return Wired(subjects.GRANT_ADJUSTED, data, str(e.grant_id))


def _pair(rate: fx.FxRate) -> str:
    return f"{rate.base}/{rate.quote}"


def _deviation(review: fx.Review) -> str | None:
    return None if review.deviation is None else str(review.deviation)


@wire.register
def _(e: fx.FxRateProposed) -> Wired:
    rate, reference = e.entry.rate, e.review.reference_value
    data = ev.FxRateProposed(
        rate_id=str(e.entry.rate_id),
        base=rate.base,
        quote=rate.quote,
        rate=fx.plain(rate.rate),
        as_of=rate.as_of,
        proposed_by=e.entry.proposed_by,
        reference_rate=None if reference is None else fx.plain(reference.quantize(_PLACES)),
        deviation=_deviation(e.review),
        flagged=e.review.flagged,
    )
    return Wired(subjects.FX_RATE_PROPOSED, data, _pair(rate))


@wire.register
def _(e: fx.FxRateConfirmed) -> Wired:
    entry, rate = e.entry, e.entry.rate
    data = ev.FxRateRecorded(
        base=rate.base,
        quote=rate.quote,
        rate=fx.plain(rate.rate),
        as_of=rate.as_of,
        rate_id=str(entry.rate_id),
        proposed_by=entry.proposed_by,
        confirmed_by=e.confirmed_by,
        deviation=_deviation(e.review),
        flagged=e.review.flagged,
    )
    return Wired(subjects.FX_RATE_RECORDED, data, _pair(rate))


@wire.register
def _(e: fx.FxRateRejected) -> Wired:
    entry, rate = e.entry, e.entry.rate
    data = ev.FxRateRejected(
        rate_id=str(entry.rate_id),
        base=rate.base,
        quote=rate.quote,
        rate=fx.plain(rate.rate),
        as_of=rate.as_of,
        proposed_by=entry.proposed_by,
        rejected_by=e.rejected_by,
    )
    return Wired(subjects.FX_RATE_REJECTED, data, _pair(rate))


# --- reservations -------------------------------------------------------------------------------


def _conversions(reservation: r.Reservation) -> list[ev.FxConversion]:
    return [
        ev.FxConversion(
            item_id=item.item_id,
            category=item.category,
            amount=c.source.amount,
            currency=c.source.currency,
            converted=c.target.amount,
            rate=fx.plain(c.rate.rate),
            as_of=c.rate.as_of,
            base=c.rate.base,
            quote=c.rate.quote,
            inverted=c.inverted,
        )
        for item, c in zip(reservation.items, reservation.conversions, strict=True)
    ]


@wire.register
def _(e: r.BudgetReserved) -> Wired:
    res = e.reservation
    converted = next((c for c in res.conversions if c.rate.base != c.rate.quote), None)
    data = ev.BudgetReserved(
        case_id=str(res.case_id),
        grant_id=str(res.grant_id),
        reservation_id=str(res.reservation_id),
        country=res.case.country,
        amount=res.amount.amount,
        currency=res.amount.currency,
        fx_rate=fx.plain(converted.rate.rate) if converted else "1",
        fx_as_of=converted.rate.as_of if converted else None,
        by_category=allocate(res.amount, res.weights()),
        conversions=_conversions(res),
    )
    return Wired(subjects.BUDGET_RESERVED, data, str(res.case_id), res.case.correlation_id)


def _total(amount: Money) -> ev.TotalAmount:
    return ev.TotalAmount(amount=amount.amount, currency=amount.currency)


@wire.register
def _(e: r.BudgetInsufficient) -> Wired:
    data = ev.BudgetInsufficient(
        case_id=str(e.case.case_id),
        shortfall=_total(e.shortfall[0]),
        shortfalls=[_total(m) for m in e.shortfall],
        grant_id=str(e.grant_id) if e.grant_id else None,
    )
    return Wired(subjects.BUDGET_INSUFFICIENT, data, str(e.case.case_id), e.case.correlation_id)


@wire.register
def _(e: r.ReservationReleased) -> Wired:
    res = e.reservation
    data = ev.BudgetReleased(
        case_id=str(res.case_id),
        grant_id=str(res.grant_id),
        reservation_id=str(res.reservation_id),
        amount=e.amount.amount,
        currency=e.amount.currency,
        reason=e.reason,
        country=res.case.country,
    )
    return Wired(subjects.BUDGET_RELEASED, data, str(res.case_id), res.case.correlation_id)


# --- payments -----------------------------------------------------------------------------------


def _payment(payment: p.Payment) -> dict[str, Any]:
    """What every payment event says, from the payment as it is after the step."""
    return {
        "payment_id": str(payment.payment_id),
        "case_id": str(payment.case_id),
        "grant_id": str(payment.grant_id),
        "country": payment.case.country,
        "payee_id": str(payment.payee_id) if payment.payee_id else None,
        "amount": payment.amount.amount,
        "currency": payment.amount.currency,
        "batch_id": str(payment.batch_id) if payment.batch_id else None,
        "bank_reference": payment.bank_reference,
        "by_category": allocate(payment.amount, payment.weights),
    }


def _of_case(subject: str, data: EventData, payment: p.Payment) -> Wired:
    return Wired(subject, data, str(payment.case_id), payment.case.correlation_id)


@wire.register
def _(e: p.PaymentAwaitingPayee) -> Wired:
    data = ev.PaymentAwaitingPayee(**_payment(e.payment))
    return _of_case(subjects.PAYMENT_AWAITING_PAYEE, data, e.payment)


@wire.register
def _(e: p.PaymentScheduled) -> Wired:
    data = ev.PaymentScheduled(**_payment(e.payment))
    return _of_case(subjects.PAYMENT_SCHEDULED, data, e.payment)


@wire.register
def _(e: p.PaymentBatched) -> Wired:
    data = ev.PaymentBatched(**_payment(e.payment))
    return _of_case(subjects.PAYMENT_BATCHED, data, e.payment)


@wire.register
def _(e: p.PaymentSent) -> Wired:
    if e.payment.paid_on is None:
        raise ValueError("a sent payment has the day the bank paid it")
    data = ev.PaymentSent(**_payment(e.payment), paid_on=e.payment.paid_on)
    return _of_case(subjects.PAYMENT_SENT, data, e.payment)


@wire.register
def _(e: p.PaymentFailed) -> Wired:
    data = ev.PaymentFailed(**_payment(e.payment), reason=e.reason, returned_on=e.returned_on)
    return _of_case(subjects.PAYMENT_FAILED, data, e.payment)


@wire.register
def _(e: p.PaymentCancelled) -> Wired:
    data = ev.PaymentCancelled(**_payment(e.payment), reason=e.reason)
    return _of_case(subjects.PAYMENT_CANCELLED, data, e.payment)


@wire.register
def _(e: p.PaymentSplit) -> Wired:
    data = ev.PaymentSplit(**_payment(e.payment), parts=[str(x) for x in e.parts])
    return _of_case(subjects.PAYMENT_SPLIT, data, e.payment)


# --- payees and batches -------------------------------------------------------------------------


@wire.register
def _(e: pe.PayeeRegistered) -> Wired:
    data = ev.PayeeRegistered(
        payee_id=str(e.payee_id),
        kind=e.kind,
        org_id=e.org_id,
        registered_by=e.requested_by,
        is_default=e.is_default,
    )
    return Wired(subjects.PAYEE_REGISTERED, data, str(e.payee_id))


@wire.register
def _(e: pe.PayeeBankDetailsChanged) -> Wired:
    data = ev.PayeeBankDetailsChanged(
        payee_id=str(e.payee_id), org_id=e.org_id, requested_by=e.requested_by
    )
    return Wired(subjects.PAYEE_BANK_DETAILS_CHANGED, data, str(e.payee_id))


@wire.register
def _(e: pe.PayeeConfirmed) -> Wired:
    data = ev.PayeeConfirmed(payee_id=str(e.payee_id), confirmed_by=e.confirmed_by, org_id=e.org_id)
    return Wired(subjects.PAYEE_CONFIRMED, data, str(e.payee_id))


@wire.register
def _(e: b.BatchCreated) -> Wired:
    batch = e.batch
    data = ev.BatchCreated(
        batch_id=str(batch.batch_id),
        payment_ids=[str(line.payment_id) for line in batch.lines],
        count=batch.count,
        total=batch.total.amount,
        currency=batch.currency,
        created_by=batch.created_by,
    )
    return Wired(subjects.BATCH_CREATED, data, str(batch.batch_id))


@wire.register
def _(e: b.BatchApproved) -> Wired:
    batch = e.batch
    if batch.approved_by is None:
        raise ValueError("an approved batch names who approved it")
    data = ev.BatchApproved(
        batch_id=str(batch.batch_id),
        approved_by=batch.approved_by,
        count=batch.count,
        total=batch.total.amount,
        currency=batch.currency,
    )
    return Wired(subjects.BATCH_APPROVED, data, str(batch.batch_id))


# --- bank statements and status reports -------------------------------------------------------


@wire.register
def _(e: st.StatementImported) -> Wired:
    data = ev.StatementImported(
        statement_id=str(e.statement_id),
        account=e.account,
        message=e.message,
        entries=e.entries,
        matched=e.matched,
        unmatched=e.unmatched,
        by=e.imported_by,
    )
    return Wired(subjects.STATEMENT_IMPORTED, data, str(e.statement_id))


@wire.register
def _(e: st.StatusReportImported) -> Wired:
    data = ev.StatusReportImported(
        report_id=str(e.report_id),
        message=e.message,
        lines=e.lines,
        rejected=e.rejected,
        unmatched=e.unmatched,
        by=e.imported_by,
    )
    return Wired(subjects.STATUS_REPORT_IMPORTED, data, str(e.report_id))


@wire.register
def _(e: st.StatementEntryMatched) -> Wired:
    data = ev.StatementEntryMatched(
        statement_id=str(e.statement_id),
        entry=e.entry,
        outcome=e.outcome,
        payment_ids=[str(i) for i in e.payment_ids],
        by=e.by,
    )
    return Wired(subjects.STATEMENT_ENTRY_MATCHED, data, str(e.statement_id))


@wire.register
def _(e: st.StatementEntryDismissed) -> Wired:
    data = ev.StatementEntryDismissed(
        statement_id=str(e.statement_id), entry=e.entry, reason=e.reason, by=e.by
    )
    return Wired(subjects.STATEMENT_ENTRY_DISMISSED, data, str(e.statement_id))


def cloud_events(events: Iterable[DomainEvent], cause: Cause) -> list[tuple[str, CloudEvent[Any]]]:
    out: list[tuple[str, CloudEvent[Any]]] = []
    for event in events:
        wired = wire(event)
        published = new_event(
            wired.subject,
            wired.data,
            service=SERVICE,
            subject=wired.aggregate,
            actor=cause.actor,
            causation_id=cause.causation_id,
            correlation_id=wired.correlation_id or cause.correlation_id,
        )
        out.append((wired.subject, published))
    return out


async def enqueue(tx: Connection, events: Iterable[DomainEvent], cause: Cause) -> None:
    """Queue the events in the caller's transaction: they are published once it commits."""
    await outbox.add(tx, cloud_events(events, cause), service=SERVICE)
