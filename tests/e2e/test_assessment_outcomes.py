"""Decisions on the running service: rejection, withdrawal, fast track, FX, review requests."""

from __future__ import annotations

from datetime import date

from support import Api, assert_problem, wait_for
from support.assessment_probe import (
    case_events,
    decide,
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
from shared.events.disbursement import FxRateRecorded


def test_social_case_goes_straight_to_decision_and_is_rejected(api: Api, stack: Stack) -> None:
    case_id = submit(api, item("social", "800.00"))
    line = wait_for(
        lambda: queue_line(api, "decision", "manager-1", case_id),
        what="the case in the decision queue",
    )
    assert line["status"] == "awaiting_decision"
    assert queue_line(api, "medical", "medical-1", case_id) is None
    with nothing_changes(api, stack, case_id):
        assert_problem(decide(api, case_id, "manager-1", decision="reject"), 422)
        assert_problem(
            decide(api, case_id, "manager-1", decision="reject", reason_code="not_a_code"), 422
        )
    rejected = decide(
        api, case_id, "manager-1", decision="reject", reason_code="other_support_available"
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["decision"]["outcome"]["reason_code"] == "other_support_available"
    assert types(case_events(stack, case_id)) == ["case.rejected"]
    wait_for(
        lambda: (
            api.get("intake", f"/cases/{case_id}", user="caseworker-a").json()["status"]
            == "rejected"
        ),
        what="intake to show rejected",
    )


def test_review_request_sends_a_social_case_to_the_specialist(api: Api, stack: Stack) -> None:
    case_id = submit(api, item("relocation", "900.00"))
    asked = api.post("assessment", f"/cases/{case_id}/review-requests", user="legal-1", json={})
    assert asked.status_code == 201, asked.text
    assert asked.json()["needs"]["missing"] == ["legal"]
    assert queue_line(api, "legal", "legal-1", case_id)
    assert queue_line(api, "decision", "manager-1", case_id) is None
    with nothing_changes(api, stack, case_id):
        assert_problem(
            api.post("assessment", f"/cases/{case_id}/review-requests", user="legal-1", json={}),
            409,
        )
        assert_problem(
            api.post("assessment", f"/cases/{case_id}/review-requests", user="manager-1", json={}),
            403,
        )
    assert types(case_events(stack, case_id)) == ["case.review_requested"]


def test_withdrawn_case_cannot_be_decided(api: Api, stack: Stack) -> None:
    case_id = submit(api, item("social", "300.00"))
    withdrawn = api.post(
        "intake",
        f"/cases/{case_id}/withdraw",
        user="caseworker-a",
        json={"reason": "other_support_found"},
    )
    assert withdrawn.status_code == 200, withdrawn.text
    wait_for(lambda: read(api, case_id)["status"] == "withdrawn", what="withdrawn in assessment")
    assert queue_line(api, "decision", "manager-1", case_id) is None
    with nothing_changes(api, stack, case_id):
        body = assert_problem(
            decide(api, case_id, "manager-1", decision="reject", reason_code="duplicate"), 409
        )
        assert "case-withdrawn" in body["type"]


def test_emergency_fast_track_then_ratification(api: Api, stack: Stack) -> None:
    case_id = submit(api, item("social", "1500.00"), urgency="emergency")
    one = {"item_id": "item-1", "amount": "1500.00", "currency": "CHF"}
    approved = decide(api, case_id, "manager-1", decision="approve", approved_items=[one])
    assert approved.status_code == 200, approved.text
    assert approved.json()["decision"]["outcome"]["fast_track"] is True
    line = wait_for(
        lambda: queue_line(api, "decision", "manager-2", case_id),
        what="the fast-tracked case awaiting ratification",
    )
    assert "ratification_pending" in line["flags"]
    seen = reviewed(api, case_id, "manager-2")
    with nothing_changes(api, stack, case_id):
        assert_problem(ratify(api, case_id, "manager-1", etag=seen), 403)
        assert_problem(ratify(api, case_id, "medical-1", etag=seen), 403)
    ratified = ratify(api, case_id, "manager-2", etag=seen)
    assert ratified.status_code == 200, ratified.text
    assert ratified.json()["decision"]["ratification"]["ratified_by"] == "manager-2"
    assert queue_line(api, "decision", "manager-1", case_id) is None
    events = case_events(stack, case_id)
    assert types(events) == ["case.approved", "case.ratified"]
    assert events[0]["data"]["fast_track"] is True and events[0]["data"]["decided_by"] == [
        "manager-1"
    ]


def test_unknown_rate_needs_four_eyes_until_a_rate_is_learnt(api: Api, stack: Stack) -> None:
    unknown = submit(api, item("social", "1000.00", "PEN"))
    pen = {"item_id": "item-1", "amount": "1000.00", "currency": "PEN"}
    first = decide(api, unknown, "manager-1", decision="approve", approved_items=[pen])
    assert first.status_code == 202, first.text
    assert first.json()["decision"]["pending_approval"]["total_chf"] is None

    # 1 CHF = 4 PEN, published by disbursement: 1,000 PEN is 250 CHF, one manager suffices.
    publish(
        stack,
        subjects.FX_RATE_RECORDED,
        FxRateRecorded(base="CHF", quote="PEN", rate="4", as_of=date.today()),
        case_id="CHF-PEN",
        actor="finance-1",
    )
    known = submit(api, item("social", "1000.00", "PEN"))

    wait_for(lambda: _rate_known(stack), what="the PEN rate learnt")
    second = decide(api, known, "manager-1", decision="approve", approved_items=[pen])
    assert second.status_code == 200, second.text
    assert types(case_events(stack, known)) == ["case.approved"]


def _rate_known(stack: Stack) -> bool:
    from support.assessment_probe import query

    return bool(query(stack, "SELECT 1 FROM fx_rates WHERE quote = 'PEN'"))


def test_idempotent_assessment_and_conditional_requests(api: Api, stack: Stack) -> None:
    case_id = submit(api, item("medical", "700.00"))
    body = {
        "recommendation": "support",
        "recommended_items": [{"item_id": "item-1", "amount": "650.00", "currency": "CHF"}],
        "notes": "Cost estimate is reasonable.",
    }
    key = {"Idempotency-Key": f"assess-{case_id}"}
    once = api.post(
        "assessment",
        f"/cases/{case_id}/medical-assessment",
        user="medical-1",
        json=body,
        headers=key,
    )
    twice = api.post(
        "assessment",
        f"/cases/{case_id}/medical-assessment",
        user="medical-1",
        json=body,
        headers=key,
    )
    assert once.status_code == twice.status_code == 201
    assert once.json()["version"] == twice.json()["version"]
    assert_problem(
        api.post(
            "assessment",
            f"/cases/{case_id}/medical-assessment",
            user="medical-1",
            json=body | {"notes": "other"},
            headers=key,
        ),
        422,
    )
    assert types(case_events(stack, case_id)) == ["medical.completed"]
    assert len(read(api, case_id)["assessments"]) == 1
    assert_problem(api.get("assessment", "/cases/no-such-case", user="manager-1"), 404)
