"""Domain events onto the wire: each becomes (NATS subject, the catalogue's event data).

One registered function per domain event (functools.singledispatch); an event without one is a
TypeError, never a guess. PUBLISHES is what the AsyncAPI lists.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import singledispatch

from services.assessment.domain import events as d
from services.assessment.domain.model import ItemAmount
from shared import outbox
from shared.db import Connection
from shared.events import assessment as ev
from shared.events import subjects
from shared.events.common import Item
from shared.events.envelope import EventData, new_event

SERVICE = "assessment"

Outgoing = tuple[str, EventData]


def items(lines: Iterable[ItemAmount]) -> list[Item]:
    return [
        Item(
            item_id=x.item_id,
            category=x.category.value,
            amount=x.amount.amount,
            currency=x.amount.currency,
        )
        for x in lines
    ]


@singledispatch
def to_wire(event: d.DomainEvent) -> Outgoing:
    raise TypeError(f"no wire form for {type(event).__name__}")


def _completed(model: type[ev.AssessmentCompleted], e: d.AssessmentCompleted) -> EventData:
    return model(
        case_id=e.case_id,
        assessor=e.assessor,
        recommendation=e.recommendation.value,
        recommended_items=items(e.recommended_items),
        has_reason_for_exceeding=e.has_reason_for_exceeding,
    )


@to_wire.register
def _medical_completed(e: d.MedicalAssessmentCompleted) -> Outgoing:
    return subjects.MEDICAL_COMPLETED, _completed(ev.MedicalAssessmentCompleted, e)


@to_wire.register
def _legal_completed(e: d.LegalAssessmentCompleted) -> Outgoing:
    return subjects.LEGAL_COMPLETED, _completed(ev.LegalAssessmentCompleted, e)


@to_wire.register
def _review_requested(e: d.ReviewRequested) -> Outgoing:
    return subjects.REVIEW_REQUESTED, ev.ReviewRequested(
        case_id=e.case_id, kind=e.kind.value, requested_by=e.requested_by
    )


@to_wire.register
def _information_requested(e: d.InformationRequested) -> Outgoing:
    return subjects.INFORMATION_REQUESTED, ev.InformationRequested(
        case_id=e.case_id,
        request_id=e.request_id,
        question_category=e.question_category.value,
        requested_by=e.requested_by,
    )


@to_wire.register
def _approval_pending(e: d.ApprovalPendingSecond) -> Outgoing:
    return subjects.APPROVAL_PENDING, ev.ApprovalPending(
        case_id=e.case_id,
        first_decider=e.first_manager,
        approved_items=items(e.approved_items),
        total_chf=None if e.total_chf is None else f"{e.total_chf:.2f}",
    )


@to_wire.register
def _approved(e: d.CaseApproved) -> Outgoing:
    return subjects.CASE_APPROVED, ev.CaseApproved(
        case_id=e.case_id,
        org_id=e.org_id,
        country=e.country,
        urgency=e.urgency.value,
        approved_items=items(e.approved_items),
        decided_by=list(e.decided_by),
        fast_track=e.fast_track,
    )


@to_wire.register
def _rejected(e: d.CaseRejected) -> Outgoing:
    return subjects.CASE_REJECTED, ev.CaseRejected(
        case_id=e.case_id, reason_code=e.reason_code.value, decided_by=list(e.decided_by)
    )


@to_wire.register
def _ratified(e: d.ApprovalRatified) -> Outgoing:
    return subjects.APPROVAL_RATIFIED, ev.ApprovalRatified(
        case_id=e.case_id, ratified_by=e.ratified_by, first_decider=e.first_manager, late=e.late
    )


@to_wire.register
def _ratification_missed(e: d.RatificationMissed) -> Outgoing:
    return subjects.RATIFICATION_MISSED, ev.RatificationMissed(
        case_id=e.case_id, due_at=e.due_at, first_decider=e.first_manager
    )


@to_wire.register
def _deadline_approaching(e: d.DeadlineApproaching) -> Outgoing:
    return subjects.DEADLINE_APPROACHING, ev.DeadlineApproaching(
        case_id=e.case_id, stage=e.stage.value, due_at=e.due_at
    )


@to_wire.register
def _deadline_missed(e: d.DeadlineMissed) -> Outgoing:
    return subjects.DEADLINE_MISSED, ev.DeadlineMissed(
        case_id=e.case_id, stage=e.stage.value, due_at=e.due_at
    )


PUBLISHES: list[tuple[str, type[EventData]]] = [
    (subjects.INFORMATION_REQUESTED, ev.InformationRequested),
    (subjects.MEDICAL_COMPLETED, ev.MedicalAssessmentCompleted),
    (subjects.LEGAL_COMPLETED, ev.LegalAssessmentCompleted),
    (subjects.REVIEW_REQUESTED, ev.ReviewRequested),
    (subjects.APPROVAL_PENDING, ev.ApprovalPending),
    (subjects.CASE_APPROVED, ev.CaseApproved),
    (subjects.CASE_REJECTED, ev.CaseRejected),
    (subjects.APPROVAL_RATIFIED, ev.ApprovalRatified),
    (subjects.RATIFICATION_MISSED, ev.RatificationMissed),
    (subjects.DEADLINE_APPROACHING, ev.DeadlineApproaching),
    (subjects.DEADLINE_MISSED, ev.DeadlineMissed),
]


async def enqueue(
    tx: Connection,
    domain_events: Iterable[d.DomainEvent],
    *,
    case_id: str,
    correlation_id: str,
    actor: str,
    causation_id: str,
    now: datetime,
) -> list[str]:
    """Put the events in the outbox, in the caller's transaction; returns their ids."""
    out = []
    for subject, data in map(to_wire, domain_events):
        event = new_event(
            subject,
            data,
            service=SERVICE,
            subject=case_id,
            actor=actor,
            causation_id=causation_id,
            correlation_id=correlation_id,
            now=now,
        )
        out.append((subject, event))
    await outbox.add(tx, out, service=SERVICE)
    return [e.id for _, e in out]
