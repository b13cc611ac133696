"""Opening, assessing, review and information requests, withdrawal: pure transitions from
(case, command, now) to Result(case, events), or a refusal (errors.refused)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from services.assessment.domain.codes import (
    ASSESSOR_ROLE,
    NEEDED_FOR,
    AssessmentKind,
    CaseStatus,
    QuestionCategory,
    Recommendation,
    Urgency,
)
from services.assessment.domain.errors import ErrorCode, refused
from services.assessment.domain.events import (
    AssessmentCompleted,
    InformationRequested,
    LegalAssessmentCompleted,
    MedicalAssessmentCompleted,
    Result,
    ReviewRequested,
)
from services.assessment.domain.model import (
    Assessment,
    CaseFile,
    InformationRequest,
    RequestedItem,
    ReviewRequest,
    require_aware,
)
from shared.money import Money

_REQUEST_NAMESPACE = uuid.UUID("6f1d8a52-3c3e-4d7e-9a57-6b0f2f1f5a10")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def open_case(
    *,
    case_id: str,
    org_id: str,
    country: str,
    urgency: Urgency,
    items: Sequence[RequestedItem],
    needs_medical: bool = False,
    needs_legal: bool = False,
    submitted_at: datetime,
) -> Result:
    """The case file born of intake's `case.submitted`; needs follow the categories and flags."""
    require_aware(submitted_at)
    if not items or len({i.item_id for i in items}) != len(items):
        raise refused(ErrorCode.INVALID_CASE, "items must be non-empty with unique ids")
    if any(i.amount.minor <= 0 for i in items):
        raise refused(ErrorCode.INVALID_CASE, "requested amounts must be positive")
    if not _COUNTRY.match(country):
        raise refused(ErrorCode.INVALID_CASE, "country must be ISO 3166-1 alpha-2")
    required = {NEEDED_FOR[i.category] for i in items if i.category in NEEDED_FOR}
    required |= {AssessmentKind.MEDICAL} if needs_medical else set()
    required |= {AssessmentKind.LEGAL} if needs_legal else set()
    case = CaseFile(
        case_id=case_id,
        org_id=org_id,
        country=country,
        urgency=urgency,
        items=tuple(items),
        required=frozenset(required),
        submitted_at=submitted_at,
        status=CaseStatus.IN_ASSESSMENT if required else CaseStatus.AWAITING_DECISION,
    )
    return Result(case, [])


def record_assessment(
    case: CaseFile,
    *,
    kind: AssessmentKind,
    assessor: str,
    roles: Collection[str],
    recommendation: Recommendation,
    amounts: Mapping[str, Money],
    now: datetime,
    has_reason_for_exceeding: bool = False,
) -> Result:
    """Record an assessment; a later one of the same kind supersedes the earlier (history kept)."""
    require_aware(now)
    kind, recommendation = AssessmentKind(kind), Recommendation(recommendation)
    if ASSESSOR_ROLE[kind] not in roles:
        raise refused(ErrorCode.WRONG_ROLE, f"a {kind} assessment needs {ASSESSOR_ROLE[kind]}")
    case.ensure_undecided()
    if kind not in case.required:
        raise refused(ErrorCode.NOT_REQUIRED, f"this case needs no {kind} assessment")
    recommended = case.item_amounts(
        amounts, allow_zero=True, allow_above_requested=has_reason_for_exceeding
    )
    assessment = Assessment(
        kind=kind,
        assessor=assessor,
        recommendation=recommendation,
        amounts=recommended,
        has_reason_for_exceeding=has_reason_for_exceeding,
        recorded_at=now,
    )
    new = case.evolve(
        assessments=(*case.assessments, assessment),
        reassessment_due=case.reassessment_due - {kind},
    )
    event_type = (
        MedicalAssessmentCompleted if kind == AssessmentKind.MEDICAL else LegalAssessmentCompleted
    )
    event: AssessmentCompleted = event_type(
        case_id=case.case_id,
        occurred_at=now,
        assessor=assessor,
        recommendation=recommendation,
        recommended_items=recommended,
        has_reason_for_exceeding=has_reason_for_exceeding,
    )
    return Result(new, [event])


