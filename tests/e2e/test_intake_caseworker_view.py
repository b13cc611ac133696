"""What intake tells the caseworker's pages, on the running service: cases by submission dates,
a read without personal data that records no read, what the approval granted of each item, each
payment's status, the changes open now and what waits for the caseworker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from support import Api, assert_problem, stream_messages, wait_for
from support.factories import case_body, item
from support.intake_probe import publish

from dev.stack import Stack
from shared.events import subjects
from shared.events.assessment import CaseApproved, InformationRequested
from shared.events.common import Item
from shared.events.disbursement import CategoryAmount, PaymentScheduled, PaymentSent


def submit(api: Api, **overrides: Any) -> str:
    created = api.post("intake", "/cases", user="caseworker-a", json=case_body(**overrides))
    assert created.status_code == 201, created.text
    case_id: str = created.json()["case_id"]
    return case_id


def read(api: Api, case_id: str, user: str = "caseworker-a", **params: str) -> dict[str, Any]:
    response = api.get("intake", f"/cases/{case_id}", user=user, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def accesses(stack: Stack, case_id: str) -> int:
    found = stream_messages(stack.nats_url or "", subjects.PERSONAL_DATA_ACCESSED)
    return sum(orjson.loads(data)["subject"] == case_id for _, data, _ in found)


def listed(api: Api, **params: str) -> list[str]:
    ids: list[str] = []
    cursor = None
    while True:
        page = api.get(
            "intake",
            "/cases",
            user="caseworker-a",
            params={"limit": "200", **params, **({"cursor": cursor} if cursor else {})},
        )
        assert page.status_code == 200, page.text
        ids += [c["case_id"] for c in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            return ids


def test_cases_are_listed_by_the_days_they_were_submitted(api: Api) -> None:
    case_id = submit(api)
    today = datetime.now(UTC).date()
    days = {d: (today + timedelta(days=d)).isoformat() for d in (-2, -1, 0, 1)}
    around = listed(api, submitted_from=days[-1], submitted_to=days[1])
    assert case_id in around
    assert case_id not in listed(api, submitted_from=days[-2], submitted_to=days[-2])
    assert case_id not in listed(api, submitted_from=days[1], submitted_to=days[1])
    assert_problem(api.get("intake", "/cases?submitted_to=2026-02-30", user="caseworker-a"), 422)


def test_a_read_without_personal_data_decrypts_nothing_and_records_no_read(
    api: Api, stack: Stack
) -> None:
    case_id = submit(api)
    before = accesses(stack, case_id)
    withheld = read(api, case_id, personal_data="false")
    assert withheld["personal_data"] == "withheld"
    assert withheld["victim"] is None and withheld["facts"] is None
    assert all(i["description"] is None for i in withheld["items"])
    assert "Test Person" not in str(withheld)
    assert withheld["actions"] == ["attach_document", "withdraw"]
    included = read(api, case_id)
    assert included["personal_data"] == "included" and included["victim"]["full_name"]
    wait_for(lambda: accesses(stack, case_id) == before + 1, what="the one recorded read")
    assert_problem(
        api.get("intake", f"/cases/{case_id}?personal_data=all", user="caseworker-a"), 422
    )
    # Others see no changes they could make; org_admin reads its organisation's case, no more.
    assert read(api, case_id, "orgadmin-a")["actions"] == []
    assert read(api, case_id, "medical-1", personal_data="false")["actions"] == []


def test_the_approval_the_payments_and_what_waits_for_the_caseworker(
    api: Api, stack: Stack
) -> None:
    case_id = submit(
        api,
        items=[item("medical", "1200.00", "CHF"), item("legal", "800.00", "EUR")],
        country="NP",
    )
    request_id = "req-" + case_id[:8]
    publish(
        stack,
        subjects.INFORMATION_REQUESTED,
        InformationRequested(
            case_id=case_id,
            request_id=request_id,
            question_category="legal_documents",
            requested_by="legal-1",
        ),
        case_id=case_id,
    )
    waiting = wait_for(
        lambda: (
            (c := read(api, case_id, personal_data="false"))["status"] == "information_requested"
            and c
        ),
        what="the information request",
    )
    assert waiting["awaiting_caseworker"] == ["answer_information"]
    assert "answer_information" in waiting["actions"]
    assert case_id in listed(api, status="information_requested")
    mine = [
        c
        for c in api.get(
            "intake", "/cases?status=information_requested&limit=200", user="caseworker-a"
        ).json()["items"]
        if c["case_id"] == case_id
    ]
    assert mine[0]["awaiting_caseworker"] == ["answer_information"]
    assert all(i.get("approved_amount") is None for i in waiting["items"])

    # Only the first item approved, the second left out; then a payment scheduled and sent.
    publish(
        stack,
        subjects.CASE_APPROVED,
        CaseApproved(
            case_id=case_id,
            org_id="org-a",
            country="NP",
            urgency="standard",
            approved_items=[
                Item(item_id="item-1", category="medical", amount="1000.00", currency="CHF")
            ],
            decided_by=["manager-1"],
        ),
        case_id=case_id,
        actor="manager-1",
    )
    approved = wait_for(
        lambda: (
            (c := read(api, case_id, personal_data="false"))["items"][0].get("approved_amount")
            and c
        ),
        what="the approved amounts",
    )
    assert [(i["approved_amount"], i["approved_currency"]) for i in approved["items"]] == [
        ("1000.00", "CHF"),
        ("0.00", "EUR"),
    ]
    assert approved["awaiting_caseworker"] == [], approved
    common: dict[str, Any] = {
        "case_id": case_id,
        "grant_id": "grant-t",
        "country": "NP",
        "payee_id": "payee-t",
        "amount": "1000.00",
        "currency": "CHF",
        "by_category": [CategoryAmount(category="medical", amount="1000.00")],
    }
    payment_id = "pay-" + case_id[:8]
    publish(
        stack,
        subjects.PAYMENT_SCHEDULED,
        PaymentScheduled(payment_id=payment_id, **common),
        case_id=case_id,
    )

    def payment_status() -> str | None:
        found = [
            p for p in read(api, case_id, personal_data="false")["payments"]
            if p["payment_id"] == payment_id
        ]  # fmt: skip
        return found[0]["status"] if found else None

    wait_for(lambda: payment_status() == "scheduled", what="the payment scheduled")
    sent = PaymentSent(
        payment_id=payment_id,
        batch_id="batch-t",
        bank_reference="BANK-T",
        paid_on=datetime.now(UTC).date(),
        **common,
    )
    publish(stack, subjects.PAYMENT_SENT, sent, case_id=case_id)
    wait_for(lambda: payment_status() == "sent", what="the payment sent")
    paid = read(api, case_id, personal_data="false")
    assert paid["status"] == "paid"
    assert paid["awaiting_caseworker"] == ["submit_report"]
    assert paid["actions"] == ["attach_document", "submit_report"]
    assert {"amount": "1000.00", "currency": "CHF"}.items() <= next(
        p for p in paid["payments"] if p["payment_id"] == payment_id
    ).items()
