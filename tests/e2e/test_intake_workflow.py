"""Intake follows a case through the other services' events, and takes the caseworker's changes.

The other services' events are published here as they would publish them, so the status machine
is proved on the real stream whether or not those services run in this session.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import orjson
from support import Api, assert_problem, stream_messages, wait_for, wait_quiet
from support.factories import case_body
from support.intake_probe import (
    PDF,
    last_event,
    new_id,
    nothing_changes,
    publish,
    query,
)

from dev.stack import Stack
from shared.events import subjects
from shared.events.assessment import (
    CaseApproved,
    InformationRequested,
    MedicalAssessmentCompleted,
)
from shared.events.common import Item
from shared.events.disbursement import (
    BudgetReserved,
    CategoryAmount,
    FxConversion,
    PaymentScheduled,
    PaymentSent,
)

ITEM = Item(item_id="item-1", category="medical", amount="1200.00", currency="CHF")


def new_case(api: Api) -> str:
    response = api.post("intake", "/cases", user="caseworker-a", json=case_body())
    assert response.status_code == 201, response.text
    case_id: str = response.json()["case_id"]
    return case_id


def read(api: Api, case_id: str, user: str = "caseworker-a") -> dict[str, Any]:
    response = api.get("intake", f"/cases/{case_id}", user=user)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    body["etag"] = response.headers["ETag"]
    return body


def wait_status(api: Api, case_id: str, status: str) -> dict[str, Any]:
    return wait_for(
        lambda: (c := read(api, case_id))["status"] == status and c, what=f"case {status}"
    )


def wait_history(api: Api, case_id: str, kind: str, count: int = 1) -> dict[str, Any]:
    def seen() -> dict[str, Any] | None:
        case = read(api, case_id)
        return case if sum(h["kind"] == kind for h in case["history"]) >= count else None

    return wait_for(seen, what=f"{kind} in the timeline")


def upload(
    api: Api,
    case_id: str,
    content: bytes = PDF,
    *,
    purpose: str = "evidence",
    headers: dict[str, str] | None = None,
) -> Any:
    return api.post(
        "intake",
        f"/cases/{case_id}/documents",
        user="caseworker-a",
        files={"file": ("scan.pdf", content, "application/pdf")},
        data={"purpose": purpose},
        headers=headers,
    )


def request_information(stack: Stack, case_id: str) -> str:
    request_id = new_id()
    publish(
        stack,
        subjects.INFORMATION_REQUESTED,
        InformationRequested(
            case_id=case_id,
            request_id=request_id,
            question_category="medical_records",
            requested_by="medical-1",
        ),
        case_id=case_id,
    )
    return request_id


def test_information_round_trip_with_versions(api: Api, stack: Stack) -> None:
    case_id = new_case(api)
    publish(
        stack,
        subjects.MEDICAL_COMPLETED,
        MedicalAssessmentCompleted(
            case_id=case_id,
            assessor="medical-1",
            recommendation="more_information",
            recommended_items=[ITEM],
        ),
        case_id=case_id,
    )
    stale = wait_status(api, case_id, "in_assessment")["etag"]
    request_id = request_information(stack, case_id)
    case = wait_status(api, case_id, "information_requested")
    assert case["etag"] != stale
    assert case["information_requests"][0]["status"] == "open"
    path = f"/cases/{case_id}/information"
    answer = {"request_id": request_id, "answer": "The clinic report follows."}
    with nothing_changes(stack):
        assert_problem(
            api.post("intake", path, user="caseworker-a", json=answer, headers={"If-Match": stale}),
            412,
        )
        assert_problem(
            api.post(
                "intake", path, user="caseworker-a", json=answer | {"request_id": "no-such-request"}
            ),
            404,
        )
        assert_problem(api.post("intake", path, user="caseworker-b", json=answer), 404)
        assert_problem(api.post("intake", path, user="medical-1", json=answer), 403)
    document_id = upload(api, case_id, purpose="information").json()["document_id"]
    current = read(api, case_id)["etag"]
    done = api.post(
        "intake",
        path,
        user="caseworker-a",
        json=answer | {"document_ids": [document_id]},
        headers={"If-Match": current},
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "in_assessment"
    assert done.headers["ETag"] != current
    event = wait_for(
        lambda: last_event(stack, subjects.CASE_INFORMATION_PROVIDED), what="information_provided"
    )
    assert event["data"] == {"case_id": case_id, "request_id": request_id}
    assert_problem(api.post("intake", path, user="caseworker-a", json=answer), 409)
    case = read(api, case_id)
    assert case["information_requests"][0]["answer"] == answer["answer"]
    assert case["information_requests"][0]["document_ids"] == [document_id]
    blob = query(
        stack,
        "SELECT blob FROM case_personal WHERE case_id = $1 AND field = $2",
        uuid.UUID(case_id),
        f"information:{request_id}",
    )[0]["blob"]
    assert answer["answer"].encode() not in bytes(blob)


def test_statuses_never_step_back_and_duplicates_apply_once(api: Api, stack: Stack) -> None:
    case_id = new_case(api)
    common = {
        "case_id": case_id,
        "grant_id": "grant-1",
        "amount": "1200.00",
        "currency": "CHF",
        "country": "LB",
        "by_category": [CategoryAmount(category="medical", amount="1200.00")],
    }
    paid = {"payment_id": "pay-1", "payee_id": "payee-1"}
    sent = PaymentSent(
        **paid, batch_id="batch-1", bank_reference="BR-1", paid_on=date(2026, 11, 2), **common
    )
    event_id = publish(stack, subjects.PAYMENT_SENT, sent, case_id=case_id, actor="finance-1")
    wait_status(api, case_id, "paid")
    # Earlier steps arriving late change the timeline, never the status.
    publish(
        stack,
        subjects.CASE_APPROVED,
        CaseApproved(
            case_id=case_id,
            org_id="org-a",
            country="LB",
            urgency="standard",
            approved_items=[ITEM],
            decided_by=["manager-1"],
        ),
        case_id=case_id,
    )
    converted = FxConversion(
        item_id="item-1",
        category="medical",
        amount="1200.00",
        currency="CHF",
        converted="1200.00",
        rate="1",
        as_of=date(2026, 11, 1),
        base="CHF",
        quote="CHF",
    )
    publish(
        stack,
        subjects.BUDGET_RESERVED,
        BudgetReserved(reservation_id="res-1", fx_rate="1", conversions=[converted], **common),
        case_id=case_id,
    )
    publish(stack, subjects.PAYMENT_SCHEDULED, PaymentScheduled(**paid, **common), case_id=case_id)
    # The same event again, past the stream's own de-duplication: the inbox drops it.
    publish(stack, subjects.PAYMENT_SENT, sent, case_id=case_id, event_id=event_id, msg_id=new_id())
    wait_history(api, case_id, "payment.scheduled")
    wait_history(api, case_id, "budget.reserved")
    case = wait_history(api, case_id, "case.approved")
    assert case["status"] == "paid"
    sent_rows = query(stack, "SELECT count(*) AS n FROM inbox WHERE event_id = $1", event_id)
    assert sent_rows[0]["n"] == 1
    assert [h["kind"] for h in case["history"]].count("payment.sent") == 1
    assert_problem(
        api.post(
            "intake",
            f"/cases/{case_id}/withdraw",
            user="caseworker-a",
            json={"reason": "no_longer_needed"},
        ),
        409,
    )
    document_id = upload(api, case_id, purpose="report").json()["document_id"]
    report = api.post(
        "intake",
        f"/cases/{case_id}/report",
        user="caseworker-a",
        json={"document_ids": [document_id]},
    )
    assert report.status_code == 200, report.text
    assert report.json()["status"] == "closed"
    closed = wait_for(lambda: last_event(stack, subjects.CASE_CLOSED), what="case.closed")
    assert closed["data"] == {"case_id": case_id}
    reported = last_event(stack, subjects.REPORT_SUBMITTED)
    assert reported is not None
    assert reported["data"] == {"case_id": case_id, "document_ids": [document_id]}
    assert_problem(
        api.post(
            "intake",
            f"/cases/{case_id}/report",
            user="caseworker-a",
            json={"document_ids": [document_id]},
        ),
        409,
    )


def test_withdraw_is_final_and_checks_the_version(api: Api, stack: Stack) -> None:
    case_id = new_case(api)
    path = f"/cases/{case_id}/withdraw"
    assert_problem(
        api.post(
            "intake",
            f"/cases/{case_id}/report",
            user="caseworker-a",
            json={"document_ids": [new_id()]},
        ),
        409,
    )
    with nothing_changes(stack):
        assert_problem(
            api.post(
                "intake",
                path,
                user="caseworker-a",
                json={"reason": "safety"},
                headers={"If-Match": '"7"'},
            ),
            412,
        )
    done = api.post(
        "intake",
        path,
        user="caseworker-a",
        json={"reason": "safety"},
        headers={"If-Match": '"1"', "Idempotency-Key": f"w-{case_id}"},
    )
    assert done.status_code == 200, done.text
    assert done.json() == {"case_id": case_id, "status": "withdrawn", "version": 2}
    again = api.post(
        "intake",
        path,
        user="caseworker-a",
        json={"reason": "safety"},
        headers={"If-Match": '"1"', "Idempotency-Key": f"w-{case_id}"},
    )
    assert again.json() == done.json()
    assert_problem(api.post("intake", path, user="caseworker-a", json={"reason": "safety"}), 409)

    def withdrawals() -> int:
        return sum(
            1
            for _, data, _ in stream_messages(stack.nats_url or "", subjects.CASE_WITHDRAWN)
            if orjson.loads(data)["subject"] == case_id
        )

    wait_for(withdrawals, what="case.withdrawn published")
    wait_quiet(stack.nats_url or "")
    assert withdrawals() == 1
    publish(
        stack,
        subjects.CASE_APPROVED,
        CaseApproved(
            case_id=case_id,
            org_id="org-a",
            country="LB",
            urgency="standard",
            approved_items=[ITEM],
            decided_by=["manager-1"],
        ),
        case_id=case_id,
    )
    case = wait_history(api, case_id, "case.approved")
    assert case["status"] == "withdrawn"
    assert_problem(upload(api, case_id), 409)


def test_documents_are_typed_by_their_bytes_and_stored_encrypted(api: Api, stack: Stack) -> None:
    case_id = new_case(api)
    created = upload(api, case_id, headers={"If-Match": '"1"'})
    assert created.status_code == 201, created.text
    document = created.json()
    assert document["media_type"] == "application/pdf"
    assert created.headers["ETag"] == '"2"'
    event = wait_for(
        lambda: (
            (e := last_event(stack, subjects.DOCUMENT_ATTACHED))
            and e["data"]["document_id"] == document["document_id"]
            and e
        ),
        what="document.attached",
    )
    assert set(event["data"]) == {
        "case_id",
        "document_id",
        "sha256",
        "media_type",
        "size_bytes",
        "purpose",
    }
    assert event["data"]["size_bytes"] == len(PDF)
    stored = query(
        stack,
        "SELECT blob FROM case_documents WHERE document_id = $1",
        uuid.UUID(document["document_id"]),
    )[0]["blob"]
    assert PDF[:20] not in bytes(stored)
    path = f"/cases/{case_id}/documents/{document['document_id']}"
    download = api.get("intake", path, user="medical-1")
    assert download.status_code == 200
    assert download.content == PDF
    assert download.headers["Cache-Control"] == "no-store"
    assert_problem(api.get("intake", path, user="caseworker-b"), 404)
    assert_problem(api.get("intake", path, user="manager-1"), 403)
    assert_problem(upload(api, case_id, headers={"If-Match": '"1"'}), 412)