def request_review(
    case: CaseFile, *, kind: AssessmentKind, assessor: str, roles: Collection[str], now: datetime
) -> Result:
    """An assessor asks that a specialist of their own kind review the case: the need is added."""
    require_aware(now)
    kind = AssessmentKind(kind)
    if ASSESSOR_ROLE[kind] not in roles:
        raise refused(ErrorCode.WRONG_ROLE, f"a {kind} review needs {ASSESSOR_ROLE[kind]}")
    case.ensure_undecided()
    if kind in case.required:
        raise refused(ErrorCode.ALREADY_REQUIRED, f"a {kind} assessment is already required")
    new = case.evolve(
        required=case.required | {kind},
        review_requests=(*case.review_requests, ReviewRequest(kind, assessor, now)),
    )
    event = ReviewRequested(case_id=case.case_id, occurred_at=now, kind=kind, requested_by=assessor)
    return Result(new, [event])


def request_information(
    case: CaseFile,
    *,
    assessor: str,
    roles: Collection[str],
    category_code: str,
    now: datetime,
    request_id: str | None = None,
) -> Result:
    """An assessor asks the caseworker a question from the fixed list; the deadline clock pauses."""
    require_aware(now)
    own_kinds = [k for k, role in ASSESSOR_ROLE.items() if role in roles]
    if not own_kinds:
        raise refused(ErrorCode.WRONG_ROLE, "only assessors request information")
    case.ensure_undecided()
    try:
        category = QuestionCategory(category_code)
    except ValueError:
        raise refused(ErrorCode.UNKNOWN_QUESTION_CATEGORY, "not a known question") from None
    candidates = [k for k in own_kinds if k in case.required]
    if not candidates:
        raise refused(ErrorCode.NOT_REQUIRED, "no assessment of the assessor's kind is needed")
    # the answer goes back to the queue of a kind still missing, if the assessor holds two roles
    kind = next((k for k in candidates if not case.is_satisfied(k)), candidates[0])
    rid = request_id or str(
        uuid.uuid5(_REQUEST_NAMESPACE, f"{case.case_id}/{len(case.information_requests)}")
    )
    request = InformationRequest(rid, kind, assessor, category, now)
    new = case.evolve(
        information_requests=(*case.information_requests, request),
        paused_since=case.paused_since or now,
    )
    event = InformationRequested(
        case_id=case.case_id,
        occurred_at=now,
        request_id=rid,
        question_category=category,
        requested_by=assessor,
    )
    return Result(new, [event])


def information_provided(case: CaseFile, *, request_id: str, now: datetime) -> Result:
    """Intake's answer: back to the asking assessor's queue; the clock resumes when none is open."""
    require_aware(now)
    request = next((r for r in case.information_requests if r.request_id == request_id), None)
    if request is None:
        raise refused(ErrorCode.UNKNOWN_REQUEST, "no such information request")
    if not request.is_open:
        return Result(case, [])  # a second answer changes nothing
    answered = replace(request, answered_at=now)
    requests = tuple(answered if r is request else r for r in case.information_requests)
    paused_total, paused_since = case.paused_total, case.paused_since
    if paused_since is not None and not any(r.is_open for r in requests):
        paused_total += max(now - paused_since, timedelta(0))
        paused_since = None
    new = case.evolve(
        information_requests=requests,
        reassessment_due=case.reassessment_due | {request.kind},
        paused_total=paused_total,
        paused_since=paused_since,
    )
    return Result(new, [])


def withdraw(case: CaseFile, *, now: datetime) -> Result:
    """Intake's withdrawal ends the case here whatever its state; a repeated one is a no-op."""
    require_aware(now)
    if case.status == CaseStatus.WITHDRAWN:
        return Result(case, [])
    paused_total = case.paused_total
    if case.paused_since is not None:
        paused_total += max(now - case.paused_since, timedelta(0))
    new = case.evolve(
        status=CaseStatus.WITHDRAWN,
        pending_approval=None,
        paused_total=paused_total,
        paused_since=None,
    )
    return Result(new, [])
