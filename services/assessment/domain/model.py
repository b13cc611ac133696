"""The CaseFile aggregate, its value objects, and the fund's policy."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal

from services.assessment.domain.codes import (
    OPEN_STATUSES,
    AssessmentKind,
    CaseStatus,
    Category,
    DeadlineStage,
    Decision,
    QuestionCategory,
    Recommendation,
    RejectionReason,
    Urgency,
)
from services.assessment.domain.errors import ErrorCode, refused
from shared.money import MAX_MINOR, Money


@dataclass(frozen=True, slots=True)
class RequestedItem:
    item_id: str
    category: Category
    amount: Money


@dataclass(frozen=True, slots=True)
class ItemAmount:
    """An amount for one requested item (recommended or approved), named by the item's id."""

    item_id: str
    category: Category
    amount: Money


@dataclass(frozen=True, slots=True)
class Assessment:
    kind: AssessmentKind
    assessor: str
    recommendation: Recommendation
    amounts: tuple[ItemAmount, ...]
    has_reason_for_exceeding: bool
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class ReviewRequest:
    kind: AssessmentKind
    requested_by: str
    requested_at: datetime


@dataclass(frozen=True, slots=True)
class InformationRequest:
    request_id: str
    kind: AssessmentKind
    requested_by: str
    category: QuestionCategory
    requested_at: datetime
    answered_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


@dataclass(frozen=True, slots=True)
class PendingApproval:
    first_manager: str
    items: tuple[ItemAmount, ...]
    total_chf: Decimal | None  # None: a currency had no known rate
    approved_at: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    decision: Decision
    items: tuple[ItemAmount, ...]
    reason_code: RejectionReason | None
    decided_by: tuple[str, ...]
    decided_at: datetime
    fast_track: bool = False


@dataclass(frozen=True, slots=True)
class Ratification:
    first_manager: str
    due_at: datetime
    ratified_by: str | None = None
    ratified_at: datetime | None = None

    @property
    def is_pending(self) -> bool:
        return self.ratified_by is None


