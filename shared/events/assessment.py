"""Events published by the assessment service: assessments, information requests, decisions."""

from datetime import datetime
from typing import Literal

from shared.events.common import CountryCode, Id, Item, Urgency
from shared.events.envelope import EventData

Recommendation = Literal["support", "decline", "more_information"]


class InformationRequested(EventData):
    case_id: Id
    request_id: Id
    question_category: str
    requested_by: Id


class AssessmentCompleted(EventData):
    case_id: Id
    assessor: Id
    recommendation: Recommendation
    recommended_items: list[Item]
    has_reason_for_exceeding: bool = False


class MedicalAssessmentCompleted(AssessmentCompleted):
    pass


class LegalAssessmentCompleted(AssessmentCompleted):
    pass


class ReviewRequested(EventData):
    case_id: Id
    kind: Literal["medical", "legal"]
    requested_by: Id


class ApprovalPending(EventData):
    case_id: Id
    first_decider: Id
    approved_items: list[Item]
    # The CHF equivalent that put it above the threshold; None when a rate was unknown.
    total_chf: str | None = None


class CaseApproved(EventData):
    case_id: Id
    org_id: Id
    country: CountryCode
    urgency: Urgency
    approved_items: list[Item]
    decided_by: list[Id]
    fast_track: bool = False


class CaseRejected(EventData):
    case_id: Id
    reason_code: str
    decided_by: list[Id]


class ApprovalRatified(EventData):
    case_id: Id
    ratified_by: Id
    first_decider: Id | None = None
    late: bool = False


class RatificationMissed(EventData):
    case_id: Id
    due_at: datetime
    first_decider: Id | None = None


class DeadlineMissed(EventData):
    case_id: Id
    stage: Literal["assessment", "decision", "ratification"]
    due_at: datetime


class DeadlineApproaching(EventData):
    """A stage's deadline is near (12 hours by default); announced once per stage."""

    case_id: Id
    stage: Literal["assessment", "decision"]
    due_at: datetime
