"""The deadline clock (paused while waiting for information), missed-deadline events and queues."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta

import pytest
from support.assessment_mother import (
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
    DeadlineStage,
    Decision,
    QueueFlag,
    QueueKind,
)
from services.assessment.domain.events import (
    DeadlineApproaching,
    DeadlineMissed,
    DomainEvent,
    RatificationMissed,
)
from services.assessment.domain.model import CaseFile, Policy

M, L = AssessmentKind.MEDICAL, AssessmentKind.LEGAL
A, D = DeadlineStage.ASSESSMENT, DeadlineStage.DECISION
DAY = timedelta(days=1)
# The tests of missed deadlines alone: no announcement before them (a zero lead turns it off).
QUIET = Policy(deadline_approaching=timedelta(0))


def _ask(case: CaseFile, at: datetime) -> CaseFile:
    return domain.request_information(
        case, assessor="dr-a", roles=MEDICAL, category_code="medical_report", now=at
    ).case


def _answer(case: CaseFile, n: int, at: datetime) -> CaseFile:
    rid = case.information_requests[n].request_id
    return domain.information_provided(case, request_id=rid, now=at).case


# --- the clock -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("urgency", "stage", "policy", "allowance"),
    [
        ("emergency", D, POLICY, hours(48)),
        ("standard", D, POLICY, 30 * DAY),
        ("emergency", A, POLICY, hours(24)),
        ("standard", A, POLICY, 20 * DAY),
        ("emergency", D, Policy(emergency_decision=hours(72)), hours(72)),
        ("standard", D, Policy(standard_decision=10 * DAY), 10 * DAY),
    ],
)
def test_due_at_by_urgency_and_stage(
    urgency: str, stage: DeadlineStage, policy: Policy, allowance: timedelta
) -> None:
    case = new_case(urgency=urgency)
    assert domain.due_at(case, stage, now=T0, policy=policy) == T0 + allowance
    assert domain.time_left(case, stage, now=T0 + hours(1), policy=policy) == allowance - hours(1)


def test_the_clock_pauses_while_waiting_for_information() -> None:
    case = _ask(new_case(urgency="emergency"), T0 + hours(10))
    left_at_pause = domain.time_left(case, D, now=T0 + hours(10), policy=POLICY)
    assert left_at_pause == hours(38)
    for later in (hours(11), hours(30), hours(500)):
        assert domain.time_left(case, D, now=T0 + later, policy=POLICY) == left_at_pause
    case = _answer(case, 0, T0 + hours(30))
    assert case.paused_total == hours(20)
    assert domain.due_at(case, D, now=T0 + hours(31), policy=POLICY) == T0 + hours(68)
    assert domain.time_left(case, D, now=T0 + hours(31), policy=POLICY) == hours(37)


def test_overlapping_requests_pause_from_the_first_asked_to_the_last_answered() -> None:
    case = new_case(item("i1", "medical", "10.00"), item("i2", "legal", "10.00"))
    case = _ask(case, T0 + hours(1))
    case = domain.request_information(
        case, assessor="lawyer", roles=("legal_assessor",), category_code="legal_documents",
        now=T0 + hours(2),
    ).case  # fmt: skip
    case = _answer(case, 0, T0 + hours(3))
    assert case.status is CaseStatus.INFORMATION_REQUESTED
    assert case.paused_since == T0 + hours(1)
    case = _answer(case, 1, T0 + hours(6))
    assert case.paused_total == hours(5)
    assert case.paused_since is None
    assert case.status is CaseStatus.IN_ASSESSMENT


def test_sequential_requests_add_up() -> None:
    case = _answer(_ask(new_case(), T0 + hours(1)), 0, T0 + hours(2))
    case = _answer(_ask(case, T0 + hours(10)), 1, T0 + hours(13))
    assert case.paused_total == hours(4)


# --- missed deadlines ----------------------------------------------------------------------------


def test_decision_deadline_missed_is_emitted_once() -> None:
    case = assessed(new_case(urgency="emergency"))
    assert domain.check_deadlines(case, now=T0 + hours(48), policy=QUIET) == (case, [])
    result = domain.check_deadlines(case, now=T0 + hours(49), policy=QUIET)
    assert result.events == [
        DeadlineMissed(case_id="case-1", occurred_at=T0 + hours(49), stage=D, due_at=T0 + hours(48))
    ]
    assert result.case.deadlines_missed == {D}
    assert result.case.version == case.version + 1
    assert domain.check_deadlines(result.case, now=T0 + hours(90), policy=QUIET).events == []


def test_assessment_and_decision_stages_are_separate() -> None:
    case = new_case(urgency="emergency")
    first = domain.check_deadlines(case, now=T0 + hours(25), policy=POLICY)
    assert [(e.stage, e.due_at) for e in first.events] == [(A, T0 + hours(24))]  # type: ignore[attr-defined]
    second = domain.check_deadlines(first.case, now=T0 + hours(49), policy=POLICY)
    assert [(e.stage, e.due_at) for e in second.events] == [(D, T0 + hours(48))]  # type: ignore[attr-defined]
    assert second.case.deadlines_missed == {A, D}


def test_no_assessment_stage_without_required_assessments() -> None:
    case = new_case(item("i1", "social", "10.00"), urgency="emergency")
    events = domain.check_deadlines(case, now=T0 + hours(30), policy=POLICY).events
    assert events == []


def test_time_waiting_for_information_does_not_count() -> None:
    case = _ask(new_case(urgency="emergency"), T0 + hours(1))
    assert domain.check_deadlines(case, now=T0 + hours(200), policy=QUIET).events == []
    case = assess(_answer(case, 0, T0 + hours(200)), M, at=T0 + hours(201)).case
    assert domain.check_deadlines(case, now=T0 + hours(246), policy=QUIET).events == []
    (event,) = domain.check_deadlines(case, now=T0 + hours(248), policy=QUIET).events
    assert isinstance(event, DeadlineMissed)
    assert event.due_at == T0 + hours(247)


@pytest.mark.parametrize("final", ["approved", "rejected", "withdrawn"])
def test_settled_cases_miss_no_deadline(final: str) -> None:
    case = assessed(new_case(urgency="emergency"))
    if final == "approved":
        case = approve(case, amounts={"i1": case.items[0].amount}).case
        case = domain.ratify(case, manager="manager-2", roles=MANAGER, now=T0).case
    elif final == "rejected":
        case = domain.decide(
            case, manager="m", roles=MANAGER, decision=Decision.REJECT, reason_code="duplicate",
            now=T0, fx={}, policy=POLICY,
        ).case  # fmt: skip
    else:
        case = domain.withdraw(case, now=T0).case
    assert domain.check_deadlines(case, now=T0 + 90 * DAY, policy=POLICY) == (case, [])


def test_pending_second_approval_can_still_miss_the_decision_deadline() -> None:
    case = approve(assessed(new_case(item("i1", "medical", "9000.00"), urgency="emergency"))).case
    (event,) = domain.check_deadlines(case, now=T0 + hours(49), policy=POLICY).events
    assert isinstance(event, DeadlineMissed)
    assert event.stage is D


def test_ratification_missed_once_and_flagged() -> None:
    case = assessed(new_case(urgency="emergency"))
    case = approve(case, at=T0 + hours(1)).case
    assert case.ratification_pending
    assert domain.check_deadlines(case, now=T0 + hours(1) + 7 * DAY, policy=POLICY).events == []
    result = domain.check_deadlines(case, now=T0 + 9 * DAY, policy=POLICY)
    assert result.events == [
        RatificationMissed(
            case_id="case-1",
            occurred_at=T0 + 9 * DAY,
            first_manager="manager-1",
            due_at=T0 + hours(1) + 7 * DAY,
        )
    ]
    assert result.case.ratification_missed
    assert domain.check_deadlines(result.case, now=T0 + 10 * DAY, policy=POLICY).events == []
    entry = domain.queue_entry(result.case, QueueKind.DECISION, now=T0 + 10 * DAY, policy=POLICY)
    assert entry is not None
    assert {QueueFlag.RATIFICATION_PENDING, QueueFlag.RATIFICATION_MISSED} <= entry.flags
    late = domain.ratify(result.case, manager="manager-2", roles=MANAGER, now=T0 + 10 * DAY)
    assert late.events[0].late  # type: ignore[attr-defined]
    assert domain.queue_kinds(late.case) == frozenset()


# --- approaching deadlines ------------------------------------------------------------------------


def _walk(case: CaseFile, at: list[float], policy: Policy = POLICY) -> list[tuple[str, str, float]]:
    """The checker run at each hour in `at`: what it reported, as (event, stage, due hour)."""
    seen: list[tuple[str, str, float]] = []
    for h in at:
        case, events = domain.check_deadlines(case, now=T0 + hours(h), policy=policy)
        seen += [_short(e) for e in events]
    return seen


def _short(e: DomainEvent) -> tuple[str, str, float]:
    assert isinstance(e, DeadlineApproaching | DeadlineMissed)
    kind = "approaching" if isinstance(e, DeadlineApproaching) else "missed"
    return kind, e.stage.value, (e.due_at - T0) / hours(1)


def test_each_stage_is_announced_once_12_hours_before_then_missed_once() -> None:
    case = new_case(urgency="emergency")  # assessment due at 24 h, decision at 48 h
    assert _walk(case, [0, 11.99, 12, 12.5, 23, 24, 24.01, 30, 35.9, 36, 47, 48, 49, 90]) == [
        ("approaching", "assessment", 24),
        ("missed", "assessment", 24),
        ("approaching", "decision", 48),
        ("missed", "decision", 48),
    ]


def test_a_deadline_already_passed_is_reported_missed_not_announced_late() -> None:
    case = new_case(urgency="emergency")
    assert _walk(case, [49, 50]) == [("missed", "assessment", 24), ("missed", "decision", 48)]
    assert _walk(case, [30, 60]) == [("missed", "assessment", 24), ("missed", "decision", 48)]
    assert _walk(case, [30, 40, 60]) == [
        ("missed", "assessment", 24),
        ("approaching", "decision", 48),
        ("missed", "decision", 48),
    ]


def test_the_announcement_changes_the_case_once() -> None:
    case = new_case(urgency="emergency")
    first = domain.check_deadlines(case, now=T0 + hours(13), policy=POLICY)
    assert first.events == [
        DeadlineApproaching(
            case_id="case-1", occurred_at=T0 + hours(13), stage=A, due_at=T0 + hours(24)
        )
    ]
    assert first.case.deadlines_approaching == {A}
    assert first.case.deadlines_missed == frozenset()
    assert first.case.version == case.version + 1
    assert domain.check_deadlines(first.case, now=T0 + hours(14), policy=POLICY) == (
        first.case,
        [],
    )


@pytest.mark.parametrize(
    ("lead", "at", "expected"),
    [
        (hours(2), [21.9], []),
        (hours(2), [21.9, 22], [("approaching", "assessment", 24)]),
        (hours(30), [0], [("approaching", "assessment", 24)]),  # the decision: at 18 h
        (timedelta(0), [23.9, 24, 25], [("missed", "assessment", 24)]),
    ],
    ids=["2h-not-yet", "2h-at-the-mark", "longer-than-the-stage", "zero-never"],
)
def test_the_lead_is_the_policy_s(
    lead: timedelta, at: list[float], expected: list[tuple[str, str, float]]
) -> None:
    policy = Policy(deadline_approaching=lead)
    assert _walk(new_case(urgency="emergency"), at, policy) == expected


def test_nothing_approaches_while_the_case_waits_for_information() -> None:
    # Asked with 11 hours left: the clock stops, nothing is announced while it is stopped.
    case = _ask(new_case(urgency="emergency"), T0 + hours(13))
    assert _walk(case, [14, 20, 100]) == []
    assert domain.next_check_at(case, now=T0 + hours(20), policy=POLICY) == T0 + hours(31)
    # Answered 17 hours later: 11 hours left of the assessment's, announced at the next check.
    case = _answer(case, 0, T0 + hours(30))
    assert domain.next_check_at(case, now=T0 + hours(30), policy=POLICY) == T0 + hours(29)
    assert _walk(case, [30.01]) == [("approaching", "assessment", 41)]


def test_a_stage_done_is_not_announced() -> None:
    case = assessed(new_case(urgency="emergency"))  # nothing left to assess
    assert _walk(case, [13, 37]) == [("approaching", "decision", 48)]


def test_pending_second_approval_still_announces_the_decision() -> None:
    case = approve(assessed(new_case(item("i1", "medical", "9000.00"), urgency="emergency"))).case
    assert case.status is CaseStatus.PENDING_SECOND_APPROVAL
    assert _walk(case, [37]) == [("approaching", "decision", 48)]


@pytest.mark.parametrize("final", ["approved", "rejected", "withdrawn"])
def test_settled_cases_announce_nothing(final: str) -> None:
    case = assessed(new_case(urgency="emergency"))
    if final == "approved":
        case = approve(case, amounts={"i1": case.items[0].amount}).case
    elif final == "rejected":
        case = reject(case).case
    else:
        case = domain.withdraw(case, now=T0).case
    assert _walk(case, [13, 37, 47]) == []


def test_the_next_check_is_the_announcement_then_the_deadline() -> None:
    case = new_case(urgency="emergency")
    assert domain.next_check_at(case, now=T0, policy=POLICY) == T0 + hours(12)
    announced = domain.check_deadlines(case, now=T0 + hours(12), policy=POLICY).case
    assert domain.next_check_at(announced, now=T0 + hours(12), policy=POLICY) == T0 + hours(24)
    quiet = domain.next_check_at(case, now=T0, policy=QUIET)
    assert quiet == T0 + hours(24)


# --- queues --------------------------------------------------------------------------------------


def test_queue_membership_follows_the_workflow() -> None:
    case = new_case(item("i1", "medical", "10.00"), item("i2", "legal", "10.00"))
    assert domain.queue_kinds(case) == {QueueKind.MEDICAL, QueueKind.LEGAL}
    case = assess(case, M).case
    assert domain.queue_kinds(case) == {QueueKind.LEGAL}
    waiting = _ask(case, T0)
    assert domain.queue_kinds(waiting) == frozenset()
    case = _answer(waiting, 0, T0 + hours(1))
    assert domain.queue_kinds(case) == {QueueKind.MEDICAL, QueueKind.LEGAL}
    entry = domain.queue_entry(case, QueueKind.MEDICAL, now=T0 + hours(1), policy=POLICY)
    assert entry is not None
    assert QueueFlag.INFORMATION_ANSWERED in entry.flags
    case = assess(assess(case, M).case, L).case
    assert domain.queue_kinds(case) == {QueueKind.DECISION}
    assert domain.queue_entry(case, QueueKind.MEDICAL, now=T0, policy=POLICY) is None
    strict = Policy(four_eyes_threshold=money("0.01"))
    pending = approve(case, amounts={"i1": case.items[0].amount}, policy=strict).case
    entry = domain.queue_entry(pending, QueueKind.DECISION, now=T0, policy=POLICY)
    assert entry is not None
    assert QueueFlag.PENDING_SECOND_APPROVAL in entry.flags


def test_queue_order_is_most_urgent_then_oldest() -> None:
    cases = [
        new_case(case_id="std-old", at=T0 - 20 * DAY),
        new_case(case_id="emg-new", urgency="emergency", at=T0),
        new_case(case_id="std-new", at=T0),
        new_case(case_id="emg-old", urgency="emergency", at=T0 - hours(30)),
        _ask(new_case(case_id="waiting", urgency="emergency", at=T0 - DAY), T0),
        assessed(new_case(case_id="decide-me")),
    ]
    queue = domain.build_queue(cases, QueueKind.MEDICAL, now=T0, policy=POLICY)
    assert [e.case_id for e in queue] == ["emg-old", "emg-new", "std-old", "std-new"]
    emg_old = queue[0]
    assert emg_old.due_at == T0 - hours(6)
    assert emg_old.time_left == -hours(6)
    assert QueueFlag.OVERDUE in emg_old.flags
    assert queue[1].time_left == hours(24)
    assert queue[1].flags == frozenset()
    decision = domain.build_queue(cases, QueueKind.DECISION, now=T0, policy=POLICY)
    assert [e.case_id for e in decision] == ["decide-me"]
    assert decision[0].due_at == T0 + 30 * DAY


def test_missed_deadline_shows_in_the_queue() -> None:
    case = domain.check_deadlines(new_case(urgency="emergency"), now=T0 + DAY * 2, policy=POLICY)
    (entry,) = domain.build_queue([case.case], QueueKind.MEDICAL, now=T0 + DAY * 2, policy=POLICY)
    assert {QueueFlag.DEADLINE_MISSED, QueueFlag.OVERDUE} <= entry.flags


def test_queue_entries_carry_no_personal_data() -> None:
    assert {f.name for f in fields(domain.QueueEntry)} == {
        "case_id", "kind", "urgency", "country", "status", "due_at", "time_left", "flags",
        "version",
    }  # fmt: skip
