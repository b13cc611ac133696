"""What a person may do to a case now: the commands the domain would accept from them.

An action is offered when a trial of its command on the case succeeds. The domain is pure, so a
trial saves and publishes nothing; and because it is the command itself that is tried, the
pages hide exactly what the service would refuse (segregation of duties, four eyes, the case's
state), with no second copy of the rules to drift apart."""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime
from enum import StrEnum
from functools import partial

from services.assessment.domain.assessing import record_assessment, request_information
from services.assessment.domain.codes import (
    AssessmentKind,
    Decision,
    QuestionCategory,
    Recommendation,
    RejectionReason,
)
from services.assessment.domain.decisions import decide, ratify
from services.assessment.domain.events import Result
from services.assessment.domain.model import CaseFile, Policy
from shared.errors import DomainError


class Action(StrEnum):
    MEDICAL_ASSESSMENT = "medical_assessment"
    LEGAL_ASSESSMENT = "legal_assessment"
    INFORMATION_REQUEST = "information_request"
    APPROVE = "approve"  # a first approval (it may then wait for a second manager)
    SECOND_APPROVAL = "second_approval"  # the same amounts as the first, by another manager
    REJECT = "reject"
    RATIFY = "ratify"  # a fast-tracked emergency approval, by another manager


Trial = Callable[..., Result]


def _trials(
    case: CaseFile, who: str, roles: Collection[str], policy: Policy
) -> dict[Action, Trial]:
    assessment = partial(
        record_assessment,
        assessor=who,
        roles=roles,
        recommendation=Recommendation.SUPPORT,
        amounts={},
    )
    decision = partial(decide, manager=who, roles=roles, fx={}, policy=policy)
    trials: dict[Action, Trial] = {
        Action.MEDICAL_ASSESSMENT: partial(assessment, kind=AssessmentKind.MEDICAL),
        Action.LEGAL_ASSESSMENT: partial(assessment, kind=AssessmentKind.LEGAL),
        Action.INFORMATION_REQUEST: partial(
            request_information,
            assessor=who,
            roles=roles,
            category_code=next(iter(QuestionCategory)).value,
            request_id="trial",
        ),
        Action.REJECT: partial(
            decision, decision=Decision.REJECT, reason_code=next(iter(RejectionReason)).value
        ),
        Action.RATIFY: partial(ratify, manager=who, roles=roles),
    }
    pending = case.pending_approval
    if pending is None:
        # Any amounts the case allows say whether this manager may approve it: the requested.
        requested = {i.item_id: i.amount for i in case.items}
        trials[Action.APPROVE] = partial(
            decision, decision=Decision.APPROVE, approved_items=requested
        )
    else:
        first = {i.item_id: i.amount for i in pending.items}
        trials[Action.SECOND_APPROVAL] = partial(
            decision, decision=Decision.APPROVE, approved_items=first
        )
    return trials


def available_actions(
    case: CaseFile, *, who: str, roles: Collection[str], now: datetime, policy: Policy
) -> list[Action]:
    """The actions this person may take on the case now, in a fixed order."""
    found = []
    for action, trial in _trials(case, who, roles, policy).items():
        try:
            trial(case, now=now)
        except DomainError:
            continue
        found.append(action)
    return sorted(found, key=list(Action).index)
