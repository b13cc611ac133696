"""Assessment event handlers: cases, answers, withdrawals and duplicates from intake; FX rates."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from services.assessment import domain, repository, wire
from services.assessment.context import AssessmentContext, HandlerCtx
from services.assessment.errors import DomainError
from services.assessment.events import Result
from services.assessment.model import CaseFile, Category, RequestedItem, Urgency
from shared import inbox
from shared.consume import Poison, Retry
from shared.events.disbursement import FxRateRecorded
from shared.events.envelope import CloudEvent
from shared.events.intake import (
    CaseDuplicateCleared,
    CaseDuplicateSuspected,
    CaseInformationProvided,
    CaseSubmitted,
    CaseWithdrawn,
)
from shared.money import Money

CONSUMER = "assessment"


async def on_case_submitted(event: CloudEvent[CaseSubmitted], ctx: HandlerCtx) -> None:
    data = event.data
    try:
        case = domain.open_case(
            case_id=data.case_id,
            org_id=data.org_id,
            country=data.country,
            urgency=Urgency(data.urgency),
            items=[
                RequestedItem(i.item_id, Category(i.category), Money.parse(i.amount, i.currency))
                for i in data.items
            ],
            needs_medical=data.needs.medical,
            needs_legal=data.needs.legal,
            submitted_at=event.time,
        ).case
    except (DomainError, ValueError) as exc:
        raise Poison(type(exc).__name__) from exc
    async with ctx.db.transaction() as tx:
        if not await inbox.first_time(tx, event.id, consumer=CONSUMER):
            return
        await repository.insert_case(
            tx,
            case=case,
            reference=data.reference,
            correlation_id=event.correlationid,
            now=ctx.clock(),
            policy=ctx.policy,
        )


async def _apply(
    event: CloudEvent[Any], ctx: AssessmentContext, change: Callable[[CaseFile], Result]
) -> None:
    """Lock the case (early events wait for it), apply the change once, save, queue events."""
    async with ctx.db.transaction() as tx:
        stored = await repository.lock_case(tx, case_id=event.data.case_id)
        if stored is None:
            raise Retry("case not known yet")
        if not await inbox.first_time(tx, event.id, consumer=CONSUMER):
            return
        try:
            result = change(stored.case)
        except DomainError as exc:
            raise Poison(exc.code.value) from exc
        now = ctx.clock()
        await repository.save_case(
            tx,
            case=result.case,
            previous_version=stored.case.version,
            now=now,
            policy=ctx.policy,
        )
        await wire.enqueue(
            tx,
            result.events,
            case_id=stored.case.case_id,
            correlation_id=stored.correlation_id,
            actor=wire.SERVICE,
            causation_id=event.id,
            now=now,
        )


async def on_information_provided(
    event: CloudEvent[CaseInformationProvided], ctx: HandlerCtx
) -> None:
    now = ctx.clock()
    await _apply(
        event,
        ctx,
        lambda case: domain.information_provided(case, request_id=event.data.request_id, now=now),
    )


async def on_case_withdrawn(event: CloudEvent[CaseWithdrawn], ctx: HandlerCtx) -> None:
    now = ctx.clock()
    await _apply(event, ctx, lambda case: domain.withdraw(case, now=now))


async def _flag_duplicate(event: CloudEvent[Any], ctx: AssessmentContext, value: bool) -> None:
    async with ctx.db.transaction() as tx:
        if await repository.lock_case(tx, case_id=event.data.case_id) is None:
            raise Retry("case not known yet")
        if await inbox.first_time(tx, event.id, consumer=CONSUMER):
            await repository.set_possible_duplicate(tx, case_id=event.data.case_id, value=value)


async def on_duplicate_suspected(
    event: CloudEvent[CaseDuplicateSuspected], ctx: HandlerCtx
) -> None:
    await _flag_duplicate(event, ctx, True)


async def on_duplicate_cleared(event: CloudEvent[CaseDuplicateCleared], ctx: HandlerCtx) -> None:
    await _flag_duplicate(event, ctx, False)


async def on_fx_rate_recorded(event: CloudEvent[FxRateRecorded], ctx: HandlerCtx) -> None:
    data = event.data
    try:
        rate = Decimal(data.rate)
    except InvalidOperation as exc:
        raise Poison("the rate is not a number") from exc
    if not rate.is_finite() or rate <= 0 or data.base == data.quote:
        raise Poison("the rate is not usable")
    async with ctx.db.transaction() as tx:
        if await inbox.first_time(tx, event.id, consumer=CONSUMER):
            await repository.record_fx_rate(
                tx, base=data.base, quote=data.quote, rate=rate, as_of=data.as_of
            )
