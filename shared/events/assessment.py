"""Events published by the assessment service: assessments, information requests, decisions,
deadlines. Every field is required unless the catalogue says when it may be absent or null."""

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from shared.events.common import CountryCode, Id, Item, Urgency
from shared.events.envelope import EventData

Recommendation = Literal["support", "decline", "more_information"]
RejectionReason = Literal[
    "outside_mandate",
    "insufficient_evidence",
    "other_support_available",
    "duplicate",
    "incomplete",
    "budget_policy",
]
Stage = Literal["assessment", "decision"]
# A code from the fixed list of questions an assessor may ask: never free text about a person.
QuestionCode = Annotated[str, Field(pattern=r"^[a-z][a-z_]{0,63}$", examples=["medical_report"])]
# A case has at most 50 items; an approval names at least one, and one or two fund managers.
Items = Annotated[list[Item], Field(max_length=50)]
ApprovedItems = Annotated[list[Item], Field(min_length=1, max_length=50)]
Deciders = Annotated[list[Id], Field(min_length=1, max_length=2)]
ChfTotal = Annotated[str, Field(pattern=r"^\d+\.\d{2}$", examples=["6500.00"])]


class InformationRequested(EventData):
    case_id: Id
    request_id: Id
    question_category: QuestionCode
    requested_by: Id


class AssessmentCompleted(EventData):
    case_id: Id
    assessor: Id
    recommendation: Recommendation
    recommended_items: Items  # empty when nothing is recommended (a decline)
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
    approved_items: ApprovedItems
    # The CHF equivalent that put it above the threshold; null (the one null) when a currency
    # had no known rate, which is itself what asks for the second approval.
    total_chf: ChfTotal | None = None


class CaseApproved(EventData):
    case_id: Id
    org_id: Id
    country: CountryCode
    urgency: Urgency
    approved_items: ApprovedItems
    decided_by: Deciders
    fast_track: bool = False


class CaseRejected(EventData):
    case_id: Id
    reason_code: RejectionReason
    decided_by: Deciders


class ApprovalRatified(EventData):
    case_id: Id
    ratified_by: Id
    first_decider: Id
    late: bool = False


class RatificationMissed(EventData):
    case_id: Id
    due_at: AwareDatetime
    first_decider: Id


class DeadlineMissed(EventData):
    case_id: Id
    stage: Stage
    due_at: AwareDatetime


class DeadlineApproaching(EventData):
    """A stage's deadline is near (12 hours by default); announced once per stage."""

    case_id: Id
    stage: Stage
    due_at: AwareDatetime