@dataclass(frozen=True, slots=True, kw_only=True)
class CaseFile:
    """What the assessment service knows of one case: no personal data, only ids, codes, money."""

    case_id: str
    org_id: str
    country: str
    urgency: Urgency
    items: tuple[RequestedItem, ...]
    required: frozenset[AssessmentKind]
    review_requests: tuple[ReviewRequest, ...] = ()  # social/relocation sent to a specialist
    assessments: tuple[Assessment, ...] = ()  # full history; the latest of a kind supersedes
    information_requests: tuple[InformationRequest, ...] = ()
    # kinds whose information request was answered after their latest assessment: back in queue
    reassessment_due: frozenset[AssessmentKind] = frozenset()
    status: CaseStatus = CaseStatus.IN_ASSESSMENT
    pending_approval: PendingApproval | None = None
    ratification: Ratification | None = None
    outcome: Outcome | None = None
    submitted_at: datetime
    paused_total: timedelta = timedelta(0)
    paused_since: datetime | None = None
    deadlines_approaching: frozenset[DeadlineStage] = frozenset()  # announced, once each
    deadlines_missed: frozenset[DeadlineStage] = frozenset()
    ratification_missed: bool = False
    version: int = 1

    def item(self, item_id: str) -> RequestedItem | None:
        return next((i for i in self.items if i.item_id == item_id), None)

    def latest_assessment(self, kind: AssessmentKind) -> Assessment | None:
        return next((a for a in reversed(self.assessments) if a.kind == kind), None)

    def open_requests(self, kind: AssessmentKind | None = None) -> tuple[InformationRequest, ...]:
        return tuple(
            r for r in self.information_requests if r.is_open and (kind is None or r.kind == kind)
        )

    def is_satisfied(self, kind: AssessmentKind) -> bool:
        """A kind is done when its latest assessment concludes and no question of it is pending."""
        latest = self.latest_assessment(kind)
        return (
            latest is not None
            and latest.recommendation != Recommendation.MORE_INFORMATION
            and kind not in self.reassessment_due
            and not self.open_requests(kind)
        )

    @property
    def missing_assessments(self) -> frozenset[AssessmentKind]:
        return frozenset(k for k in self.required if not self.is_satisfied(k))

    @property
    def assessors(self) -> frozenset[str]:
        """Everyone who took part in assessing: they may never decide or ratify this case."""
        return (
            frozenset(a.assessor for a in self.assessments)
            | frozenset(r.requested_by for r in self.information_requests)
            | frozenset(r.requested_by for r in self.review_requests)
        )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def ratification_pending(self) -> bool:
        return (
            self.ratification is not None
            and self.ratification.is_pending
            and self.status == CaseStatus.APPROVED
        )

    def evolve(self, **changes: object) -> CaseFile:
        """The next version (the ETag): changes applied and an undecided case's status settled."""
        new = replace(self, version=self.version + 1, **changes)  # type: ignore[arg-type]
        if not new.is_open:
            return new
        if new.open_requests():
            status = CaseStatus.INFORMATION_REQUESTED
        elif new.missing_assessments:
            status = CaseStatus.IN_ASSESSMENT
        else:
            status = CaseStatus.AWAITING_DECISION
        return replace(new, status=status)

    def ensure_not_final(self) -> None:
        if self.status == CaseStatus.WITHDRAWN:
            raise refused(ErrorCode.CASE_WITHDRAWN, "the case was withdrawn")
        if self.status in (CaseStatus.APPROVED, CaseStatus.REJECTED):
            raise refused(ErrorCode.ALREADY_DECIDED, f"the case was {self.status}")

    def ensure_undecided(self) -> None:
        """Assessing stops once a first approval is on the table: its basis must not move."""
        self.ensure_not_final()
        if self.status == CaseStatus.PENDING_SECOND_APPROVAL:
            raise refused(ErrorCode.DECISION_PENDING, "a first approval awaits its second")

    def item_amounts(
        self, amounts: Mapping[str, Money], *, allow_zero: bool, allow_above_requested: bool
    ) -> tuple[ItemAmount, ...]:
        """Validated amounts in the order of the case's items, so equal approvals compare equal."""
        for item_id, money in amounts.items():
            item = self.item(item_id)
            if item is None:
                raise refused(ErrorCode.UNKNOWN_ITEM, f"item {item_id}")
            if money.currency != item.amount.currency:
                raise refused(ErrorCode.CURRENCY_MISMATCH, f"item {item_id}: wrong currency")
            if money.minor < 0:
                raise refused(ErrorCode.NEGATIVE_AMOUNT, f"item {item_id}")
            if money.minor == 0 and not allow_zero:
                raise refused(ErrorCode.AMOUNT_NOT_POSITIVE, f"item {item_id}: omit it instead")
            if item.amount < money and not allow_above_requested:
                raise refused(ErrorCode.AMOUNT_ABOVE_REQUESTED, f"item {item_id}")
        totals: dict[str, int] = defaultdict(int)
        for money in amounts.values():
            totals[money.currency] += money.minor
        for currency, total in sorted(totals.items()):
            if total > MAX_MINOR:  # what the case's total becomes downstream must be money too
                raise refused(ErrorCode.TOTAL_TOO_LARGE, f"the {currency} total is too large")
        return tuple(
            ItemAmount(i.item_id, i.category, amounts[i.item_id])
            for i in self.items
            if i.item_id in amounts
        )


def require_aware(moment: datetime) -> None:
    """Times come from an injected clock and must be timezone-aware; naive ones are a bug."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("times must be timezone-aware (UTC)")


@dataclass(frozen=True, slots=True)
class FxRate:
    """Units of CHF for one unit of the currency, as learnt from disbursement's rate events."""

    rate: Decimal
    as_of: date


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """The fund's configurable rules; the defaults are the contract's."""

    emergency_decision: timedelta = timedelta(hours=48)
    standard_decision: timedelta = timedelta(days=30)
    emergency_assessment: timedelta = timedelta(hours=24)
    standard_assessment: timedelta = timedelta(days=20)
    four_eyes_threshold: Money = field(default_factory=lambda: Money.parse("5000.00", "CHF"))
    fast_track_limit: Money = field(default_factory=lambda: Money.parse("2000.00", "CHF"))
    ratification_period: timedelta = timedelta(days=7)
    fx_max_age: timedelta | None = None  # None: any known rate is used, however old
    # How long before a stage's deadline it is announced as approaching; zero: never announced.
    deadline_approaching: timedelta = timedelta(hours=12)

    def __post_init__(self) -> None:
        if self.four_eyes_threshold.currency != "CHF" or self.fast_track_limit.currency != "CHF":
            raise ValueError("thresholds are CHF amounts")

    def deadline(self, urgency: Urgency, stage: DeadlineStage) -> timedelta:
        emergency = urgency == Urgency.EMERGENCY
        if stage == DeadlineStage.ASSESSMENT:
            return self.emergency_assessment if emergency else self.standard_assessment
        return self.emergency_decision if emergency else self.standard_decision
