"""Deadlines: each stage announced once as approaching and its miss reported once; a missed
ratification reported once."""

from __future__ import annotations

from datetime import datetime

from services.assessment.domain.events import (
    DeadlineApproaching,
    DeadlineMissed,
    DomainEvent,
    RatificationMissed,
    Result,
)
from services.assessment.domain.model import CaseFile, Policy, require_aware
from services.assessment.domain.queues import announce_at, due_at, watched_stages


def check_deadlines(case: CaseFile, *, now: datetime, policy: Policy) -> Result:
    """Run on a timer: DeadlineApproaching once per stage when its deadline is near (within the
    policy's `deadline_approaching`, not while the clock is stopped), DeadlineMissed once per
    stage once it passed (then no announcement comes late), RatificationMissed once."""
    require_aware(now)
    events: list[DomainEvent] = []
    approaching, missed = set(case.deadlines_approaching), set(case.deadlines_missed)
    for stage in watched_stages(case):
        due = due_at(case, stage, now=now, policy=policy)
        if now > due:
            missed.add(stage)
            events.append(
                DeadlineMissed(case_id=case.case_id, occurred_at=now, stage=stage, due_at=due)
            )
            continue
        announce = announce_at(case, stage, now=now, policy=policy)
        if announce is not None and now >= announce:
            approaching.add(stage)
            events.append(
                DeadlineApproaching(case_id=case.case_id, occurred_at=now, stage=stage, due_at=due)
            )
    ratification = case.ratification
    ratification_missed = case.ratification_missed
    if (
        ratification is not None
        and case.ratification_pending
        and not ratification_missed
        and now > ratification.due_at
    ):
        ratification_missed = True
        events.append(
            RatificationMissed(
                case_id=case.case_id,
                occurred_at=now,
                first_manager=ratification.first_manager,
                due_at=ratification.due_at,
            )
        )
    if not events:
        return Result(case, [])
    new = case.evolve(
        deadlines_approaching=frozenset(approaching),
        deadlines_missed=frozenset(missed),
        ratification_missed=ratification_missed,
    )
    return Result(new, events)
