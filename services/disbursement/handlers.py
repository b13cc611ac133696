"""Disbursement event handlers: an approval is reserved (or waits); a withdrawal releases."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from services.disbursement import budget
from services.disbursement.context import HandlerCtx
from services.disbursement.domain import DomainError
from services.disbursement.reservations import ApprovedCase, ApprovedItem
from services.disbursement.wire import SERVICE, Story, cloud_events
from shared import inbox, outbox
from shared.consume import Poison
from shared.events.assessment import CaseApproved
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseWithdrawn
from shared.money import Money, MoneyError

CONSUMER = "disbursement"


def _case_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError as exc:
        raise Poison("the case id is not a UUID") from exc


def approved_case(event: CloudEvent[CaseApproved]) -> ApprovedCase:
    """The domain's view of an approval; one that breaks a rule can never apply: poison."""
    data = event.data
    try:
        items = tuple(ApprovedItem(i.category, Money.parse(i.amount, i.currency))
                      for i in data.approved_items)
        return ApprovedCase(_case_id(data.case_id), data.org_id, data.country, items, event.time)
    except (DomainError, MoneyError) as exc:
        raise Poison(f"approval breaks a rule: {type(exc).__name__}") from exc


async def on_case_approved(event: CloudEvent[CaseApproved], ctx: HandlerCtx) -> None:
    case = approved_case(event)
    story = Story(actor=SERVICE, causation_id=event.id, correlation_id=event.correlationid)
    at = datetime.now(UTC)
    async with ctx.db.transaction() as tx:
        if not await inbox.first_time(tx, event.id, consumer=CONSUMER):
            return
        events = await budget.take_approval(
            tx, case=case, item_ids=[i.item_id for i in event.data.approved_items],
            urgency=event.data.urgency, decided_by=list(event.data.decided_by),
            correlation_id=event.correlationid, story=story, today=at.date(), at=at,
        )  # fmt: skip
        await outbox.add(tx, cloud_events(events, story), service=SERVICE)


async def on_case_withdrawn(event: CloudEvent[CaseWithdrawn], ctx: HandlerCtx) -> None:
    # A withdrawal that arrives before the approval (or for a case never approved) is kept as a
    # tombstone, so the late approval reserves nothing; no redelivery is needed.
    case_id = _case_id(event.data.case_id)
    story = Story(actor=SERVICE, causation_id=event.id, correlation_id=event.correlationid)
    at = datetime.now(UTC)
    async with ctx.db.transaction() as tx:
        if not await inbox.first_time(tx, event.id, consumer=CONSUMER):
            return
        events = await budget.withdraw(tx, case_id=case_id, reason="case_withdrawn",
                                       event_id=event.id, story=story, today=at.date(), at=at)
        await outbox.add(tx, cloud_events(events, story), service=SERVICE)
