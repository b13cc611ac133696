"""Domain events (past tense, mapped by the service onto shared.events) and command results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from services.assessment.domain.codes import (
    AssessmentKind,
    DeadlineStage,
    QuestionCategory,
    Recommendation,
    RejectionReason,
    Urgency,
)
from services.assessment.domain.model import (
    CaseFile,
    ItemAmount,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainEvent:
    case_id: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class AssessmentCompleted(DomainEvent):
    assessor: str
    recommendation: Recommendation
    recommended_items: tuple[ItemAmount, ...]
    has_reason_for_exceeding: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class MedicalAssessmentCompleted(AssessmentCompleted):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class LegalAssessmentCompleted(AssessmentCompleted):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ReviewRequested(DomainEvent):
    kind: AssessmentKind
    requested_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class InformationRequested(DomainEvent):
    request_id: str
    question_category: QuestionCategory
    requested_by: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalPendingSecond(DomainEvent):
    first_manager: str
    approved_items: tuple[ItemAmount, ...]
    total_chf: Decimal | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseApproved(DomainEvent):
    org_id: str
    country: str
    urgency: Urgency
    approved_items: tuple[ItemAmount, ...]
    decided_by: tuple[str, ...]
    fast_track: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseRejected(DomainEvent):
    reason_code: RejectionReason
    decided_by: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class ApprovalRatified(DomainEvent):
    ratified_by: str
    first_manager: str
    late: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RatificationMissed(DomainEvent):
    first_manager: str
    due_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineApproaching(DomainEvent):
    stage: DeadlineStage
    due_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlineMissed(DomainEvent):
    stage: DeadlineStage
    due_at: datetime


class Result(NamedTuple):
    """What every command returns: the next state of the case and the events it caused."""

    case: CaseFile
    events: list[DomainEvent]
