"""Deadlines: each stage's miss reported once, and a missed ratification once."""

from __future__ import annotations

from datetime import datetime

from services.assessment.domain.codes import CaseStatus, DeadlineStage
from services.assessment.domain.events import (
    DeadlineMissed,
    DomainEvent,
    RatificationMissed,
    Result,
)
from services.assessment.domain.model import CaseFile, Policy, require_aware
from services.assessment.domain.queues import due_at


def check_deadlines(case: CaseFile, *, now: datetime, policy: Policy) -> Result:
    """Emit DeadlineMissed once per stage and RatificationMissed once; run it on a timer."""
    require_aware(now)
    events: list[DomainEvent] = []
    missed = set(case.deadlines_missed)
    waiting = {
        DeadlineStage.ASSESSMENT: case.is_open and bool(case.missing_assessments),
        DeadlineStage.DECISION: case.is_open or case.status == CaseStatus.PENDING_SECOND_APPROVAL,
    }
    for stage, still_waiting in waiting.items():
        due = due_at(case, stage, now=now, policy=policy)
        if still_waiting and stage not in missed and now > due:
            missed.add(stage)
            events.append(
                DeadlineMissed(case_id=case.case_id, occurred_at=now, stage=stage, due_at=due)
            )
    ratification = case.ratification
    ratification_missed = case.ratification_missed
    if (
        ratification is not None
        and case.ratification_pending
        and not ratification_missed
        and now > ratification.due_at
    ):
        ratification_missed = True
        events.append(
            RatificationMissed(
                case_id=case.case_id,
                occurred_at=now,
                first_manager=ratification.first_manager,
                due_at=ratification.due_at,
            )
        )
    if not events:
        return Result(case, [])
    new = case.evolve(deadlines_missed=frozenset(missed), ratification_missed=ratification_missed)
    return Result(new, events)
