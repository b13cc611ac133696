"""A case from submission to a four-eyes approval through the running services' APIs.

Intake takes the case and answers the information request; assessment runs the assessments,
the information round trip and the decision; case.approved reaches the stream and intake.
"""

from __future__ import annotations

from support import Api, assert_problem, wait_for
from support.assessment_probe import (
    assess,
    case_events,
    decide,
    events_on,
    intake_status,
    nothing_changes,
    publish,
    queue_line,
    ratify,
    read,
    reviewed,
    submit,
    types,
)
from support.factories import item

from dev.stack import Stack
from shared.events import subjects
from shared.events.intake import CaseInformationProvided

MEDICAL: dict[str, str] = {"item_id": "item-1", "amount": "4000.00", "currency": "CHF"}
LEGAL: dict[str, str] = {"item_id": "item-2", "amount": "2500.00", "currency": "CHF"}


def answer(api: Api, stack: Stack, case_id: str, request_id: str) -> str:
    """The caseworker answers at intake; without intake's route, its event stands in for it."""
    wait_for(
        lambda: intake_status(api, case_id) == "information_requested",
        what="intake to show the information request",
    )
    response = api.post(
        "intake",
        f"/cases/{case_id}/information",
        user="caseworker-a",
        json={"request_id": request_id, "answer": "The documents are attached."},
    )
    if response.status_code in (404, 405) and "request" not in response.text:
        publish(
            stack,
            subjects.CASE_INFORMATION_PROVIDED,
            CaseInformationProvided(case_id=case_id, request_id=request_id),
            case_id=case_id,
        )
        return "event"
    assert response.status_code == 200, response.text
    return "intake"


