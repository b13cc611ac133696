"""Through the running system: approved → reserved → scheduled → batched → approved by a second
officer → exported (pain.001, CSV) → paid, and intake shows `paid`; a case without budget waits
and is reserved when a grant arrives."""

from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal

from support import Api, wait_for
from support.disbursement_probe import (
    active_payee,
    approve,
    approve_batch,
    conserved,
    create_grant,
    events_for,
    grant,
    wait_payment,
)
from support.factories import case_body

from dev.stack import Stack
from services.disbursement.bankfiles import pain001_totals
from shared.events import subjects


def intake_status(api: Api, case_id: str) -> str:
    resp = api.get("intake", f"/cases/{case_id}", user="caseworker-a")
    assert resp.status_code == 200, resp.text
    status: str = resp.json()["status"]
    return status


def test_approved_case_is_reserved_batched_exported_and_paid(api: Api, stack: Stack) -> None:
    submitted = api.post("intake", "/cases", user="caseworker-a", json=case_body())
    assert submitted.status_code == 201, submitted.text
    case_id = submitted.json()["case_id"]
    create_grant(api, amount="50000.00")
    payee_id = active_payee(api, "org-a")
    approve(
        stack, case_id=case_id, org_id="org-a", country="LB", items=[("medical", "1200.00", "CHF")]
    )

    payment = wait_payment(api, case_id, "scheduled")
    assert (payment["amount"], payment["currency"], payment["payee_id"]) == (
        "1200.00",
        "CHF",
        payee_id,
    )
    reserved = grant(api, payment["grant_id"])
    assert reserved["reserved"] != "0.00"

    batch = api.post(
        "disbursement",
        "/batches",
        user="finance-1",
        json={"currency": "CHF", "payment_ids": [payment["payment_id"]]},
    )
    assert batch.status_code == 201, batch.text
    batch_id = batch.json()["batch_id"]
    assert (batch.json()["count"], batch.json()["total"]) == (1, "1200.00")
    draft_xml = api.get(
        "disbursement", f"/batches/{batch_id}/export?format=pain.001", user="finance-1"
    )
    assert draft_xml.status_code == 409  # only an approved batch goes to the bank
    same_officer = approve_batch(api, batch.json(), user="finance-1")
    assert same_officer.status_code == 409, same_officer.text
    approved = approve_batch(api, batch.json())
    assert approved.status_code == 200, approved.text

    xml = api.get("disbursement", f"/batches/{batch_id}/export?format=pain.001", user="finance-1")
    assert xml.status_code == 200, xml.text
    assert xml.headers["content-type"].startswith("application/xml")
    assert pain001_totals(xml.content) == (1, Decimal("1200.00"))
    assert b"DE89370400440532013000" in xml.content
    rows = list(
        csv.DictReader(
            io.StringIO(
                api.get(
                    "disbursement", f"/batches/{batch_id}/export?format=csv", user="finance-1"
                ).text
            )
        )
    )
    assert [(r["record"], r["amount"], r["batch_status"]) for r in rows] == [
        ("payment", "1200.00", "APPROVED"),
        ("total", "1200.00", "APPROVED"),
    ]

    paid = api.post(
        "disbursement",
        f"/payments/{payment['payment_id']}/confirm",
        user="finance-1",
        json={"bank_reference": "BANK-REF-1", "paid_on": "2025-03-02"},
    )
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "sent"
    after = grant(api, payment["grant_id"])
    assert Decimal(after["disbursed"]) - Decimal(reserved["disbursed"]) == Decimal("1200.00")
    assert after["amount"] == "50000.00" and after["totals"]["available"] == after["available"]
    wait_for(lambda: intake_status(api, case_id) == "paid", what="intake shows paid")
    sent = events_for(stack, subjects.PAYMENT_SENT, case_id)
    assert len(sent) == 1
    assert sent[0]["data"]["country"] == "LB"
    assert sent[0]["data"]["by_category"] == [{"category": "medical", "amount": "1200.00"}]
    conserved(stack)


def test_case_without_budget_waits_and_is_reserved_when_a_grant_arrives(
    api: Api, stack: Stack
) -> None:
    # Restricted to a country and currency no other test funds: only our grant can cover it.
    event = approve(stack, country="TD", items=[("legal", "777.00", "XOF")])
    case_id = event.data.case_id
    wait_for(
        lambda: events_for(stack, subjects.BUDGET_INSUFFICIENT, case_id), what="budget.insufficient"
    )
    made = create_grant(api, amount="5000", currency="XOF", restrictions={"countries": ["TD"]})
    payment = wait_payment(api, case_id, "awaiting_payee")
    assert (payment["amount"], payment["grant_id"]) == ("777", made["grant_id"])
    assert grant(api, made["grant_id"])["available"] == "4223"
    reserved = events_for(stack, subjects.BUDGET_RESERVED, case_id)
    assert len(reserved) == 1 and reserved[0]["correlationid"] == event.correlationid
    conserved(stack)


def test_payments_waiting_for_a_payee_go_to_the_default_payee_once_confirmed(
    api: Api, stack: Stack
) -> None:
    org = f"org-{uuid.uuid4().hex[:8]}"
    create_grant(api, amount="5000.00")
    event = approve(stack, org_id=org, items=(("legal", "300.00", "CHF"),))
    case_id = event.data.case_id
    waiting = wait_payment(api, case_id, "awaiting_payee")
    payee_id = active_payee(api, org)  # registered by finance-1, confirmed by finance-2
    scheduled = wait_payment(api, case_id, "scheduled")
    assert scheduled["payment_id"] == waiting["payment_id"]
    assert scheduled["payee_id"] == payee_id
    assert events_for(stack, "vfund.disbursement.payment.scheduled", case_id)
    conserved(stack)


def test_the_asyncapi_publishes_the_rate_events(api: Api) -> None:
    text = api.get("disbursement", "/asyncapi.json").text
    for subject in (
        subjects.FX_RATE_PROPOSED,
        subjects.FX_RATE_RECORDED,
        subjects.FX_RATE_REJECTED,
    ):
        assert subject in text
