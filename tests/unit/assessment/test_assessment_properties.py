"""Random operation sequences never approve without assessments, by an assessor, or twice; and
report each stage's deadline at most once as approaching and once as missed, in that order."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from hypothesis import Phase, find, given, settings
from hypothesis import strategies as st
from support.assessment_mother import FX, POLICY, T0, item, new_case

from services.assessment import domain
from services.assessment.domain.codes import (
    AssessmentKind,
    CaseStatus,
    DeadlineStage,
    Decision,
    Recommendation,
)
from services.assessment.domain.events import (
    ApprovalRatified,
    CaseApproved,
    CaseRejected,
    DeadlineApproaching,
    DeadlineMissed,
    DomainEvent,
    Result,
)
from services.assessment.domain.model import CaseFile
from shared.errors import DomainError
from shared.money import Money

PEOPLE: dict[str, tuple[str, ...]] = {
    "med": ("medical_assessor",),
    "leg": ("legal_assessor",),
    "m1": ("fund_manager",),
    "m2": ("fund_manager",),
    "dual-med": ("medical_assessor", "fund_manager"),
    "dual-leg": ("legal_assessor", "fund_manager"),
}
person = st.sampled_from(sorted(PEOPLE))
manager = st.sampled_from(["m1", "m2", "dual-med", "dual-leg", "med"])
kind = st.sampled_from(list(AssessmentKind))
ASSESSORS = {AssessmentKind.MEDICAL: ["med", "dual-med"], AssessmentKind.LEGAL: ["leg", "dual-leg"]}
scale = st.sampled_from([(1, 1), (1, 2), (3, 2)])  # full, half, above requested

requested_item = st.tuples(
    st.sampled_from(["medical", "psychological", "social", "legal", "relocation"]),
    st.sampled_from(["300.00", "900.00", "1900.00", "2500.00", "6000.00"]),
    st.sampled_from(["CHF", "EUR", "XOF"]),
)
assessment = kind.flatmap(
    lambda k: st.tuples(
        st.just("assess"),
        st.just(k),
        st.sampled_from(ASSESSORS[k]),
        st.sampled_from(
            [Recommendation.SUPPORT, Recommendation.DECLINE, Recommendation.MORE_INFORMATION]
        ),
        scale,
    )
)
# weighted towards the steps that lead to decisions, so that approvals are common
operation = st.one_of(
    assessment,
    assessment,
    st.tuples(st.just("review"), kind, person),
    st.tuples(st.just("ask"), person),
    st.tuples(st.just("answer"), st.integers(0, 3)),
    st.tuples(st.just("approve"), manager, scale),
    st.tuples(st.just("approve"), manager, st.just((1, 1))),
    st.tuples(st.just("reject"), manager),
    st.tuples(st.just("ratify"), manager),
    st.tuples(st.just("tick"), st.integers(1, 200)),
    # withdrawal ends everything, so it is rare: otherwise few sequences reach a decision
    st.integers(0, 9).map(lambda n: ("withdraw",) if n == 0 else ("tick", 1)),
)
scenario = st.tuples(
    st.sampled_from(["emergency", "standard"]),
    st.lists(requested_item, min_size=1, max_size=2),
    st.lists(operation, max_size=30),
)


def _scaled(case: CaseFile, factor: tuple[int, int]) -> dict[str, Money]:
    num, den = factor
    return {
        i.item_id: Money(max(i.amount.minor * num // den, 1), i.amount.currency) for i in case.items
    }


def _apply(case: CaseFile, op: tuple[Any, ...], now: Any) -> Result:
    name, *args = op
    if name == "assess":
        k, who, rec, factor = args
        return domain.record_assessment(
            case, kind=k, assessor=who, roles=PEOPLE[who], recommendation=rec,
            amounts=_scaled(case, factor), now=now,
        )  # fmt: skip
    if name == "review":
        k, who = args
        return domain.request_review(case, kind=k, assessor=who, roles=PEOPLE[who], now=now)
    if name == "ask":
        (who,) = args
        return domain.request_information(
            case, assessor=who, roles=PEOPLE[who], category_code="cost_estimate", now=now
        )
    if name == "answer":
        (n,) = args
        if n >= len(case.information_requests):
            return Result(case, [])
        rid = case.information_requests[n].request_id
        return domain.information_provided(case, request_id=rid, now=now)
    if name == "approve":
        who, factor = args
        return domain.decide(
            case, manager=who, roles=PEOPLE[who], decision=Decision.APPROVE,
            approved_items=_scaled(case, factor), now=now, fx=FX, policy=POLICY,
        )  # fmt: skip
    if name == "reject":
        (who,) = args
        return domain.decide(
            case, manager=who, roles=PEOPLE[who], decision=Decision.REJECT,
            reason_code="incomplete", now=now, fx=FX, policy=POLICY,
        )  # fmt: skip
    if name == "ratify":
        (who,) = args
        return domain.ratify(case, manager=who, roles=PEOPLE[who], now=now)
    if name == "withdraw":
        return domain.withdraw(case, now=now)
    return domain.check_deadlines(case, now=now, policy=POLICY)


def _check_approval(before: CaseFile, event: CaseApproved) -> None:
    assert not before.missing_assessments, "approved without the required assessments"
    assert not set(event.decided_by) & before.assessors, "approved by an assessor of the case"
    assert len(set(event.decided_by)) == len(event.decided_by)
    total = domain.chf_equivalent(event.approved_items, FX, today=T0.date(), policy=POLICY)
    if total is None or total > POLICY.four_eyes_threshold.decimal:
        assert len(event.decided_by) == 2, "four eyes skipped above the threshold"
    if event.fast_track:
        assert before.urgency == "emergency"
        assert total is not None
        assert total <= POLICY.fast_track_limit.decimal


def _run(
    urgency: str, lines: list[tuple[str, str, str]], ops: list[tuple[Any, ...]]
) -> list[DomainEvent]:
    """Play the operations, checking every invariant on the way; return what was emitted."""
    case = new_case(*[item(f"i{n}", c, a, cur) for n, (c, a, cur) in enumerate(lines)],
                    urgency=urgency)  # fmt: skip
    now = T0
    emitted: list[DomainEvent] = []
    for op in ops:
        now += timedelta(hours=op[1]) if op[0] == "tick" else timedelta(minutes=5)
        before = case
        try:
            case, events = _apply(case, op, now)
        except DomainError:
            continue
        assert case.version == before.version + (1 if case is not before else 0)
        for event in events:
            if isinstance(event, CaseApproved):
                _check_approval(before, event)
            if isinstance(event, ApprovalRatified):
                assert event.ratified_by != event.first_manager
                assert event.ratified_by not in before.assessors
        if before.status in (CaseStatus.APPROVED, CaseStatus.REJECTED):
            assert case.status in (before.status, CaseStatus.WITHDRAWN)
        if op[0] == "tick":  # the checker looking again at once finds nothing new
            assert domain.check_deadlines(case, now=now, policy=POLICY) == (case, [])
        emitted += events
    decisions = [e for e in emitted if isinstance(e, CaseApproved | CaseRejected)]
    assert len(decisions) <= 1, "decided twice"
    _check_deadline_events(emitted)
    if case.outcome is not None:
        assert not set(case.outcome.decided_by) & case.assessors
    return emitted


def _check_deadline_events(events: list[DomainEvent]) -> None:
    """Each stage announced at most once, within the lead before its deadline and never after
    its miss; each missed at most once, after its deadline."""
    for stage in DeadlineStage:
        told = [e for e in events if isinstance(e, DeadlineApproaching) and e.stage == stage]
        missed = [e for e in events if isinstance(e, DeadlineMissed) and e.stage == stage]
        assert len(told) <= 1 and len(missed) <= 1, f"{stage} reported twice"
        for e in told:
            assert e.occurred_at <= e.due_at <= e.occurred_at + POLICY.deadline_approaching
        for m in missed:
            assert m.occurred_at > m.due_at
            assert all(t.occurred_at < m.occurred_at for t in told), "announced after the miss"


@settings(max_examples=500, deadline=None)
@given(scenario)
def test_random_operations_keep_the_decision_invariants(
    scenario: tuple[str, list[tuple[str, str, str]], list[tuple[Any, ...]]],
) -> None:
    _run(*scenario)


def _approved(events: list[DomainEvent], signatures: int, *, fast_track: bool = False) -> bool:
    return any(
        isinstance(e, CaseApproved)
        and len(e.decided_by) == signatures
        and e.fast_track is fast_track
        for e in events
    )


_SEARCH = settings(
    max_examples=5000, database=None, derandomize=True, phases=[Phase.generate]
)  # deterministic, and no shrinking: any example will do


@pytest.mark.parametrize(
    "wanted",
    [
        lambda events: _approved(events, 2),
        lambda events: _approved(events, 1),
        lambda events: _approved(events, 1, fast_track=True),
        lambda events: any(isinstance(e, ApprovalRatified) for e in events),
        lambda events: any(isinstance(e, DeadlineApproaching) for e in events),
        lambda events: any(
            isinstance(e, DeadlineApproaching | DeadlineMissed)
            and e.stage == DeadlineStage.DECISION
            for e in events
        ),
    ],
    ids=["four-eyes", "one-signature", "fast-track", "ratified", "announced", "decision-stage"],
)
def test_the_generator_reaches_every_kind_of_approval(wanted: Any) -> None:
    """Guards the property above against passing vacuously: approvals do happen in it."""
    find(scenario, lambda s: wanted(_run(*s)), settings=_SEARCH)