def test_submission_to_four_eyes_approval(api: Api, stack: Stack) -> None:
    case_id = submit(api, item("medical", "4000.00"), item("legal", "2500.00"))
    line = wait_for(
        lambda: queue_line(api, "medical", "medical-1", case_id),
        what="the case in the medical queue",
    )
    assert queue_line(api, "legal", "legal-1", case_id)
    assert queue_line(api, "decision", "manager-1", case_id) is None
    assert {"due_at", "time_left_seconds", "flags", "urgency"} <= line.keys()
    assert "victim" not in line and "Test Person" not in str(line)
    case = read(api, case_id, "medical-1")
    assert case["status"] == "in_assessment"
    assert case["needs"]["required"] == ["legal", "medical"]

    # Wrong roles, too early, personal data in notes, above requested, stale ETag: all refused.
    with nothing_changes(api, stack, case_id):
        assert_problem(
            api.post(
                "assessment",
                f"/cases/{case_id}/medical-assessment",
                user="legal-1",
                json={"recommendation": "support"},
            ),
            403,
        )
        assert_problem(api.get("assessment", "/queue?kind=medical", user="caseworker-a"), 403)
        assert_problem(api.get("assessment", "/queue?kind=decision", user="medical-1"), 403)
        assert_problem(api.get("assessment", f"/cases/{case_id}", user="caseworker-a"), 403)
        missing = assert_problem(
            decide(api, case_id, "manager-1", decision="approve", approved_items=[MEDICAL, LEGAL]),
            409,
        )
        assert "assessment-missing" in missing["type"]
        assert_problem(
            decide(api, case_id, "medical-1", decision="reject", reason_code="duplicate"), 403
        )
        secret = "reach her at jane.doe@example.org"
        leak = assess(api, case_id, "medical", notes=secret)
        body = assert_problem(leak, 422)
        assert "email" in body["detail"] and secret not in leak.text and "jane" not in leak.text
        too_much = {"item_id": "item-1", "amount": "4000.01", "currency": "CHF"}
        assert_problem(assess(api, case_id, "medical", recommended_items=[too_much]), 422)
        assert_problem(assess(api, case_id, "medical", etag='"999"'), 412)
        nothing = ratify(api, case_id, "manager-1", etag=reviewed(api, case_id, "manager-1"))
        assert_problem(nothing, 409)

    done = assess(
        api,
        case_id,
        "medical",
        etag=f'"{case["version"]}"',
        recommended_items=[MEDICAL],
        notes="Treatment plan is consistent with the clinic's estimate.",
    )
    assert done.status_code == 201, done.text
    assert done.headers["ETag"] == f'"{case["version"] + 1}"'
    assert done.json()["assessments"][0]["notes"].startswith("Treatment plan")
    assert queue_line(api, "medical", "medical-1", case_id) is None

    # The legal assessor asks a question; the case leaves the queue until intake answers it.
    asked = api.post(
        "assessment",
        f"/cases/{case_id}/information-requests",
        user="legal-1",
        json={"question_category": "legal_documents"},
    )
    assert asked.status_code == 201, asked.text
    request_id = asked.json()["request_id"]
    assert asked.json()["status"] == "information_requested"
    assert queue_line(api, "legal", "legal-1", case_id) is None
    with nothing_changes(api, stack, case_id):
        assert_problem(
            api.post(
                "assessment",
                f"/cases/{case_id}/information-requests",
                user="legal-1",
                json={"question_category": "her name"},
            ),
            422,
        )
        assert_problem(
            decide(api, case_id, "manager-1", decision="approve", approved_items=[MEDICAL, LEGAL]),
            409,
        )
    answer(api, stack, case_id, request_id)
    line = wait_for(
        lambda: queue_line(api, "legal", "legal-1", case_id),
        what="the answered case back in the legal queue",
    )
    assert "information_answered" in line["flags"]

    legal = assess(api, case_id, "legal", recommended_items=[LEGAL])
    assert legal.status_code == 201, legal.text
    assert legal.json()["status"] == "awaiting_decision"
    assert wait_for(
        lambda: queue_line(api, "decision", "manager-1", case_id),
        what="the case in the decision queue",
    )

    # 6,500 CHF: the first approval waits for a second, different fund manager, who confirms
    # the version they reviewed (If-Match).
    first = decide(api, case_id, "manager-1", decision="approve", approved_items=[MEDICAL, LEGAL])
    assert first.status_code == 202, first.text
    assert first.json()["status"] == "pending_second_approval"
    seen = reviewed(api, case_id, "manager-2")
    with nothing_changes(api, stack, case_id):
        both = [MEDICAL, LEGAL]
        same = assert_problem(
            decide(api, case_id, "manager-1", decision="approve", approved_items=both, etag=seen),
            403,
        )
        assert "same-manager" in same["type"]
        less = {"item_id": "item-2", "amount": "2000.00", "currency": "CHF"}
        other = [MEDICAL, less]
        assert_problem(
            decide(api, case_id, "manager-2", decision="approve", approved_items=other, etag=seen),
            409,
        )
        assert_problem(assess(api, case_id, "legal", recommended_items=[LEGAL]), 409)
    second = decide(
        api, case_id, "manager-2", decision="approve", approved_items=[LEGAL, MEDICAL], etag=seen
    )
    assert second.status_code == 200, second.text
    assert second.json()["status"] == "approved"
    assert second.json()["decision"]["outcome"]["decided_by"] == ["manager-1", "manager-2"]
    assert queue_line(api, "decision", "manager-1", case_id) is None

    with nothing_changes(api, stack, case_id):
        assert_problem(
            decide(api, case_id, "manager-2", decision="reject", reason_code="duplicate"), 409
        )

    events = case_events(api.stack, case_id)
    assert types(events) == [
        "medical.completed",
        "case.information_requested",
        "legal.completed",
        "case.approval_pending",
        "case.approved",
    ]
    approved = events[-1]
    assert approved["data"]["decided_by"] == ["manager-1", "manager-2"]
    assert approved["data"]["fast_track"] is False
    assert [(i["item_id"], i["amount"]) for i in approved["data"]["approved_items"]] == [
        ("item-1", "4000.00"),
        ("item-2", "2500.00"),
    ]
    submitted = events_on(stack, subjects.CASE_SUBMITTED, case_id)
    assert all(e["correlationid"] == submitted[0]["correlationid"] for e in events)
    assert "notes" not in str(events) and "Treatment plan" not in str(events)
    # With a funded grant in the same system, disbursement may move the case on at once.
    after_approval = {"approved", "awaiting_funds", "awaiting_payment", "payment_scheduled", "paid"}
    wait_for(
        lambda: intake_status(api, case_id) in after_approval,
        what="intake to show the case approved (or funded since)",
    )
