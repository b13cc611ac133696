"""Fund managers' decisions: segregation of duties, four eyes above a threshold, fast track."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

from services.assessment.domain.codes import (
    CaseStatus,
    Decision,
    RejectionReason,
    Role,
    Urgency,
)
from services.assessment.domain.errors import ErrorCode, refused
from services.assessment.domain.events import (
    ApprovalPendingSecond,
    ApprovalRatified,
    CaseApproved,
    CaseRejected,
    Result,
)
from services.assessment.domain.model import (
    CaseFile,
    FxRate,
    ItemAmount,
    Outcome,
    PendingApproval,
    Policy,
    Ratification,
    require_aware,
)
from shared.money import Money


def decide(
    case: CaseFile,
    *,
    manager: str,
    roles: Collection[str],
    decision: Decision,
    approved_items: Mapping[str, Money] | None = None,
    reason_code: str | None = None,
    now: datetime,
    fx: Mapping[str, FxRate],
    policy: Policy,
) -> Result:
    """Approve (positive amounts per item id; omitted items are not approved) or reject (a code).

    An approval may end as CaseApproved, or as ApprovalPendingSecond (HTTP 202) when it needs a
    second fund manager; the second calls decide() again with the same amounts.
    """
    require_aware(now)
    decision = Decision(decision)  # a plain "approve" from the edge must not fall through
    if Role.FUND_MANAGER not in roles:
        raise refused(ErrorCode.WRONG_ROLE, "only fund managers decide")
    case.ensure_not_final()
    if case.status == CaseStatus.INFORMATION_REQUESTED:
        raise refused(ErrorCode.INFORMATION_PENDING, "an information request is open")
    if case.missing_assessments:
        missing = ", ".join(sorted(case.missing_assessments))
        raise refused(ErrorCode.ASSESSMENT_MISSING, f"missing: {missing}")
    if manager in case.assessors:
        raise refused(ErrorCode.ASSESSOR_CANNOT_DECIDE, "you took part in assessing this case")
    if decision == Decision.REJECT:
        if approved_items:
            raise refused(ErrorCode.UNEXPECTED_FIELD, "a rejection carries no approved items")
        return _reject(case, manager, reason_code, now)
    if reason_code is not None:
        raise refused(ErrorCode.UNEXPECTED_FIELD, "an approval carries no reason code")
    pending = case.pending_approval
    if pending is not None and pending.first_manager == manager:
        raise refused(ErrorCode.SAME_MANAGER, "a second, different fund manager must approve")
    if not approved_items:
        raise refused(ErrorCode.APPROVED_ITEMS_REQUIRED, "approve at least one item")
    items = case.item_amounts(approved_items, allow_zero=False, allow_above_requested=False)
    if pending is not None:
        if items != pending.items:
            raise refused(ErrorCode.AMOUNTS_DIFFER_FROM_FIRST_APPROVAL, "amounts must match")
        return _approve(case, items, (pending.first_manager, manager), now)
    total = chf_equivalent(items, fx, today=now.date(), policy=policy)
    if (
        case.urgency == Urgency.EMERGENCY
        and total is not None
        and total <= policy.fast_track_limit.decimal
    ):
        ratification = Ratification(manager, now + policy.ratification_period)
        return _approve(case, items, (manager,), now, ratification=ratification)
    if total is None or total > policy.four_eyes_threshold.decimal:
        new = case.evolve(
            status=CaseStatus.PENDING_SECOND_APPROVAL,
            pending_approval=PendingApproval(manager, items, total, now),
        )
        event = ApprovalPendingSecond(
            case_id=case.case_id,
            occurred_at=now,
            first_manager=manager,
            approved_items=items,
            total_chf=total,
        )
        return Result(new, [event])
    return _approve(case, items, (manager,), now)


def confirms_another(case: CaseFile, decision: Decision | None = None) -> bool:
    """Whether the decision confirms what another fund manager decided: a second approval
    confirms the first, a ratification (`decision` None) the fast-tracked approval. The one who
    confirms must name the version of the case they reviewed (If-Match)."""
    if decision is None:
        return True
    return Decision(decision) == Decision.APPROVE and (
        case.status == CaseStatus.PENDING_SECOND_APPROVAL
    )


def ratify(case: CaseFile, *, manager: str, roles: Collection[str], now: datetime) -> Result:
    """A second fund manager confirms a fast-tracked emergency approval; late is still accepted."""
    require_aware(now)
    if Role.FUND_MANAGER not in roles:
        raise refused(ErrorCode.WRONG_ROLE, "only fund managers ratify")
    if case.status == CaseStatus.WITHDRAWN:
        raise refused(ErrorCode.CASE_WITHDRAWN, "the case was withdrawn")
    ratification = case.ratification
    if ratification is None or not case.ratification_pending:
        raise refused(ErrorCode.NOTHING_TO_RATIFY, "no fast-track approval awaits ratification")
    if manager == ratification.first_manager:
        raise refused(ErrorCode.SAME_MANAGER, "a second, different fund manager must ratify")
    if manager in case.assessors:
        raise refused(ErrorCode.ASSESSOR_CANNOT_DECIDE, "you took part in assessing this case")
    new = case.evolve(ratification=replace(ratification, ratified_by=manager, ratified_at=now))
    event = ApprovalRatified(
        case_id=case.case_id,
        occurred_at=now,
        ratified_by=manager,
        first_manager=ratification.first_manager,
        late=now > ratification.due_at,
    )
    return Result(new, [event])


def chf_equivalent(
    items: Iterable[ItemAmount], fx: Mapping[str, FxRate], *, today: date, policy: Policy
) -> Decimal | None:
    """The CHF total, or None when a currency has no usable rate (then above every limit)."""
    total = Decimal(0)
    for line in items:
        if line.amount.currency == "CHF":
            total += line.amount.decimal
            continue
        rate = fx.get(line.amount.currency)
        if rate is None or rate.rate <= 0:
            return None
        if policy.fx_max_age is not None and today - rate.as_of > policy.fx_max_age:
            return None
        total += line.amount.decimal * rate.rate
    return total


def _reject(case: CaseFile, manager: str, reason_code: str | None, now: datetime) -> Result:
    if reason_code is None:
        raise refused(ErrorCode.REASON_CODE_REQUIRED, "a rejection needs a reason code")
    try:
        reason = RejectionReason(reason_code)
    except ValueError:
        raise refused(ErrorCode.UNKNOWN_REASON_CODE, "not a known reason code") from None
    new = case.evolve(
        status=CaseStatus.REJECTED,
        outcome=Outcome(Decision.REJECT, (), reason, (manager,), now),
        pending_approval=None,
    )
    event = CaseRejected(
        case_id=case.case_id, occurred_at=now, reason_code=reason, decided_by=(manager,)
    )
    return Result(new, [event])


def _approve(
    case: CaseFile,
    items: tuple[ItemAmount, ...],
    decided_by: tuple[str, ...],
    now: datetime,
    *,
    ratification: Ratification | None = None,
) -> Result:
    fast_track = ratification is not None
    new = case.evolve(
        status=CaseStatus.APPROVED,
        outcome=Outcome(Decision.APPROVE, items, None, decided_by, now, fast_track),
        pending_approval=None,
        ratification=ratification,
    )
    event = CaseApproved(
        case_id=case.case_id,
        occurred_at=now,
        org_id=case.org_id,
        country=case.country,
        urgency=case.urgency,
        approved_items=items,
        decided_by=decided_by,
        fast_track=fast_track,
    )
    return Result(new, [event])
