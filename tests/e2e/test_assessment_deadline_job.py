"""The running service's background checker: missed deadlines reported once, near ones announced
once."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

from support import Api, wait_for
from support.assessment_probe import (
    case_events,
    publish,
    query,
    queue_line,
    read,
    types,
    wait_known,
)

from dev.stack import Stack
from shared.events import subjects
from shared.events.common import Item
from shared.events.intake import CaseSubmitted, Needs


def test_background_checker_reports_missed_deadlines_once(api: Api, stack: Stack) -> None:
    case_id = str(uuid.uuid4())
    submitted = CaseSubmitted(
        case_id=case_id,
        reference="VF-LATE",
        org_id="org-a",
        country="UA",
        urgency="emergency",
        items=[Item(item_id="item-1", category="medical", amount="900.00", currency="CHF")],
        needs=Needs(medical=True, legal=False),
        submitted_by="caseworker-a",
    )
    publish(
        stack,
        subjects.CASE_SUBMITTED,
        submitted,
        case_id=case_id,
        time=datetime.now(UTC) - timedelta(hours=49),
    )
    wait_known(api, case_id)

    def both_stages() -> list[str] | None:
        seen = types(case_events(stack, case_id))
        return seen if len(seen) >= 2 else None

    seen = wait_for(both_stages, timeout=30, what="deadline_missed for both stages")
    assert seen == ["case.deadline_missed", "case.deadline_missed"]
    events = case_events(stack, case_id)
    assert sorted(e["data"]["stage"] for e in events) == ["assessment", "decision"]
    line = queue_line(api, "medical", "medical-1", case_id)
    assert line is not None and {"deadline_missed", "overdue"} <= set(line["flags"])
    assert line["time_left_seconds"] < 0
    case = read(api, case_id)
    assert case["deadlines"]["assessment"]["missed"] and case["deadlines"]["decision"]["missed"]
    # Nothing left to watch: the checker's index no longer holds the case.
    assert (
        query(stack, "SELECT next_check_at FROM case_files WHERE case_id = $1", case_id)[0][
            "next_check_at"
        ]
        is None
    )


def test_background_checker_announces_a_near_deadline_once(api: Api, stack: Stack) -> None:
    """Submitted 13 hours ago, emergency: the assessment is due in 11 hours, so it is near."""
    case_id = str(uuid.uuid4())
    submitted_at = datetime.now(UTC) - timedelta(hours=13)
    submitted = CaseSubmitted(
        case_id=case_id,
        reference="VF-NEAR",
        org_id="org-a",
        country="UA",
        urgency="emergency",
        items=[Item(item_id="item-1", category="medical", amount="900.00", currency="CHF")],
        needs=Needs(medical=True, legal=False),
        submitted_by="caseworker-a",
    )
    publish(stack, subjects.CASE_SUBMITTED, submitted, case_id=case_id, time=submitted_at)
    wait_known(api, case_id)
    seen = wait_for(
        lambda: case_events(stack, case_id), timeout=30, what="deadline_approaching published"
    )
    assert types(seen) == ["case.deadline_approaching"]
    (event,) = seen
    due = datetime.fromisoformat(event["data"]["due_at"])
    assert set(event["data"]) == {"case_id", "stage", "due_at"}
    assert (event["data"]["case_id"], event["data"]["stage"]) == (case_id, "assessment")
    assert abs(due - (submitted_at + timedelta(hours=24))) < timedelta(seconds=1)
    assert event["subject"] == case_id and event["source"] == "/vfund/assessment"
    # Announced once: the checker's next look at this case is the deadline itself.
    (row,) = query(stack, "SELECT next_check_at, state FROM case_files WHERE case_id = $1", case_id)
    assert json.loads(row["state"])["deadlines_approaching"] == ["assessment"]
    assert abs(row["next_check_at"] - due) < timedelta(seconds=1)
    case = read(api, case_id)
    assert not case["deadlines"]["assessment"]["missed"]
    assert 0 < case["deadlines"]["assessment"]["time_left_seconds"] <= 11 * 3600
    channels = api.get("assessment", "/asyncapi.json").json()["channels"]
    assert any(subjects.DEADLINE_APPROACHING in str(c) for c in channels.values())
