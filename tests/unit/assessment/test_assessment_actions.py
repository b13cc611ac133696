"""The actions a case offers each person: exactly the commands the service would accept."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
from support.assessment_mother import (
    MANAGER,
    POLICY,
    T0,
    approve,
    assessed,
    hours,
    item,
    new_case,
    reject,
)

from services.assessment import domain
from services.assessment.domain.actions import Action, available_actions
from services.assessment.domain.codes import AssessmentKind, Decision, Recommendation
from services.assessment.domain.model import CaseFile
from shared.errors import DomainError

MED = ("medical-1", ("medical_assessor",))
LEG = ("legal-1", ("legal_assessor",))
M1 = ("manager-1", MANAGER)
M2 = ("manager-2", MANAGER)
# One person with both roles who assessed the case: segregation of duties forbids deciding it.
DUAL = ("medical-1", ("medical_assessor", "fund_manager"))
OTHER_DUAL = ("dual-2", ("legal_assessor", "fund_manager"))
A = Action


def _medical() -> CaseFile:
    return new_case(item("i1", "medical", "1000.00"))


def _both() -> CaseFile:
    return new_case(item("i1", "medical", "1000.00"), item("i2", "legal", "800.00"))


def _above_threshold() -> CaseFile:
    return approve(assessed(new_case(item("i1", "medical", "6000.00")))).case


def _fast_tracked() -> CaseFile:
    return approve(assessed(new_case(item("i1", "medical", "1500.00"), urgency="emergency"))).case


def _ratified() -> CaseFile:
    return domain.ratify(_fast_tracked(), manager="manager-2", roles=MANAGER, now=T0).case


def _asked() -> CaseFile:
    return domain.request_information(
        _medical(), assessor="medical-1", roles=MED[1], category_code="medical_report", now=T0
    ).case


CASES: dict[str, tuple[Callable[[], CaseFile], tuple[str, tuple[str, ...]], list[Action]]] = {
    "new, medical assessor": (_medical, MED, [A.MEDICAL_ASSESSMENT, A.INFORMATION_REQUEST]),
    "new, legal assessor, no legal item": (_medical, LEG, []),
    "new, both kinds, legal assessor": (_both, LEG, [A.LEGAL_ASSESSMENT, A.INFORMATION_REQUEST]),
    "new, manager: assessments missing": (_medical, M1, []),
    "asked, manager: information pending": (_asked, M1, []),
    "asked, assessor may ask again": (_asked, MED, [A.MEDICAL_ASSESSMENT, A.INFORMATION_REQUEST]),
    "assessed, manager": (lambda: assessed(_medical()), M1, [A.APPROVE, A.REJECT]),
    "assessed, the manager who assessed it": (
        lambda: assessed(_medical()),
        DUAL,
        [A.MEDICAL_ASSESSMENT, A.INFORMATION_REQUEST],
    ),
    "assessed, another dual-role manager": (
        lambda: assessed(_medical()),
        OTHER_DUAL,
        [A.APPROVE, A.REJECT],
    ),
    "pending, the first approver": (_above_threshold, M1, [A.REJECT]),
    "pending, another manager": (_above_threshold, M2, [A.SECOND_APPROVAL, A.REJECT]),
    "pending, the assessor may not move it": (_above_threshold, MED, []),
    "fast-tracked, the first approver": (_fast_tracked, M1, []),
    "fast-tracked, another manager": (_fast_tracked, M2, [A.RATIFY]),
    "fast-tracked, an assessor": (_fast_tracked, MED, []),
    "ratified, anyone": (_ratified, M2, []),
    "rejected": (lambda: reject(assessed(_medical())).case, M2, []),
    "withdrawn": (lambda: domain.withdraw(assessed(_medical()), now=T0).case, M1, []),
}


@pytest.mark.parametrize("name", CASES)
def test_the_actions_offered(name: str) -> None:
    make, (who, roles), expected = CASES[name]
    case = make()
    assert available_actions(case, who=who, roles=roles, now=T0 + hours(1), policy=POLICY) == (
        expected
    )


@pytest.mark.parametrize("name", CASES)
def test_an_action_not_offered_is_refused_and_an_offered_one_accepted(name: str) -> None:
    """The commands themselves, with other arguments than the trials', agree with the offer."""
    make, (who, roles), _ = CASES[name]
    case = make()
    now = T0 + hours(1)
    offered = set(available_actions(case, who=who, roles=roles, now=now, policy=POLICY))
    decision = partial(domain.decide, case, manager=who, roles=roles, now=now, fx={}, policy=POLICY)
    assessment = partial(
        domain.record_assessment,
        case,
        assessor=who,
        roles=roles,
        now=now,
        recommendation=Recommendation.DECLINE,
        amounts={i.item_id: i.amount for i in case.items},
    )
    commands: dict[Action, Callable[[], object]] = {
        A.MEDICAL_ASSESSMENT: partial(assessment, kind=AssessmentKind.MEDICAL),
        A.LEGAL_ASSESSMENT: partial(assessment, kind=AssessmentKind.LEGAL),
        A.INFORMATION_REQUEST: partial(
            domain.request_information,
            case,
            assessor=who,
            roles=roles,
            category_code="cost_estimate",
            now=now,
        ),
        A.REJECT: partial(decision, decision=Decision.REJECT, reason_code="incomplete"),
        A.RATIFY: partial(domain.ratify, case, manager=who, roles=roles, now=now),
    }
    first = case.pending_approval
    if first is None:  # a first approval of one item only
        commands[A.APPROVE] = partial(
            decision, decision=Decision.APPROVE, approved_items={"i1": case.items[0].amount}
        )
    else:
        same = {i.item_id: i.amount for i in first.items}
        commands[A.SECOND_APPROVAL] = partial(
            decision, decision=Decision.APPROVE, approved_items=same
        )
    for action, command in commands.items():
        if action in offered:
            command()
        else:
            with pytest.raises(DomainError):
                command()
