"""Builders of valid assessment case files and commands for the unit tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from services.assessment import domain
from services.assessment.domain.codes import (
    AssessmentKind,
    Category,
    Decision,
    Recommendation,
    Urgency,
)
from services.assessment.domain.events import Result
from services.assessment.domain.model import (
    CaseFile,
    FxRate,
    Policy,
    RequestedItem,
)
from shared.money import Money

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
POLICY = Policy()
FX: Mapping[str, FxRate] = {
    "EUR": FxRate(Decimal("0.95"), date(2025, 2, 28)),
    "USD": FxRate(Decimal("0.90"), date(2024, 12, 1)),  # old: stale under an fx_max_age policy
}
MEDICAL = ("medical_assessor",)
LEGAL = ("legal_assessor",)
MANAGER = ("fund_manager",)
ROLES_OF = {AssessmentKind.MEDICAL: MEDICAL, AssessmentKind.LEGAL: LEGAL}


def money(amount: str, currency: str = "CHF") -> Money:
    return Money.parse(amount, currency)


def item(item_id: str, category: str, amount: str, currency: str = "CHF") -> RequestedItem:
    return RequestedItem(item_id, Category(category), money(amount, currency))


def new_case(
    *items: RequestedItem,
    urgency: str = "standard",
    needs_medical: bool = False,
    needs_legal: bool = False,
    case_id: str = "case-1",
    at: datetime = T0,
) -> CaseFile:
    return domain.open_case(
        case_id=case_id,
        org_id="org-a",
        country="UA",
        urgency=Urgency(urgency),
        items=items or (item("i1", "medical", "1000.00"),),
        needs_medical=needs_medical,
        needs_legal=needs_legal,
        submitted_at=at,
    ).case


def full_amounts(case: CaseFile) -> dict[str, Money]:
    return {i.item_id: i.amount for i in case.items}


def assess(
    case: CaseFile,
    kind: AssessmentKind,
    *,
    assessor: str | None = None,
    recommendation: str = "support",
    amounts: Mapping[str, Money] | None = None,
    at: datetime = T0,
) -> Result:
    return domain.record_assessment(
        case,
        kind=kind,
        assessor=assessor or f"{kind}-1",
        roles=ROLES_OF[kind],
        recommendation=Recommendation(recommendation),
        amounts=full_amounts(case) if amounts is None else amounts,
        now=at,
    )


def assessed(case: CaseFile, *, at: datetime = T0) -> CaseFile:
    """Every required assessment recorded as support for the full requested amounts."""
    for kind in sorted(case.required):
        case = assess(case, kind, at=at).case
    return case


def approve(
    case: CaseFile,
    manager: str = "manager-1",
    *,
    amounts: Mapping[str, Money] | None = None,
    at: datetime = T0,
    fx: Mapping[str, FxRate] = FX,
    policy: Policy = POLICY,
    roles: Iterable[str] = MANAGER,
) -> Result:
    return domain.decide(
        case,
        manager=manager,
        roles=tuple(roles),
        decision=Decision.APPROVE,
        approved_items=full_amounts(case) if amounts is None else amounts,
        now=at,
        fx=fx,
        policy=policy,
    )


def reject(
    case: CaseFile,
    manager: str = "manager-1",
    *,
    reason_code: str = "insufficient_evidence",
    at: datetime = T0,
) -> Result:
    return domain.decide(
        case,
        manager=manager,
        roles=MANAGER,
        decision=Decision.REJECT,
        reason_code=reason_code,
        now=at,
        fx=FX,
        policy=POLICY,
    )


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
