"""Read side of the assessment domain: deadlines net of waiting time, and the work queues."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.assessment.domain.codes import (
    AssessmentKind,
    CaseStatus,
    DeadlineStage,
    QueueFlag,
    QueueKind,
    Urgency,
)
from services.assessment.domain.model import (
    CaseFile,
    Policy,
)


def due_at(case: CaseFile, stage: DeadlineStage, *, now: datetime, policy: Policy) -> datetime:
    """Submission + the urgency's allowance + all the time spent waiting for information."""
    waiting = case.paused_total
    if case.paused_since is not None:
        waiting += max(now - case.paused_since, timedelta(0))
    return case.submitted_at + policy.deadline(case.urgency, stage) + waiting


def time_left(case: CaseFile, stage: DeadlineStage, *, now: datetime, policy: Policy) -> timedelta:
    """Negative when overdue; frozen while the case waits for information."""
    return due_at(case, stage, now=now, policy=policy) - now


def watched_stages(case: CaseFile) -> list[DeadlineStage]:
    """The stages whose deadline still runs and is not missed yet, in the order of the work."""
    waiting = {
        DeadlineStage.ASSESSMENT: case.is_open and bool(case.missing_assessments),
        DeadlineStage.DECISION: case.is_open or case.status == CaseStatus.PENDING_SECOND_APPROVAL,
    }
    return [s for s, runs in waiting.items() if runs and s not in case.deadlines_missed]


def announce_at(
    case: CaseFile, stage: DeadlineStage, *, now: datetime, policy: Policy
) -> datetime | None:
    """When the stage's deadline is to be announced as approaching (`deadline_approaching`
    before it); None: announced already, or not while the case waits for information (its
    clock is stopped: nothing approaches), or never (a zero lead)."""
    if (
        policy.deadline_approaching <= timedelta(0)
        or stage in case.deadlines_approaching
        or case.paused_since is not None
    ):
        return None
    return due_at(case, stage, now=now, policy=policy) - policy.deadline_approaching


def next_check_at(case: CaseFile, *, now: datetime, policy: Policy) -> datetime | None:
    """The earliest moment check_deadlines could report something new; None: nothing to watch.

    While the case waits for information the moment moves on with the clock: a checker that
    looks then finds nothing and asks again later.
    """
    candidates: list[datetime] = []
    for stage in watched_stages(case):
        announce = announce_at(case, stage, now=now, policy=policy)
        due = due_at(case, stage, now=now, policy=policy)
        candidates.append(due if announce is None else min(due, announce))
    if case.ratification is not None and case.ratification_pending and not case.ratification_missed:
        candidates.append(case.ratification.due_at)
    return min(candidates, default=None)


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One line of a work queue: ids, codes and times only, never personal data."""

    case_id: str
    kind: QueueKind
    urgency: Urgency
    country: str
    status: CaseStatus
    due_at: datetime
    time_left: timedelta
    flags: frozenset[QueueFlag]
    version: int


def queue_kinds(case: CaseFile) -> frozenset[QueueKind]:
    """The queues that show the case; both specialist queues while both assessments are missing."""
    if case.status in (CaseStatus.IN_ASSESSMENT, CaseStatus.AWAITING_DECISION):
        missing = case.missing_assessments
        if missing:
            return frozenset(QueueKind(k.value) for k in missing)
        return frozenset({QueueKind.DECISION})
    if case.status == CaseStatus.PENDING_SECOND_APPROVAL or case.ratification_pending:
        return frozenset({QueueKind.DECISION})
    return frozenset()  # waiting for the caseworker's answer, decided, or withdrawn


def queue_entry(
    case: CaseFile, kind: QueueKind, *, now: datetime, policy: Policy
) -> QueueEntry | None:
    """The case's line in that queue (None if it is not there); due_at is the stage's deadline."""
    if kind not in queue_kinds(case):
        return None
    flags: set[QueueFlag] = set()
    if case.ratification is not None and case.ratification_pending:
        due = case.ratification.due_at
        flags.add(QueueFlag.RATIFICATION_PENDING)
    else:
        stage = DeadlineStage.DECISION if kind == QueueKind.DECISION else DeadlineStage.ASSESSMENT
        due = due_at(case, stage, now=now, policy=policy)
    if now > due:
        flags.add(QueueFlag.OVERDUE)
    if case.deadlines_missed:
        flags.add(QueueFlag.DEADLINE_MISSED)
    if case.ratification_missed:
        flags.add(QueueFlag.RATIFICATION_MISSED)
    if case.status == CaseStatus.PENDING_SECOND_APPROVAL:
        flags.add(QueueFlag.PENDING_SECOND_APPROVAL)
    if kind != QueueKind.DECISION and AssessmentKind(kind.value) in case.reassessment_due:
        flags.add(QueueFlag.INFORMATION_ANSWERED)
    return QueueEntry(
        case_id=case.case_id,
        kind=kind,
        urgency=case.urgency,
        country=case.country,
        status=case.status,
        due_at=due,
        time_left=due - now,
        flags=frozenset(flags),
        version=case.version,
    )


def build_queue(
    cases: Iterable[CaseFile], kind: QueueKind, *, now: datetime, policy: Policy
) -> list[QueueEntry]:
    """Most urgent first (emergency before standard), then the earliest due, then by case id."""
    entries = [e for c in cases if (e := queue_entry(c, kind, now=now, policy=policy))]
    return sorted(entries, key=lambda e: (e.urgency != Urgency.EMERGENCY, e.due_at, e.case_id))
