"""Decisions: thresholds with FX, four eyes, segregation of duties, fast track and ratification."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from support.assessment_mother import (
    FX,
    MANAGER,
    MEDICAL,
    POLICY,
    T0,
    approve,
    assess,
    assessed,
    hours,
    item,
    money,
    new_case,
    reject,
)

from services.assessment import domain
from services.assessment.domain.codes import (
    AssessmentKind,
    CaseStatus,
    Decision,
    RejectionReason,
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
    Policy,
    RequestedItem,
)
from shared.errors import DomainError, Refusal
from shared.money import MAX_MINOR, Money
from shared.problems import problem_of

M = AssessmentKind.MEDICAL
SOCIAL = "social"  # no assessment needed: the manager decides directly


def _ready(*items: RequestedItem, urgency: str = "standard") -> CaseFile:
    return assessed(new_case(*items, urgency=urgency))


# --- thresholds ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "policy", "outcome", "total"),
    [
        ([("5000.00", "CHF")], POLICY, "approved", Decimal("5000.00")),
        ([("5000.01", "CHF")], POLICY, "pending", Decimal("5000.01")),
        ([("5000.00", "EUR")], POLICY, "approved", Decimal("4750.0000")),
        ([("5300.00", "EUR")], POLICY, "pending", Decimal("5035.0000")),
        ([("3000.00", "CHF"), ("2200.00", "EUR")], POLICY, "pending", Decimal("5090.0000")),
        ([("100", "XOF")], POLICY, "pending", None),  # no known rate: above the threshold
        ([("10.00", "CHF"), ("100", "XOF")], POLICY, "pending", None),
        ([("1000.00", "USD")], POLICY, "approved", Decimal("900.0000")),
        ([("1000.00", "USD")], Policy(fx_max_age=timedelta(days=30)), "pending", None),  # stale
        ([("1500.00", "CHF")], Policy(four_eyes_threshold=money("1000.00")), "pending", 1500),
    ],
)
def test_four_eyes_threshold_in_chf_equivalent(
    lines: list[tuple[str, str]], policy: Policy, outcome: str, total: Decimal | None
) -> None:
    case = new_case(*[item(f"i{n}", SOCIAL, a, c) for n, (a, c) in enumerate(lines)])
    result = approve(case, policy=policy)
    (event,) = result.events
    if outcome == "approved":
        assert isinstance(event, CaseApproved)
        assert event.decided_by == ("manager-1",)
        assert not event.fast_track
        assert result.case.status is CaseStatus.APPROVED
    else:
        assert isinstance(event, ApprovalPendingSecond)
        assert event.first_manager == "manager-1"
        assert result.case.status is CaseStatus.PENDING_SECOND_APPROVAL
        assert event.total_chf == total


def test_chf_equivalent_treats_bad_rates_as_unknown() -> None:
    lines = [ItemAmount("i1", "social", money("10.00", "EUR"))]  # type: ignore[arg-type]
    zero = {"EUR": FxRate(Decimal(0), date(2025, 1, 1))}
    assert domain.chf_equivalent(lines, zero, today=T0.date(), policy=POLICY) is None
    assert domain.chf_equivalent(lines, {}, today=T0.date(), policy=POLICY) is None


# --- what a second manager confirms --------------------------------------------------------------


@pytest.mark.parametrize(
    ("prepare", "decision", "confirms"),
    [
        ("ready", Decision.APPROVE, False),  # a first decision: If-Match optional
        ("ready", Decision.REJECT, False),
        ("pending", Decision.APPROVE, True),  # the second approval confirms the first
        ("pending", Decision.REJECT, False),  # a rejection overrides, it confirms nothing
        ("pending", None, True),  # a ratification always confirms another's approval
        ("fast", None, True),
        ("fast", Decision.APPROVE, False),  # already decided: refused anyway (409)
    ],
)
def test_what_confirms_another_managers_work(
    prepare: str, decision: Decision | None, confirms: bool
) -> None:
    case = _ready(item("i1", "medical", "9000.00"), urgency="emergency")
    if prepare == "pending":
        case = approve(case).case
        assert case.status is CaseStatus.PENDING_SECOND_APPROVAL
    elif prepare == "fast":
        case = approve(case, amounts={"i1": money("1000.00")}).case
        assert case.ratification_pending
    assert domain.confirms_another(case, decision) is confirms


# --- totals ----------------------------------------------------------------------------------------


def test_an_approved_total_above_the_largest_amount_is_refused() -> None:
    # Two items of 10^11 CLF (4 decimals): each is money, their sum (2 * 10^15 minor) is not.
    big = "100000000000.0000"
    case = new_case(item("i1", SOCIAL, big, "CLF"), item("i2", SOCIAL, big, "CLF"))
    assert case.items[0].amount.minor == MAX_MINOR
    with pytest.raises(DomainError) as err:
        approve(case)
    assert err.value.code is ErrorCode.TOTAL_TOO_LARGE
    assert problem_of(err.value).status == 422
    (event,) = approve(case, amounts={"i1": money(big, "CLF")}).events  # one of them is fine
    assert isinstance(event, ApprovalPendingSecond)  # CLF has no known rate: four eyes


# --- four eyes -----------------------------------------------------------------------------------


def test_second_manager_with_the_same_amounts_completes_the_approval() -> None:
    case = _ready(item("i1", "medical", "8000.00"), item("i2", SOCIAL, "500.00"))
    amounts = {"i1": money("7000.00"), "i2": money("500.00")}
    first = approve(case, "manager-1", amounts=amounts, at=T0 + hours(1))
    assert first.case.pending_approval is not None
    assert first.case.pending_approval.first_manager == "manager-1"
    second = approve(first.case, "manager-2", amounts=dict(reversed(amounts.items())))
    (event,) = second.events
    assert isinstance(event, CaseApproved)
    assert event.decided_by == ("manager-1", "manager-2")
    assert [(a.item_id, a.amount) for a in event.approved_items] == [
        ("i1", money("7000.00")),
        ("i2", money("500.00")),
    ]
    assert (event.org_id, event.country, event.urgency) == ("org-a", "UA", "standard")
    assert second.case.status is CaseStatus.APPROVED
    assert second.case.pending_approval is None
    assert second.case.outcome is not None
    assert second.case.outcome.decided_by == ("manager-1", "manager-2")


def test_omitted_items_are_not_approved() -> None:
    case = _ready(item("i1", "medical", "800.00"), item("i2", SOCIAL, "500.00"))
    (event,) = approve(case, amounts={"i2": money("200.00")}).events
    assert isinstance(event, CaseApproved)
    assert [a.item_id for a in event.approved_items] == ["i2"]


def test_a_second_manager_may_reject_a_pending_approval() -> None:
    pending = approve(_ready(item("i1", "medical", "9000.00"))).case
    result = reject(pending, "manager-2", reason_code="budget_policy")
    assert result.events == [
        CaseRejected(
            case_id="case-1",
            occurred_at=T0,
            reason_code=RejectionReason.BUDGET_POLICY,
            decided_by=("manager-2",),
        )
    ]
    assert result.case.status is CaseStatus.REJECTED
    assert result.case.pending_approval is None


# --- emergency fast track ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("urgency", "amount", "currency", "outcome", "fast_track"),
    [
        ("emergency", "2000.00", "CHF", "approved", True),
        ("emergency", "2100.00", "EUR", "approved", True),  # 1995 CHF
        ("emergency", "2000.01", "CHF", "approved", False),  # one signature, normal rule
        ("emergency", "5000.00", "CHF", "approved", False),
        ("emergency", "5000.01", "CHF", "pending", False),
        ("emergency", "1000", "XOF", "pending", False),  # unknown rate: never fast tracked
        ("standard", "1500.00", "CHF", "approved", False),
    ],
)
def test_emergency_fast_track(
    urgency: str, amount: str, currency: str, outcome: str, fast_track: bool
) -> None:
    case = new_case(item("i1", SOCIAL, amount, currency), urgency=urgency)
    result = approve(case, at=T0 + hours(2))
    (event,) = result.events
    if outcome == "pending":
        assert isinstance(event, ApprovalPendingSecond)
        assert result.case.ratification is None
        return
    assert isinstance(event, CaseApproved)
    assert event.fast_track is fast_track
    assert event.decided_by == ("manager-1",)
    assert result.case.ratification_pending is fast_track
    if fast_track:
        assert result.case.ratification is not None
        assert result.case.ratification.due_at == T0 + hours(2) + timedelta(days=7)


def test_fast_track_limit_is_configurable() -> None:
    case = new_case(item("i1", SOCIAL, "3000.00"), urgency="emergency")
    (event,) = approve(case, policy=Policy(fast_track_limit=money("3000.00"))).events
    assert isinstance(event, CaseApproved)
    assert event.fast_track


def _fast_tracked() -> CaseFile:
    case = new_case(item("i1", "medical", "1500.00"), urgency="emergency")
    return approve(assess(case, M, assessor="dr-a").case, "manager-1").case


@pytest.mark.parametrize(
    ("at", "late"), [(T0 + timedelta(days=7), False), (T0 + timedelta(days=8), True)]
)
def test_ratification_by_a_second_manager(at: datetime, late: bool) -> None:
    result = domain.ratify(_fast_tracked(), manager="manager-2", roles=MANAGER, now=at)
    assert result.events == [
        ApprovalRatified(
            case_id="case-1",
            occurred_at=at,
            ratified_by="manager-2",
            first_manager="manager-1",
            late=late,
        )
    ]
    assert not result.case.ratification_pending
    assert result.case.status is CaseStatus.APPROVED


@pytest.mark.parametrize(
    ("prepare", "manager", "roles", "code"),
    [
        ("fast", "manager-1", MANAGER, ErrorCode.SAME_MANAGER),
        ("fast", "dr-a", ("fund_manager", "medical_assessor"), ErrorCode.ASSESSOR_CANNOT_DECIDE),
        ("fast", "manager-2", MEDICAL, ErrorCode.WRONG_ROLE),
        ("ratified", "manager-3", MANAGER, ErrorCode.NOTHING_TO_RATIFY),
        ("normal", "manager-2", MANAGER, ErrorCode.NOTHING_TO_RATIFY),
        ("withdrawn", "manager-2", MANAGER, ErrorCode.CASE_WITHDRAWN),
    ],
)
def test_ratification_errors(
    prepare: str, manager: str, roles: tuple[str, ...], code: ErrorCode
) -> None:
    case = _fast_tracked()
    if prepare == "ratified":
        case = domain.ratify(case, manager="manager-2", roles=MANAGER, now=T0).case
    elif prepare == "normal":
        case = approve(_ready(item("i1", "medical", "100.00"))).case
    elif prepare == "withdrawn":
        case = domain.withdraw(case, now=T0).case
    with pytest.raises(DomainError) as err:
        domain.ratify(case, manager=manager, roles=roles, now=T0)
    assert err.value.code is code


# --- segregation of duties and every decision error ---------------------------------------------


def _decide(case: CaseFile, manager: str = "manager-1", **kwargs: Any) -> Result:
    params: dict[str, Any] = {"roles": MANAGER, "decision": Decision.APPROVE, "now": T0, "fx": FX}
    params |= kwargs
    return domain.decide(case, manager=manager, policy=POLICY, **params)


ONE = {"i1": Money(100_00, "CHF")}


@pytest.mark.parametrize(
    ("prepare", "manager", "kwargs", "code"),
    [
        ("fresh", "manager-1", {"approved_items": ONE}, ErrorCode.ASSESSMENT_MISSING),
        ("fresh", "manager-1", {"decision": Decision.REJECT, "reason_code": "duplicate"},
         ErrorCode.ASSESSMENT_MISSING),
        ("more_info", "manager-1", {"approved_items": ONE}, ErrorCode.ASSESSMENT_MISSING),
        ("withdrawn", "manager-1", {"approved_items": ONE}, ErrorCode.CASE_WITHDRAWN),
        ("approved", "manager-2", {"approved_items": ONE}, ErrorCode.ALREADY_DECIDED),
        ("rejected", "manager-2", {"decision": Decision.REJECT, "reason_code": "duplicate"},
         ErrorCode.ALREADY_DECIDED),
        ("ready", "dr-a", {"approved_items": ONE}, ErrorCode.ASSESSOR_CANNOT_DECIDE),
        ("ready", "dr-a", {"decision": Decision.REJECT, "reason_code": "duplicate"},
         ErrorCode.ASSESSOR_CANNOT_DECIDE),
        ("asked", "manager-1", {"approved_items": ONE}, ErrorCode.INFORMATION_PENDING),
        ("answered_by_asker", "dr-b", {"approved_items": ONE}, ErrorCode.ASSESSOR_CANNOT_DECIDE),
        ("ready", "manager-1", {"approved_items": ONE, "roles": MEDICAL}, ErrorCode.WRONG_ROLE),
        ("ready", "manager-1", {"decision": Decision.REJECT, "reason_code": "dislike"},
         ErrorCode.UNKNOWN_REASON_CODE),
        ("ready", "manager-1", {"decision": Decision.REJECT}, ErrorCode.REASON_CODE_REQUIRED),
        ("ready", "manager-1", {"decision": Decision.REJECT, "reason_code": "duplicate",
                                "approved_items": ONE}, ErrorCode.UNEXPECTED_FIELD),
        ("ready", "manager-1", {"approved_items": ONE, "reason_code": "duplicate"},
         ErrorCode.UNEXPECTED_FIELD),
        ("ready", "manager-1", {}, ErrorCode.APPROVED_ITEMS_REQUIRED),
        ("ready", "manager-1", {"approved_items": {}}, ErrorCode.APPROVED_ITEMS_REQUIRED),
        ("ready", "manager-1", {"approved_items": {"i1": Money(9000_01, "CHF")}},
         ErrorCode.AMOUNT_ABOVE_REQUESTED),
        ("ready", "manager-1", {"approved_items": {"i1": Money(0, "CHF")}},
         ErrorCode.AMOUNT_NOT_POSITIVE),
        ("ready", "manager-1", {"approved_items": {"i9": Money(1, "CHF")}}, ErrorCode.UNKNOWN_ITEM),
        ("ready", "manager-1", {"approved_items": {"i1": Money(1, "EUR")}},
         ErrorCode.CURRENCY_MISMATCH),
        ("pending", "manager-1", {"approved_items": {"i1": Money(9000_00, "CHF")}},
         ErrorCode.SAME_MANAGER),
        ("pending", "dr-a", {"approved_items": {"i1": Money(9000_00, "CHF")}},
         ErrorCode.ASSESSOR_CANNOT_DECIDE),
        ("pending", "manager-2", {"approved_items": {"i1": Money(8000_00, "CHF")}},
         ErrorCode.AMOUNTS_DIFFER_FROM_FIRST_APPROVAL),
    ],
)  # fmt: skip
def test_decision_errors(
    prepare: str, manager: str, kwargs: dict[str, Any], code: ErrorCode
) -> None:
    case = new_case(item("i1", "medical", "9000.00"))
    ask: dict[str, Any] = {
        "assessor": "dr-b", "roles": MEDICAL, "category_code": "cost_estimate", "now": T0,
    }  # fmt: skip
    if prepare == "more_info":
        case = assess(case, M, recommendation="more_information").case
    elif prepare == "withdrawn":
        case = domain.withdraw(assessed(case), now=T0).case
    elif prepare == "approved":
        case = approve(assessed(case), amounts=ONE).case
    elif prepare == "rejected":
        case = reject(assessed(case)).case
    elif prepare == "ready":
        case = assess(case, M, assessor="dr-a").case
    elif prepare == "asked":
        case = domain.request_information(assessed(case), **ask).case
    elif prepare == "answered_by_asker":
        case = domain.request_information(assessed(case), **ask).case
        rid = case.information_requests[0].request_id
        case = domain.information_provided(case, request_id=rid, now=T0).case
        case = assess(case, M, assessor="dr-a").case
    elif prepare == "pending":
        case = approve(assess(case, M, assessor="dr-a").case, "manager-1").case
        assert case.status is CaseStatus.PENDING_SECOND_APPROVAL
    before = case
    with pytest.raises(DomainError) as err:
        _decide(case, manager, **kwargs)
    assert err.value.code is code
    assert case == before


@pytest.mark.parametrize(
    ("code", "refusal", "status"),
    [
        (ErrorCode.ASSESSMENT_MISSING, Refusal.CONFLICT, 409),
        (ErrorCode.CASE_WITHDRAWN, Refusal.CONFLICT, 409),
        (ErrorCode.ALREADY_DECIDED, Refusal.CONFLICT, 409),
        (ErrorCode.NOT_REQUIRED, Refusal.CONFLICT, 409),
        (ErrorCode.AMOUNTS_DIFFER_FROM_FIRST_APPROVAL, Refusal.CONFLICT, 409),
        (ErrorCode.ASSESSOR_CANNOT_DECIDE, Refusal.FORBIDDEN, 403),
        (ErrorCode.SAME_MANAGER, Refusal.FORBIDDEN, 403),
        (ErrorCode.WRONG_ROLE, Refusal.FORBIDDEN, 403),
        (ErrorCode.AMOUNT_ABOVE_REQUESTED, Refusal.INVALID, 422),
        (ErrorCode.UNKNOWN_REASON_CODE, Refusal.INVALID, 422),
        (ErrorCode.PERSONAL_DATA_IN_NOTES, Refusal.INVALID, 422),
    ],
)
def test_error_codes_map_to_http_categories(code: ErrorCode, refusal: Refusal, status: int) -> None:
    err = refused(code)
    problem = problem_of(err)
    assert (err.code, err.refusal, problem.status) == (code, refusal, status)
    assert problem.code == code.value.replace("_", "-")  # the API's stable problem type
    assert err.detail


def test_rejection_by_one_manager() -> None:
    result = reject(_ready(item("i1", "medical", "9000.00")), reason_code="outside_mandate")
    (event,) = result.events
    assert isinstance(event, CaseRejected)
    assert (event.reason_code, event.decided_by) == ("outside_mandate", ("manager-1",))
    assert result.case.outcome is not None
    assert result.case.outcome.decision is Decision.REJECT


def test_a_case_file_loaded_with_plain_strings_follows_the_same_rules() -> None:
    """The repository may hand back text columns; the rules must not depend on enum identity."""
    text_columns: dict[str, Any] = {"urgency": "emergency", "status": "awaiting_decision"}
    loaded = replace(new_case(item("i1", SOCIAL, "1500.00")), **text_columns)
    (event,) = approve(loaded).events
    assert isinstance(event, CaseApproved)
    assert event.fast_track
