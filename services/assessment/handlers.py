"""Assessment event handlers: cases, answers, withdrawals and duplicates from intake; FX rates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, cast

from faststream.nats import NatsRouter

from services.assessment import domain, repository, wire
from services.assessment.errors import DomainError
from services.assessment.events import Result
from services.assessment.model import CaseFile, Category, RequestedItem, Urgency
from services.assessment.runtime import clock_of, policy_of
from shared import inbox
from shared.consume import FromContext, Poison, Retry, subscriber
from shared.events import subjects
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

router = NatsRouter()
CONSUMER = "assessment"
RuntimeDep = Annotated[Any, FromContext("runtime")]
Handler = Callable[..., Awaitable[None]]


def _on(subject: str, *, durable: str, description: str) -> Callable[[Handler], Handler]:
    return cast(
        "Callable[[Handler], Handler]",
        subscriber(router, subject, durable=durable, description=description),
    )


@_on(
    subjects.CASE_SUBMITTED,
    durable="assessment-case-submitted",
    description="A submitted case enters the assessment queues",
)
async def on_case_submitted(event: CloudEvent[CaseSubmitted], rt: RuntimeDep) -> None:
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
    async with rt.db.transaction() as tx:
        if not await inbox.first_time(tx, event.id, consumer=CONSUMER):
            return
        await repository.insert_case(
            tx,
            case=case,
            reference=data.reference,
            correlation_id=event.correlationid,
            now=clock_of(rt)(),
            policy=policy_of(rt),
        )


async def _apply(event: CloudEvent[Any], rt: Any, change: Callable[[CaseFile], Result]) -> None:
    """Lock the case (early events wait for it), apply the change once, save, queue events."""
    async with rt.db.transaction() as tx:
        stored = await repository.lock_case(tx, case_id=event.data.case_id)
        if stored is None:
            raise Retry("case not known yet")
        if not await inbox.first_time(tx, event.id, consumer=CONSUMER):
            return
        try:
            result = change(stored.case)
        except DomainError as exc:
            raise Poison(exc.code.value) from exc
        now = clock_of(rt)()
        await repository.save_case(
            tx,
            case=result.case,
            previous_version=stored.case.version,
            now=now,
            policy=policy_of(rt),
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


@_on(
    subjects.CASE_INFORMATION_PROVIDED,
    durable="assessment-case-information-provided",
    description="An answered question sends the case back to its assessor's queue",
)
async def on_information_provided(
    event: CloudEvent[CaseInformationProvided], rt: RuntimeDep
) -> None:
    now = clock_of(rt)()
    await _apply(
        event,
        rt,
        lambda case: domain.information_provided(case, request_id=event.data.request_id, now=now),
    )


@_on(
    subjects.CASE_WITHDRAWN,
    durable="assessment-case-withdrawn",
    description="A withdrawn case leaves every queue and can no longer be decided",
)
async def on_case_withdrawn(event: CloudEvent[CaseWithdrawn], rt: RuntimeDep) -> None:
    now = clock_of(rt)()
    await _apply(event, rt, lambda case: domain.withdraw(case, now=now))


async def _flag_duplicate(event: CloudEvent[Any], rt: Any, value: bool) -> None:
    async with rt.db.transaction() as tx:
        if await repository.lock_case(tx, case_id=event.data.case_id) is None:
            raise Retry("case not known yet")
        if await inbox.first_time(tx, event.id, consumer=CONSUMER):
            await repository.set_possible_duplicate(tx, case_id=event.data.case_id, value=value)


@_on(
    subjects.CASE_DUPLICATE_SUSPECTED,
    durable="assessment-duplicate-suspected",
    description="A suspected duplicate is flagged in the queues",
)
async def on_duplicate_suspected(event: CloudEvent[CaseDuplicateSuspected], rt: RuntimeDep) -> None:
    await _flag_duplicate(event, rt, True)


@_on(
    subjects.CASE_DUPLICATE_CLEARED,
    durable="assessment-duplicate-cleared",
    description="A cleared duplicate loses its queue flag",
)
async def on_duplicate_cleared(event: CloudEvent[CaseDuplicateCleared], rt: RuntimeDep) -> None:
    await _flag_duplicate(event, rt, False)


@_on(
    subjects.FX_RATE_RECORDED,
    durable="assessment-fx-rate-recorded",
    description="Exchange rates for the CHF equivalents of the decision thresholds",
)
async def on_fx_rate_recorded(event: CloudEvent[FxRateRecorded], rt: RuntimeDep) -> None:
    data = event.data
    try:
        rate = Decimal(data.rate)
    except InvalidOperation as exc:
        raise Poison("the rate is not a number") from exc
    if not rate.is_finite() or rate <= 0 or data.base == data.quote:
        raise Poison("the rate is not usable")
    async with rt.db.transaction() as tx:
        if await inbox.first_time(tx, event.id, consumer=CONSUMER):
            await repository.record_fx_rate(
                tx, base=data.base, quote=data.quote, rate=rate, as_of=data.as_of
            )
