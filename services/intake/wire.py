"""Intake's domain events onto the wire: each becomes (NATS subject, the catalogue's event data).

One registered function per event type; an event type without one is a TypeError, never a
guess."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from services.intake.domain import events as d
from shared.events import intake as ev
from shared.events import subjects
from shared.events.common import Item
from shared.events.envelope import CloudEvent, EventData, new_event
from shared.money import from_minor

SERVICE = "intake"
Outgoing = tuple[str, EventData]


@functools.singledispatch
def to_wire(event: d.CaseEvent) -> Outgoing:
    raise TypeError(f"no wire form for {type(event).__name__}")


@to_wire.register
def _(e: d.Submitted) -> Outgoing:
    items = [
        Item(
            item_id=i.item_id,
            category=i.category,
            amount=from_minor(i.amount_minor, i.currency),
            currency=i.currency,
        )
        for i in e.items
    ]
    return subjects.CASE_SUBMITTED, ev.CaseSubmitted(
        case_id=e.case_id,
        reference=e.reference,
        org_id=e.org_id,
        country=e.country,
        urgency=e.urgency,
        items=items,
        needs=ev.Needs(medical=e.needs_medical, legal=e.needs_legal),
        submitted_by=e.submitted_by,
    )


@to_wire.register
def _(e: d.DuplicateSuspected) -> Outgoing:
    return subjects.CASE_DUPLICATE_SUSPECTED, ev.CaseDuplicateSuspected(
        case_id=e.case_id, matching_case_ids=list(e.matching_case_ids)
    )


@to_wire.register
def _(e: d.DuplicateCleared) -> Outgoing:
    return subjects.CASE_DUPLICATE_CLEARED, ev.CaseDuplicateCleared(
        case_id=e.case_id,
        matching_case_ids=list(e.matching_case_ids),
        ruled_by=e.ruled_by,
        reason_code=e.reason_code,
    )


@to_wire.register
def _(e: d.DocumentAttached) -> Outgoing:
    return subjects.DOCUMENT_ATTACHED, ev.DocumentAttached(
        case_id=e.case_id,
        document_id=e.document_id,
        sha256=e.sha256,
        media_type=e.media_type,
        size_bytes=e.size_bytes,
        purpose=e.purpose,
    )


@to_wire.register
def _(e: d.InformationProvided) -> Outgoing:
    return subjects.CASE_INFORMATION_PROVIDED, ev.CaseInformationProvided(
        case_id=e.case_id, request_id=e.request_id
    )


@to_wire.register
def _(e: d.Withdrawn) -> Outgoing:
    return subjects.CASE_WITHDRAWN, ev.CaseWithdrawn(case_id=e.case_id, reason=e.reason)


@to_wire.register
def _(e: d.ReportSubmitted) -> Outgoing:
    return subjects.REPORT_SUBMITTED, ev.ReportSubmitted(
        case_id=e.case_id, document_ids=list(e.document_ids)
    )


@to_wire.register
def _(e: d.Closed) -> Outgoing:
    return subjects.CASE_CLOSED, ev.CaseClosed(case_id=e.case_id)


@to_wire.register
def _(e: d.PersonalDataAccessed) -> Outgoing:
    return subjects.PERSONAL_DATA_ACCESSED, ev.PersonalDataAccessed(
        case_id=e.case_id,
        actor=e.actor,
        role=e.role,
        purpose=e.purpose,
    )


@to_wire.register
def _(e: d.PersonalDataErased) -> Outgoing:
    return subjects.PERSONAL_DATA_ERASED, ev.PersonalDataErased(
        case_id=e.case_id,
        erased_by=e.erased_by,
        legal_basis=e.legal_basis,
    )


def envelopes(
    events: Sequence[d.CaseEvent],
    *,
    actor: str,
    causation_id: str,
    correlation_id: str | None,
    now: datetime,
) -> list[tuple[str, CloudEvent[Any]]]:
    """CloudEvents for a case's events, ready for the outbox (no correlation id: the first event
    starts the case's story)."""
    out: list[tuple[str, CloudEvent[Any]]] = []
    for event in events:
        subject, data = to_wire(event)
        out.append(
            (
                subject,
                new_event(
                    subject,
                    data,
                    service=SERVICE,
                    subject=event.case_id,
                    actor=actor,
                    causation_id=causation_id,
                    correlation_id=correlation_id,
                    now=now,
                ),
            )
        )
    return out


def timeline_kind(subject: str) -> str:
    """How the case's timeline names one of intake's own events: `case.withdrawn`, ..."""
    return subject.removeprefix("vfund.intake.")
