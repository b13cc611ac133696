"""The assessment vocabulary: the codes a case, a command and a queue speak in."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum


class Urgency(StrEnum):
    EMERGENCY = "emergency"
    STANDARD = "standard"


class Category(StrEnum):
    MEDICAL = "medical"
    PSYCHOLOGICAL = "psychological"
    SOCIAL = "social"
    LEGAL = "legal"
    RELOCATION = "relocation"


class AssessmentKind(StrEnum):
    MEDICAL = "medical"
    LEGAL = "legal"


class Role(StrEnum):
    MEDICAL_ASSESSOR = "medical_assessor"
    LEGAL_ASSESSOR = "legal_assessor"
    FUND_MANAGER = "fund_manager"


ASSESSOR_ROLE: Mapping[AssessmentKind, Role] = {
    AssessmentKind.MEDICAL: Role.MEDICAL_ASSESSOR,
    AssessmentKind.LEGAL: Role.LEGAL_ASSESSOR,
}

# Social and relocation items need no specialist unless an assessor asks to review them.
NEEDED_FOR: Mapping[Category, AssessmentKind] = {
    Category.MEDICAL: AssessmentKind.MEDICAL,
    Category.PSYCHOLOGICAL: AssessmentKind.MEDICAL,
    Category.LEGAL: AssessmentKind.LEGAL,
}


class Recommendation(StrEnum):
    SUPPORT = "support"
    DECLINE = "decline"
    MORE_INFORMATION = "more_information"


class Decision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


class RejectionReason(StrEnum):
    OUTSIDE_MANDATE = "outside_mandate"
    INSUFFICIENT_EVIDENCE = "insufficient_evidence"
    OTHER_SUPPORT_AVAILABLE = "other_support_available"
    DUPLICATE = "duplicate"
    INCOMPLETE = "incomplete"
    BUDGET_POLICY = "budget_policy"


class QuestionCategory(StrEnum):
    """What an assessor may ask for: a fixed list, so no free text about the victim travels."""

    MEDICAL_REPORT = "medical_report"
    TREATMENT_PLAN = "treatment_plan"
    COST_ESTIMATE = "cost_estimate"
    PROVIDER_QUOTE = "provider_quote"
    LEGAL_DOCUMENTS = "legal_documents"
    NO_OTHER_SUPPORT_EVIDENCE = "no_other_support_evidence"
    CONSENT_CONFIRMATION = "consent_confirmation"
    ITEM_CLARIFICATION = "item_clarification"


class CaseStatus(StrEnum):
    IN_ASSESSMENT = "in_assessment"
    INFORMATION_REQUESTED = "information_requested"
    AWAITING_DECISION = "awaiting_decision"
    PENDING_SECOND_APPROVAL = "pending_second_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


OPEN_STATUSES = frozenset(
    {CaseStatus.IN_ASSESSMENT, CaseStatus.INFORMATION_REQUESTED, CaseStatus.AWAITING_DECISION}
)


class DeadlineStage(StrEnum):
    """Assessment: every required assessment recorded; decision: a final approve or reject."""

    ASSESSMENT = "assessment"
    DECISION = "decision"


class QueueKind(StrEnum):
    MEDICAL = "medical"
    LEGAL = "legal"
    DECISION = "decision"


class QueueFlag(StrEnum):
    OVERDUE = "overdue"
    DEADLINE_MISSED = "deadline_missed"
    INFORMATION_ANSWERED = "information_answered"
    PENDING_SECOND_APPROVAL = "pending_second_approval"
    RATIFICATION_PENDING = "ratification_pending"
    RATIFICATION_MISSED = "ratification_missed"
