"""Changes from other services' events (inbox guard, ack after commit) and from the clock."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, InvalidOperation

from services.assessment import domain, repository, wire
from services.assessment.commands.unit import save
from services.assessment.context import AssessmentContext
from services.assessment.domain.codes import Category, Urgency
from services.assessment.domain.events import Result
from services.assessment.domain.model import CaseFile, Policy, RequestedItem
from shared import inbox
from shared.consume import Poison, Retry
from shared.db import Db
from shared.errors import DomainError
from shared.events.disbursement import FxRateRecorded
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmitted
from shared.logging import get_logger
from shared.money import Money

log = get_logger(__name__)
CONSUMER = "assessment"


async def open_case(ctx: AssessmentContext, event: CloudEvent[CaseSubmitted]) -> None:
    """A submitted case becomes a case file, once; one that cannot be one is poison."""
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


async def apply(
    ctx: AssessmentContext, event_id: str, case_id: str, change: Callable[[CaseFile], Result]
) -> None:
    """Another service's event about a case: lock it (early events wait for it), apply the change
    once, save, queue the events it causes."""
    async with ctx.db.transaction() as tx:
        stored = await repository.lock_case(tx, case_id=case_id)
        if stored is None:
            raise Retry("case not known yet")
        if not await inbox.first_time(tx, event_id, consumer=CONSUMER):
            return
        try:
            result = change(stored.case)
        except DomainError as exc:
            raise Poison(str(exc.code)) from exc
        await save(
            tx,
            stored,
            result,
            now=ctx.clock(),
            policy=ctx.policy,
            actor=wire.SERVICE,
            causation_id=event_id,
        )


async def flag_duplicate(ctx: AssessmentContext, event_id: str, case_id: str, value: bool) -> None:
    async with ctx.db.transaction() as tx:
        if await repository.lock_case(tx, case_id=case_id) is None:
            raise Retry("case not known yet")
        if await inbox.first_time(tx, event_id, consumer=CONSUMER):
            await repository.set_possible_duplicate(tx, case_id=case_id, value=value)


async def record_fx_rate(ctx: AssessmentContext, event: CloudEvent[FxRateRecorded]) -> None:
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


async def check_due(db: Db, *, now: datetime, policy: Policy, limit: int = 100) -> int:
    """One batch of cases whose next deadline is past `now` (index on next_check_at).

    Each is checked and saved with its events in one transaction; the case's next moment to
    look at is recomputed, so a case is visited again only when something new can be due.
    """
    run_id = str(uuid.uuid4())  # the cause of what this run reports: the check itself
    async with db.transaction() as tx:
        ids = await repository.due_case_ids(tx, now=now, limit=limit)
        for case_id in ids:
            stored = await repository.lock_case(tx, case_id=case_id)
            if stored is None:  # pragma: no cover - locked by the query above
                continue
            result = domain.check_deadlines(stored.case, now=now, policy=policy)
            await save(
                tx, stored, result, now=now, policy=policy, actor=wire.SERVICE, causation_id=run_id
            )
            if result.events:
                log.info("deadlines reported", case_id=case_id, events=len(result.events))
    return len(ids)
