"""Disbursement event handlers: an approval is reserved (or waits); a withdrawal releases."""

from __future__ import annotations

from uuid import UUID

from services.disbursement.commands import budget
from services.disbursement.context import HandlerCtx
from services.disbursement.domain.common import CaseRef
from services.disbursement.domain.reservations import ApprovedCase, ApprovedItem
from shared.consume import Poison
from shared.errors import DomainError
from shared.events.assessment import CaseApproved
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseWithdrawn
from shared.money import Money, MoneyError


def _case_id(value: str) -> UUID:
    try:
        return UUID(value)
    except ValueError as exc:
        raise Poison("the case id is not a UUID") from exc


def approved_case(event: CloudEvent[CaseApproved]) -> ApprovedCase:
    """The domain's view of an approval; one that breaks a rule can never apply: poison."""
    data = event.data
    ref = CaseRef(_case_id(data.case_id), data.org_id, data.country, event.correlationid)
    try:
        items = tuple(
            ApprovedItem(i.item_id, i.category, Money.parse(i.amount, i.currency))
            for i in data.approved_items
        )
        return ApprovedCase(ref, items, event.time)
    except (DomainError, MoneyError) as exc:
        raise Poison(f"approval breaks a rule: {type(exc).__name__}") from exc


async def on_case_approved(event: CloudEvent[CaseApproved], ctx: HandlerCtx) -> None:
    data = event.data
    await budget.approve(
        ctx,
        event_id=event.id,
        case=approved_case(event),
        urgency=data.urgency,
        decided_by=list(data.decided_by),
    )


async def on_case_withdrawn(event: CloudEvent[CaseWithdrawn], ctx: HandlerCtx) -> None:
    await budget.withdraw(
        ctx,
        event_id=event.id,
        case_id=_case_id(event.data.case_id),
        correlation_id=event.correlationid,
        reason="case_withdrawn",
    )
