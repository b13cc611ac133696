"""Intake keeps each case's status and timeline from the other services' events."""

from __future__ import annotations

import uuid
from datetime import UTC

from pydantic import ConfigDict, ValidationError

from services.intake.commands.following import Followed, follow
from services.intake.context import HandlerCtx
from services.intake.domain.bounds import plain, timeline_detail
from shared.consume import Poison
from shared.events import CATALOGUE, subjects
from shared.events.assessment import InformationRequested
from shared.events.envelope import CloudEvent, EventData, nats_subject_of


class AnyCaseEvent(EventData):
    """Any event about a case: the fields the timeline needs are read by name."""

    model_config = ConfigDict(frozen=True, extra="allow")

    case_id: str


async def on_assessment_event(event: CloudEvent[AnyCaseEvent], ctx: HandlerCtx) -> None:
    await follow(ctx.db, followed(event))


async def on_budget_event(event: CloudEvent[AnyCaseEvent], ctx: HandlerCtx) -> None:
    await follow(ctx.db, followed(event))


async def on_payment_event(event: CloudEvent[AnyCaseEvent], ctx: HandlerCtx) -> None:
    await follow(ctx.db, followed(event))


def followed(event: CloudEvent[AnyCaseEvent]) -> Followed:
    """What intake takes of an event; Poison for one it can never apply."""
    subject = nats_subject_of(event)
    case_id = _uuid(event.data.case_id)
    if case_id is None or not plain(event.id):
        raise Poison("the case id is not a UUID, or the event id no id")
    try:
        at = event.time.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise Poison("the event's time is out of range") from exc
    parts = subject.split(".", 2)
    if len(parts) < 3 or not plain(parts[2]):
        raise Poison("the event type names no event")
    # The timeline takes a few fields by name, but only from an event that is what the catalogue
    # says it is: a lie is dead-lettered at its first delivery, never recorded.
    model = CATALOGUE.get(subject)
    if model is None:
        raise Poison("the event's subject is not in the catalogue")
    try:
        model.model_validate(event.data.model_dump())
    except ValidationError as exc:
        raise Poison("the event's data breaks its catalogue model") from exc
    request = _information_request(event) if subject == subjects.INFORMATION_REQUESTED else None
    return Followed(
        event_id=event.id,
        case_id=case_id,
        subject=subject,
        kind=parts[2],
        at=at,
        # A producer's actor the timeline cannot show is left out rather than the event lost.
        actor=event.actor if plain(event.actor) else None,
        detail=timeline_detail(event.data.model_extra or {}),
        request=request,
    )


def _information_request(event: CloudEvent[AnyCaseEvent]) -> InformationRequested:
    try:
        request = InformationRequested.model_validate(event.data.model_dump())
    except ValidationError as exc:
        raise Poison("information request without its ids") from exc
    if not all(plain(v) for v in (request.request_id, request.question_category)):
        raise Poison("information request with ids a page cannot show")
    if not plain(request.requested_by):
        raise Poison("information request without a requester")
    return request


def _uuid(value: str) -> str | None:
    """The id in the form PostgreSQL reads back, or None for what is not a UUID."""
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
