"""What the assessment API shows: the case view and queue lines; ids, codes, money and times."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.assessment import domain, repository
from services.assessment.domain.actions import available_actions
from services.assessment.domain.codes import AssessmentKind, DeadlineStage
from services.assessment.domain.model import CaseFile, Policy
from services.assessment.domain.queues import QueueEntry
from services.assessment.repository import RecordedAssessment, StoredCase
from services.assessment.repository.state import item_lines
from shared.db import Connection

POSSIBLE_DUPLICATE = "possible_duplicate"
FAST_TRACK = "fast_track"
Body = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who reads the case: the view says which actions this person may take on it."""

    sub: str
    roles: Collection[str]


def _t(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _deadline(case: CaseFile, stage: DeadlineStage, now: datetime, policy: Policy) -> Body:
    due = domain.due_at(case, stage, now=now, policy=policy)
    return {
        "due_at": due.isoformat(),
        "time_left_seconds": int((due - now).total_seconds()),
        "missed": stage in case.deadlines_missed,
    }


def flags(entry: QueueEntry | None, stored: StoredCase) -> list[str]:
    found = {f.value for f in entry.flags} if entry is not None else set()
    case = stored.case
    if case.deadlines_missed:
        found.add("deadline_missed")
    if case.ratification_pending:
        found.add("ratification_pending")
    if case.ratification_missed:
        found.add("ratification_missed")
    if stored.possible_duplicate:
        found.add(POSSIBLE_DUPLICATE)
    if case.outcome is not None and case.outcome.fast_track:
        found.add(FAST_TRACK)
    return sorted(found)


def queue_line(entry: QueueEntry, stored: StoredCase) -> Body:
    case = stored.case
    return {
        "case_id": case.case_id,
        "reference": stored.reference,
        "kind": entry.kind.value,
        "urgency": entry.urgency.value,
        "country": entry.country,
        "status": entry.status.value,
        "categories": sorted({i.category.value for i in case.items}),
        "submitted_at": case.submitted_at.isoformat(),
        "due_at": entry.due_at.isoformat(),
        "time_left_seconds": int(entry.time_left.total_seconds()),
        "flags": flags(entry, stored),
        "version": entry.version,
    }


async def case_body(
    conn: Connection, stored: StoredCase, *, now: datetime, policy: Policy, viewer: Viewer
) -> Body:
    """The case view with its assessments' history (one query for the notes)."""
    assessments = await repository.assessments_of(conn, case_id=stored.case.case_id)
    return case_view(stored, assessments, now=now, policy=policy, viewer=viewer)


def case_view(
    stored: StoredCase,
    assessments: Sequence[RecordedAssessment],
    *,
    now: datetime,
    policy: Policy,
    viewer: Viewer,
) -> Body:
    """The assessment view of a case; notes are shown to its assessors and fund managers, and
    `actions` names what the viewer may do to it now (what the service would accept)."""
    case = stored.case
    entries = [
        e
        for k in sorted(domain.queue_kinds(case))
        if (e := domain.queue_entry(case, k, now=now, policy=policy)) is not None
    ]
    first = entries[0] if entries else None
    return {
        "case_id": case.case_id,
        "reference": stored.reference,
        "org_id": case.org_id,
        "country": case.country,
        "urgency": case.urgency.value,
        "status": case.status.value,
        "submitted_at": case.submitted_at.isoformat(),
        "items": item_lines(case.items),
        "needs": {
            "required": sorted(k.value for k in case.required),
            "missing": sorted(k.value for k in case.missing_assessments),
            "reassessment_due": sorted(k.value for k in case.reassessment_due),
        },
        "queues": [e.kind.value for e in entries],
        "due_at": _t(first.due_at if first else None),
        "time_left_seconds": int(first.time_left.total_seconds()) if first else None,
        "deadlines": {
            s.value: _deadline(case, s, now, policy)
            for s in (DeadlineStage.ASSESSMENT, DeadlineStage.DECISION)
        },
        "flags": flags(first, stored),
        "assessments": [
            {
                "kind": r.kind,
                "assessor": r.assessor,
                "recommendation": r.recommendation,
                "recommended_items": r.recommended_items,
                "notes": r.notes,
                "exceeding_reason": r.exceeding_reason,
                "recorded_at": _t(r.recorded_at),
            }
            for r in assessments
        ],
        "review_requests": [
            {
                "kind": r.kind.value,
                "requested_by": r.requested_by,
                "requested_at": _t(r.requested_at),
            }
            for r in case.review_requests
        ],
        "information_requests": [
            {
                "request_id": r.request_id,
                "kind": r.kind.value,
                "question_category": r.category.value,
                "requested_by": r.requested_by,
                "requested_at": _t(r.requested_at),
                "answered_at": _t(r.answered_at),
            }
            for r in case.information_requests
        ],
        "decision": _decision(case),
        "actions": [
            a.value
            for a in available_actions(
                case, who=viewer.sub, roles=viewer.roles, now=now, policy=policy
            )
        ],
        "version": case.version,
    }


def _decision(case: CaseFile) -> Body:
    pending, ratification, outcome = case.pending_approval, case.ratification, case.outcome
    return {
        "pending_approval": None
        if pending is None
        else {
            "first_decider": pending.first_manager,
            "approved_items": item_lines(pending.items),
            "total_chf": None if pending.total_chf is None else f"{pending.total_chf:.2f}",
            "approved_at": _t(pending.approved_at),
        },
        "outcome": None
        if outcome is None
        else {
            "decision": outcome.decision.value,
            "approved_items": item_lines(outcome.items),
            "reason_code": None if outcome.reason_code is None else outcome.reason_code.value,
            "decided_by": list(outcome.decided_by),
            "decided_at": _t(outcome.decided_at),
            "fast_track": outcome.fast_track,
        },
        "ratification": None
        if ratification is None
        else {
            "first_decider": ratification.first_manager,
            "due_at": _t(ratification.due_at),
            "ratified_by": ratification.ratified_by,
            "ratified_at": _t(ratification.ratified_at),
            "missed": case.ratification_missed,
        },
    }


def kinds_of(roles: Iterable[str]) -> list[AssessmentKind]:
    return [k for k in AssessmentKind if f"{k.value}_assessor" in set(roles)]
