"""One handler per event the web service consumes: each says what the event tells, and to
whom, through its command (contract section 10). Every event about a case also lets the web see
the queues the case entered since."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from faststream.nats.message import NatsMessage

from services.web.commands import notify
from services.web.context import HandlerCtx
from services.web.domain import notifications as tell
from shared.consume import FromContext
from shared.events.assessment import (
    ApprovalPending,
    DeadlineApproaching,
    DeadlineMissed,
    InformationRequested,
    LegalAssessmentCompleted,
    MedicalAssessmentCompleted,
    ReviewRequested,
)
from shared.events.disbursement import BatchCreated, PaymentFailed
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseInformationProvided, CaseSubmitted

# The message as JetStream delivered it: when it reached the stream (an event's own time may be
# far older) bounds how long an event that came early waits for the assessment service.
Delivered = Annotated[NatsMessage, FromContext("message")]


def published(message: NatsMessage) -> datetime:
    return message.raw_message.metadata.timestamp


async def on_case_submitted(
    event: CloudEvent[CaseSubmitted], ctx: HandlerCtx, msg: Delivered
) -> None:
    await notify.about_case(ctx, event, event.data.case_id, published=published(msg))


async def on_information_provided(
    event: CloudEvent[CaseInformationProvided], ctx: HandlerCtx, msg: Delivered
) -> None:
    """The answer sends the case back to a queue once the assessment service has it."""
    request_id = event.data.request_id
    await notify.about_case(
        ctx,
        event,
        event.data.case_id,
        published=published(msg),
        taken=lambda case: request_id in case.answered,
    )


async def on_information_requested(
    event: CloudEvent[InformationRequested], ctx: HandlerCtx, msg: Delivered
) -> None:
    await notify.about_case(
        ctx,
        event,
        event.data.case_id,
        lambda case: [tell.information_requested(event.id, case)],
        published=published(msg),
    )


async def on_review_requested(
    event: CloudEvent[ReviewRequested], ctx: HandlerCtx, msg: Delivered
) -> None:
    await notify.about_case(ctx, event, event.data.case_id, published=published(msg))


async def on_medical_completed(
    event: CloudEvent[MedicalAssessmentCompleted], ctx: HandlerCtx, msg: Delivered
) -> None:
    await notify.about_case(ctx, event, event.data.case_id, published=published(msg))


async def on_legal_completed(
    event: CloudEvent[LegalAssessmentCompleted], ctx: HandlerCtx, msg: Delivered
) -> None:
    await notify.about_case(ctx, event, event.data.case_id, published=published(msg))


async def on_approval_pending(
    event: CloudEvent[ApprovalPending], ctx: HandlerCtx, msg: Delivered
) -> None:
    first = event.data.first_decider
    await notify.about_case(
        ctx,
        event,
        event.data.case_id,
        lambda case: [tell.approval_pending(event.id, case, first_decider=first)],
        published=published(msg),
    )


async def on_deadline_approaching(
    event: CloudEvent[DeadlineApproaching], ctx: HandlerCtx, msg: Delivered
) -> None:
    data = event.data
    await notify.about_case(
        ctx,
        event,
        data.case_id,
        lambda case: _some(
            tell.deadline(
                event.id, "deadline_approaching", case, stage=data.stage, due_at=data.due_at
            )
        ),
        published=published(msg),
    )


async def on_deadline_missed(
    event: CloudEvent[DeadlineMissed], ctx: HandlerCtx, msg: Delivered
) -> None:
    data = event.data
    await notify.about_case(
        ctx,
        event,
        data.case_id,
        lambda case: _some(
            tell.deadline(event.id, "deadline_missed", case, stage=data.stage, due_at=data.due_at)
        ),
        published=published(msg),
    )


async def on_batch_created(event: CloudEvent[BatchCreated], ctx: HandlerCtx) -> None:
    data = event.data
    notice = tell.batch_waiting(event.id, batch_id=data.batch_id, created_by=data.created_by)
    await notify.about(ctx, event, [notice])


async def on_payment_failed(event: CloudEvent[PaymentFailed], ctx: HandlerCtx) -> None:
    await notify.payment_failed(ctx, event)


def _some(notice: tell.Notice | None) -> list[tell.Notice]:
    return [notice] if notice is not None else []
