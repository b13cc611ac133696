"""Opening, assessing, review and information requests: needs, transitions and their errors."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

import pytest
from support.assessment_mother import (
    LEGAL,
    MANAGER,
    MEDICAL,
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
    Recommendation,
    Urgency,
)
from services.assessment.domain.errors import ErrorCode
from services.assessment.domain.events import (
    InformationRequested,
    LegalAssessmentCompleted,
    MedicalAssessmentCompleted,
    ReviewRequested,
)
from services.assessment.domain.model import CaseFile, RequestedItem
from shared.errors import DomainError
from shared.money import Money
from shared.problems import problem_of

M, L = AssessmentKind.MEDICAL, AssessmentKind.LEGAL


# --- needs ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("categories", "flags", "required", "status"),
    [
        (["medical"], {}, {M}, CaseStatus.IN_ASSESSMENT),
        (["psychological"], {}, {M}, CaseStatus.IN_ASSESSMENT),
        (["legal"], {}, {L}, CaseStatus.IN_ASSESSMENT),
        (["social"], {}, set(), CaseStatus.AWAITING_DECISION),
        (["relocation"], {}, set(), CaseStatus.AWAITING_DECISION),
        (["social", "relocation"], {}, set(), CaseStatus.AWAITING_DECISION),
        (["medical", "legal"], {}, {M, L}, CaseStatus.IN_ASSESSMENT),
        (["psychological", "relocation"], {}, {M}, CaseStatus.IN_ASSESSMENT),
        (["medical", "psychological"], {}, {M}, CaseStatus.IN_ASSESSMENT),
        (["social"], {"needs_legal": True}, {L}, CaseStatus.IN_ASSESSMENT),
        (["relocation"], {"needs_medical": True}, {M}, CaseStatus.IN_ASSESSMENT),
    ],
)
def test_needs_follow_categories_and_intake_flags(
    categories: list[str], flags: dict[str, bool], required: set[AssessmentKind], status: CaseStatus
) -> None:
    items = [item(f"i{n}", c, "100.00") for n, c in enumerate(categories)]
    case = new_case(*items, needs_medical=flags.get("needs_medical", False),
                    needs_legal=flags.get("needs_legal", False))  # fmt: skip
    assert case.required == required
    assert case.missing_assessments == required
    assert case.status is status
    assert case.version == 1


@pytest.mark.parametrize(
    ("items", "country"),
    [
        ([], "UA"),
        ([item("i1", "medical", "1.00"), item("i1", "legal", "1.00")], "UA"),
        ([item("i1", "medical", "1.00")], "ukraine"),
    ],
)
def test_open_case_refuses_malformed_submissions(items: list[RequestedItem], country: str) -> None:
    with pytest.raises(DomainError) as err:
        domain.open_case(
            case_id="c",
            org_id="o",
            country=country,
            urgency=Urgency.STANDARD,
            items=items,
            submitted_at=T0,
        )
    assert err.value.code is ErrorCode.INVALID_CASE


def test_naive_times_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone"):
        new_case(at=T0.replace(tzinfo=None))


# --- recording assessments -----------------------------------------------------------------------


def test_support_completes_the_medical_need_and_emits_the_event() -> None:
    case = new_case(item("i1", "medical", "1000.00"), item("i2", "social", "200.00"))
    result = assess(case, M, assessor="dr-a", amounts={"i1": money("800.00")}, at=T0 + hours(2))
    assert result.case.status is CaseStatus.AWAITING_DECISION
    assert result.case.version == 2
    (event,) = result.events
    assert isinstance(event, MedicalAssessmentCompleted)
    assert (event.case_id, event.assessor, event.recommendation) == (
        "case-1",
        "dr-a",
        Recommendation.SUPPORT,
    )
    assert [(a.item_id, a.category, a.amount) for a in event.recommended_items] == [
        ("i1", "medical", money("800.00"))
    ]
    assert event.occurred_at == T0 + hours(2)


@pytest.mark.parametrize(
    ("recommendation", "status"),
    [
        ("support", CaseStatus.AWAITING_DECISION),
        ("decline", CaseStatus.AWAITING_DECISION),
        ("more_information", CaseStatus.IN_ASSESSMENT),
    ],
)
def test_more_information_keeps_the_case_in_assessment(
    recommendation: str, status: CaseStatus
) -> None:
    result = assess(new_case(), M, recommendation=recommendation)
    assert result.case.status is status
    assert len(result.events) == 1  # the recorded assessment is an event whatever it says


def test_each_required_assessment_is_needed() -> None:
    case = new_case(item("i1", "medical", "10.00"), item("i2", "legal", "10.00"))
    after_medical = assess(case, M).case
    assert after_medical.status is CaseStatus.IN_ASSESSMENT
    assert after_medical.missing_assessments == {L}
    result = assess(after_medical, L)
    assert result.case.status is CaseStatus.AWAITING_DECISION
    assert isinstance(result.events[0], LegalAssessmentCompleted)


def test_a_later_assessment_of_the_same_kind_supersedes_and_history_is_kept() -> None:
    case = assess(new_case(), M, assessor="dr-a", recommendation="support").case
    case = assess(case, M, assessor="dr-b", recommendation="more_information").case
    assert case.status is CaseStatus.IN_ASSESSMENT
    assert [a.assessor for a in case.assessments] == ["dr-a", "dr-b"]
    latest = case.latest_assessment(M)
    assert latest is not None
    assert latest.assessor == "dr-b"
    assert case.assessors == {"dr-a", "dr-b"}


def test_amount_above_requested_is_allowed_with_a_reason() -> None:
    case = new_case(item("i1", "medical", "100.00"))
    result = domain.record_assessment(
        case,
        kind=M,
        assessor="dr-a",
        roles=MEDICAL,
        recommendation=Recommendation.SUPPORT,
        amounts={"i1": money("150.00")},
        now=T0,
        has_reason_for_exceeding=True,
    )
    assert result.case.assessments[0].has_reason_for_exceeding
    assert result.case.assessments[0].amounts[0].amount == money("150.00")


def _pending_second(case: CaseFile) -> CaseFile:
    return approve(assessed(case), amounts={"i1": money("9000.00")}).case


@pytest.mark.parametrize(
    ("kind", "roles", "amounts", "prepare", "code"),
    [
        (M, LEGAL, {"i1": "10.00"}, None, ErrorCode.WRONG_ROLE),
        (M, MANAGER, {"i1": "10.00"}, None, ErrorCode.WRONG_ROLE),
        (L, LEGAL, {"i1": "10.00"}, None, ErrorCode.NOT_REQUIRED),
        (M, MEDICAL, {"i1": "9000.01"}, None, ErrorCode.AMOUNT_ABOVE_REQUESTED),
        (M, MEDICAL, {"nope": "1.00"}, None, ErrorCode.UNKNOWN_ITEM),
        (M, MEDICAL, {"i1": ("10.00", "EUR")}, None, ErrorCode.CURRENCY_MISMATCH),
        (M, MEDICAL, {"i1": "-1"}, None, ErrorCode.NEGATIVE_AMOUNT),
        (M, MEDICAL, {"i1": "10.00"}, "withdrawn", ErrorCode.CASE_WITHDRAWN),
        (M, MEDICAL, {"i1": "10.00"}, "rejected", ErrorCode.ALREADY_DECIDED),
        (M, MEDICAL, {"i1": "10.00"}, "pending", ErrorCode.DECISION_PENDING),
    ],
)
def test_record_assessment_errors(
    kind: AssessmentKind,
    roles: tuple[str, ...],
    amounts: dict[str, object],
    prepare: str | None,
    code: ErrorCode,
) -> None:
    case = new_case(item("i1", "medical", "9000.00"))
    if prepare == "withdrawn":
        case = domain.withdraw(case, now=T0).case
    elif prepare == "rejected":
        case = reject(assessed(case)).case
    elif prepare == "pending":
        case = _pending_second(case)
    parsed = {}
    for key, value in amounts.items():
        amount, currency = value if isinstance(value, tuple) else (value, "CHF")
        parsed[key] = Money(-100, "CHF") if amount == "-1" else money(amount, currency)
    with pytest.raises(DomainError) as err:
        domain.record_assessment(
            case,
            kind=kind,
            assessor="x",
            roles=roles,
            recommendation=Recommendation.SUPPORT,
            amounts=parsed,
            now=T0,
        )
    assert err.value.code is code


def test_recommended_amounts_above_requested_still_sum_to_money() -> None:
    case = new_case(item("i1", "medical", "1.0000", "CLF"), item("i2", "legal", "1.0000", "CLF"))
    top = money("99999999999.9999", "CLF")  # each amount is money (just under 10^15 minor)
    for kind, roles in ((M, MEDICAL), (L, LEGAL)):
        with pytest.raises(DomainError) as err:
            domain.record_assessment(
                case,
                kind=kind,
                assessor="x",
                roles=roles,
                recommendation=Recommendation.SUPPORT,
                amounts={"i1": top, "i2": top},
                now=T0,
                has_reason_for_exceeding=True,
            )
        assert err.value.code is ErrorCode.TOTAL_TOO_LARGE
    one = domain.record_assessment(
        case,
        kind=M,
        assessor="x",
        roles=MEDICAL,
        recommendation=Recommendation.SUPPORT,
        amounts={"i1": top},
        now=T0,
        has_reason_for_exceeding=True,
    )
    assert one.case.version == case.version + 1


# --- review requested ---------------------------------------------------------------------------


def test_review_request_adds_the_need_for_social_items() -> None:
    case = new_case(item("i1", "social", "300.00"))
    assert case.status is CaseStatus.AWAITING_DECISION
    result = domain.request_review(case, kind=M, assessor="dr-a", roles=MEDICAL, now=T0)
    assert result.case.required == {M}
    assert result.case.status is CaseStatus.IN_ASSESSMENT
    assert result.events == [
        ReviewRequested(case_id="case-1", occurred_at=T0, kind=M, requested_by="dr-a")
    ]
    assert "dr-a" in result.case.assessors
    with pytest.raises(DomainError) as err:
        approve(result.case)
    assert err.value.code is ErrorCode.ASSESSMENT_MISSING


@pytest.mark.parametrize(
    ("categories", "kind", "roles", "code"),
    [
        (["medical"], M, MEDICAL, ErrorCode.ALREADY_REQUIRED),
        (["social"], M, LEGAL, ErrorCode.WRONG_ROLE),
        (["social"], L, MANAGER, ErrorCode.WRONG_ROLE),
    ],
)
def test_review_request_errors(
    categories: list[str], kind: AssessmentKind, roles: tuple[str, ...], code: ErrorCode
) -> None:
    case = new_case(*[item(f"i{n}", c, "10.00") for n, c in enumerate(categories)])
    with pytest.raises(DomainError) as err:
        domain.request_review(case, kind=kind, assessor="x", roles=roles, now=T0)
    assert err.value.code is code


# --- information requests -------------------------------------------------------------------------


def _ask(
    case: CaseFile, *, by: str = "dr-a", roles: tuple[str, ...] = MEDICAL, at: datetime = T0
) -> CaseFile:
    return domain.request_information(
        case, assessor=by, roles=roles, category_code="treatment_plan", now=at
    ).case


def test_information_request_makes_the_case_wait_and_pauses_the_clock() -> None:
    case = new_case()
    result = domain.request_information(
        case, assessor="dr-a", roles=MEDICAL, category_code="cost_estimate", now=T0 + hours(1)
    )
    new = result.case
    assert new.status is CaseStatus.INFORMATION_REQUESTED
    assert new.paused_since == T0 + hours(1)
    (event,) = result.events
    assert isinstance(event, InformationRequested)
    assert (event.question_category, event.requested_by) == ("cost_estimate", "dr-a")
    assert event.request_id == new.information_requests[0].request_id
    assert {f.name for f in fields(event)} == {
        "case_id",
        "occurred_at",
        "request_id",
        "question_category",
        "requested_by",
    }


def test_answer_sends_the_case_back_to_the_asking_assessor() -> None:
    case = assessed(new_case())
    assert case.status is CaseStatus.AWAITING_DECISION
    case = _ask(case, at=T0 + hours(1))
    request_id = case.information_requests[0].request_id
    with pytest.raises(DomainError) as err:
        approve(case)
    assert err.value.code is ErrorCode.INFORMATION_PENDING

    answered = domain.information_provided(case, request_id=request_id, now=T0 + hours(5))
    assert answered.events == []
    case = answered.case
    assert case.status is CaseStatus.IN_ASSESSMENT  # the earlier support no longer suffices
    assert case.missing_assessments == {M}
    assert case.paused_since is None
    assert case.paused_total == hours(4)
    case = assess(case, M, at=T0 + hours(6)).case
    assert case.status is CaseStatus.AWAITING_DECISION


def test_a_second_answer_changes_nothing_and_unknown_requests_are_refused() -> None:
    case = _ask(new_case())
    request_id = case.information_requests[0].request_id
    once = domain.information_provided(case, request_id=request_id, now=T0 + hours(1)).case
    again = domain.information_provided(once, request_id=request_id, now=T0 + hours(2))
    assert again == (once, [])
    with pytest.raises(DomainError) as err:
        domain.information_provided(once, request_id="nope", now=T0)
    assert err.value.code is ErrorCode.UNKNOWN_REQUEST
    assert problem_of(err.value).status == 422


def test_request_ids_are_distinct_and_reproducible() -> None:
    case = _ask(_ask(new_case()))
    ids = [r.request_id for r in case.information_requests]
    assert len(set(ids)) == 2
    assert ids == [r.request_id for r in _ask(_ask(new_case())).information_requests]


def test_legal_assessor_may_ask_on_a_case_needing_both() -> None:
    case = new_case(item("i1", "medical", "10.00"), item("i2", "legal", "10.00"))
    case = _ask(case, by="lawyer", roles=LEGAL)
    assert case.information_requests[0].kind is L


@pytest.mark.parametrize(
    ("roles", "category", "prepare", "code"),
    [
        (MANAGER, "treatment_plan", None, ErrorCode.WRONG_ROLE),
        (MEDICAL, "tell me about the victim", None, ErrorCode.UNKNOWN_QUESTION_CATEGORY),
        (LEGAL, "legal_documents", None, ErrorCode.NOT_REQUIRED),
        (MEDICAL, "treatment_plan", "withdrawn", ErrorCode.CASE_WITHDRAWN),
        (MEDICAL, "treatment_plan", "approved", ErrorCode.ALREADY_DECIDED),
        (MEDICAL, "treatment_plan", "pending", ErrorCode.DECISION_PENDING),
    ],
)
def test_information_request_errors(
    roles: tuple[str, ...], category: str, prepare: str | None, code: ErrorCode
) -> None:
    case = new_case(item("i1", "medical", "9000.00"))
    if prepare == "withdrawn":
        case = domain.withdraw(case, now=T0).case
    elif prepare == "approved":
        case = approve(assessed(case), amounts={"i1": money("10.00")}).case
    elif prepare == "pending":
        case = _pending_second(case)
    with pytest.raises(DomainError) as err:
        domain.request_information(case, assessor="x", roles=roles, category_code=category, now=T0)
    assert err.value.code is code


# --- withdrawal ----------------------------------------------------------------------------------


@pytest.mark.parametrize("prepare", ["open", "waiting", "pending", "approved"])
def test_withdraw_ends_the_case_from_any_state_and_repeats_are_no_ops(prepare: str) -> None:
    case = new_case(item("i1", "medical", "9000.00"))
    if prepare == "waiting":
        case = _ask(case)
    elif prepare == "pending":
        case = _pending_second(case)
    elif prepare == "approved":
        case = approve(assessed(case), amounts={"i1": money("10.00")}).case
    result = domain.withdraw(case, now=T0 + hours(3))
    assert result.events == []
    assert result.case.status is CaseStatus.WITHDRAWN
    assert result.case.pending_approval is None
    assert result.case.paused_since is None
    assert result.case.version == case.version + 1
    assert domain.withdraw(result.case, now=T0 + hours(4)) == (result.case, [])
