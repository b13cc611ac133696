"""The case file survives its JSON form; the checker's next moment follows the case's state."""

from __future__ import annotations

from datetime import timedelta

import orjson
import pytest
from support.assessment_mother import (
    FX,
    MANAGER,
    POLICY,
    T0,
    approve,
    assessed,
    hours,
    item,
    new_case,
)

from services.assessment import domain
from services.assessment.domain.codes import AssessmentKind, DeadlineStage
from services.assessment.domain.model import CaseFile
from services.assessment.repository.state import case_from_json, case_to_json
from services.assessment.settings import AssessmentSettings
from shared.money import Money


def _round_trip(case: CaseFile) -> CaseFile:
    return case_from_json(orjson.loads(orjson.dumps(case_to_json(case))))


def _rich_cases() -> list[CaseFile]:
    base = new_case(
        item("i1", "medical", "4000.00"),
        item("i2", "legal", "2500.50", "EUR"),
        item("i3", "social", "100", "JPY"),
    )
    asked = domain.request_information(
        base,
        assessor="medical-1",
        roles=["medical_assessor"],
        category_code="medical_report",
        now=T0 + hours(1),
    ).case
    answered = domain.information_provided(
        asked, request_id=asked.information_requests[0].request_id, now=T0 + hours(5)
    ).case
    done = assessed(answered, at=T0 + hours(6))
    pending = approve(done, at=T0 + hours(7)).case
    emergency = assessed(new_case(item("i1", "psychological", "900.00"), urgency="emergency"))
    fast = approve(emergency, at=T0 + hours(2)).case
    late = domain.check_deadlines(fast, now=T0 + timedelta(days=9), policy=POLICY).case
    rejected = domain.decide(
        done,
        manager="manager-9",
        roles=MANAGER,
        decision="reject",
        reason_code="duplicate",
        now=T0,
        fx=FX,
        policy=POLICY,
    ).case
    withdrawn = domain.withdraw(asked, now=T0 + hours(3)).case
    return [base, asked, answered, done, pending, fast, late, rejected, withdrawn]


@pytest.mark.parametrize("case", _rich_cases(), ids=lambda c: f"{c.status}-v{c.version}")
def test_json_round_trip_is_exact(case: CaseFile) -> None:
    assert _round_trip(case) == case


def test_money_is_stored_as_minor_units() -> None:
    state = case_to_json(new_case(item("i1", "medical", "12.34", "EUR")))
    assert state["items"] == [
        {"item_id": "i1", "category": "medical", "minor": 1234, "currency": "EUR"}
    ]


def test_next_check_follows_stages_pauses_and_ratification() -> None:
    case = new_case(item("i1", "medical", "500.00"), urgency="emergency")
    # The assessment's deadline (24 h) is announced 12 hours before it.
    assert domain.next_check_at(case, now=T0, policy=POLICY) == T0 + hours(12)
    paused = domain.request_information(
        case,
        assessor="medical-1",
        roles=["medical_assessor"],
        category_code="cost_estimate",
        now=T0 + hours(1),
    ).case
    assert domain.next_check_at(paused, now=T0 + hours(11), policy=POLICY) == T0 + hours(34)
    missed = domain.check_deadlines(case, now=T0 + hours(25), policy=POLICY).case
    assert missed.deadlines_missed == {DeadlineStage.ASSESSMENT}
    # The decision's (48 h), announced 12 hours before.
    assert domain.next_check_at(missed, now=T0 + hours(25), policy=POLICY) == T0 + hours(36)
    fast = approve(assessed(case), at=T0 + hours(2)).case
    assert domain.next_check_at(fast, now=T0 + hours(2), policy=POLICY) == (
        T0 + hours(2) + POLICY.ratification_period
    )
    ratified = domain.ratify(fast, manager="manager-2", roles=MANAGER, now=T0 + hours(3)).case
    assert domain.next_check_at(ratified, now=T0 + hours(3), policy=POLICY) is None
    assert AssessmentKind.MEDICAL in case.required


def test_settings_make_the_policy() -> None:
    policy = AssessmentSettings(
        four_eyes_threshold_chf="10000.00", emergency_decision_hours=24, fx_max_age_days=7
    ).policy()
    assert policy.four_eyes_threshold == Money.parse("10000.00", "CHF")
    assert policy.emergency_decision == hours(24)
    assert policy.fx_max_age == timedelta(days=7)
    assert AssessmentSettings().policy() == POLICY
