"""Intake keeps each case's status and timeline from the other services' events."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import ConfigDict

from services.intake import domain, records
from services.intake import repository as repo
from services.intake.context import HandlerCtx
from shared.consume import Poison, Retry
from shared.db import Db
from shared.events import subjects
from shared.events.assessment import InformationRequested
from shared.events.envelope import CloudEvent, EventData, nats_subject_of

CONSUMER = "intake"

# Codes, ids and amounts that the timeline shows; free text never enters it.
TIMELINE_FIELDS = frozenset({
    "reason_code", "stage", "recommendation", "amount", "currency", "payment_id", "request_id",
    "question_category", "grant_id", "reservation_id", "batch_id", "due_at",
    "decided_by", "shortfall", "fast_track", "kind",
})


class AnyCaseEvent(EventData):
    """Any event about a case: the fields the timeline needs are read by name."""

    model_config = ConfigDict(frozen=True, extra="allow")

    case_id: str


async def on_assessment_event(event: CloudEvent[AnyCaseEvent], ctx: HandlerCtx) -> None:
    await track(event, ctx.db)


async def on_budget_event(event: CloudEvent[AnyCaseEvent], ctx: HandlerCtx) -> None:
    await track(event, ctx.db)


async def on_payment_event(event: CloudEvent[AnyCaseEvent], ctx: HandlerCtx) -> None:
    await track(event, ctx.db)


async def track(event: CloudEvent[AnyCaseEvent], db: Db) -> None:
    subject = nats_subject_of(event)
    case_id = event.data.case_id
    if not _is_uuid(case_id):
        raise Poison("the case id is not a UUID")
    request = _information_request(event) if subject == subjects.INFORMATION_REQUESTED else None
    extra = event.data.model_extra or {}
    detail: dict[str, Any] = {k: v for k, v in extra.items() if k in TIMELINE_FIELDS}
    kind = subject.removeprefix("vfund.").split(".", 1)[1]
    # One statement applies the usual event (the one round trip, its own transaction); an
    # information request also stores the request, in the same transaction.
    async with db.transaction() if request else db.connection() as conn:
        known, first = await repo.record_event(
            conn, case_id=case_id, consumer=CONSUMER, event_id=event.id, at=event.time,
            kind=kind, actor=event.actor, detail=detail, moves=domain.moves_on(subject))
        if not known:
            raise Retry("case not known yet")
        if first and request is not None:
            await records.add_request(
                conn, request_id=request.request_id, case_id=case_id,
                question_category=request.question_category,
                requested_by=request.requested_by, at=event.time)


def _information_request(event: CloudEvent[AnyCaseEvent]) -> InformationRequested:
    try:
        return InformationRequested.model_validate(event.data.model_dump())
    except ValueError as exc:
        raise Poison("information request without its ids") from exc


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
