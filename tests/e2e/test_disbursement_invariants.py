"""Not a cent astray: conservation per grant (also a CHECK), never above approved, never sent
twice (redelivery, concurrent officers), withdrawals release, four eyes on payees and batches."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import asyncpg
import pytest
from support import Api, assert_problem, run, stream_messages, wait_for
from support.disbursement_probe import (
    IBAN_CH,
    IBAN_GB,
    active_payee,
    approve,
    approve_batch,
    conserved,
    create_grant,
    db,
    events_for,
    grant,
    inject,
    payments_of,
    wait_payment,
    withdrawal,
)

from dev.stack import Stack
from shared.events import subjects

# Restricted test grants expire before the unrestricted ones, so they are the ones chosen.
FIRST_TO_EXPIRE = "2030-12-31"


def _org() -> str:
    return f"org-{uuid.uuid4().hex[:8]}"


def _batch(api: Api, *payment_ids: str, currency: str = "CHF") -> str:
    made = api.post(
        "disbursement",
        "/batches",
        user="finance-1",
        json={"currency": currency, "payment_ids": list(payment_ids)},
    )
    assert made.status_code == 201, made.text
    batch_id: str = made.json()["batch_id"]
    approved = approve_batch(api, made.json())
    assert approved.status_code == 200, approved.text
    return batch_id


def _scheduled_case(api: Api, stack: Stack, amount: str = "300.00") -> tuple[str, dict[str, Any]]:
    org = _org()
    active_payee(api, org)
    case_id = approve(stack, org_id=org, items=[("medical", amount, "CHF")]).data.case_id
    return case_id, wait_payment(api, case_id, "scheduled")


def test_conservation_is_a_database_check(stack: Stack, api: Api) -> None:
    made = create_grant(api, amount="100.00")

    async def tamper() -> None:
        conn = await asyncpg.connect(stack.service_dsns["disbursement"])
        try:
            await conn.execute(
                "UPDATE grants SET available_minor = available_minor + 1 WHERE grant_id = $1",
                uuid.UUID(made["grant_id"]),
            )
        finally:
            await conn.close()

    with pytest.raises(asyncpg.CheckViolationError):
        run(tamper())
    assert grant(api, made["grant_id"])["available"] == "100.00"


def test_redelivered_approval_reserves_once(stack: Stack, api: Api) -> None:
    create_grant(api, amount="5000.00")
    event = approve(stack, items=[("social", "400.00", "CHF")])
    # The same event again with a fresh Nats-Msg-Id (past the stream's dedup): the inbox holds.
    inject(stack, event, subjects.CASE_APPROVED)
    case_id = event.data.case_id
    wait_payment(api, case_id)
    wait_for(lambda: len(db(stack, "SELECT 1 FROM inbox WHERE event_id = $1", event.id)) == 1)
    assert len(events_for(stack, subjects.BUDGET_RESERVED, case_id)) == 1
    assert len(payments_of(api, case_id)) == 1
    rows = db(stack, "SELECT amount_minor FROM reservations WHERE case_id = $1", uuid.UUID(case_id))
    assert [r["amount_minor"] for r in rows] == [40000]


def test_two_officers_confirming_at_once_send_the_payment_once(stack: Stack, api: Api) -> None:
    create_grant(api, amount="5000.00")
    case_id, payment = _scheduled_case(api, stack)
    _batch(api, payment["payment_id"])
    before = grant(api, payment["grant_id"])

    def confirm(n: int) -> Any:
        return api.post(
            "disbursement",
            f"/payments/{payment['payment_id']}/confirm",
            user=f"finance-{n}",
            json={"bank_reference": f"REF-{n}", "paid_on": "2025-03-02"},
        )

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(confirm, [1, 2, 1, 2]))
    codes = sorted(r.status_code for r in answers)
    sent_by = {r.json()["bank_reference"] for r in answers if r.status_code == 200}
    assert len(sent_by) == 1 and 409 in codes, codes  # one reference won; the other refused
    after = grant(api, payment["grant_id"])
    assert float(after["disbursed"]) - float(before["disbursed"]) == 300.0
    wait_for(lambda: events_for(stack, subjects.PAYMENT_SENT, case_id))
    assert len(events_for(stack, subjects.PAYMENT_SENT, case_id)) == 1
    conserved(stack)


def test_concurrent_batches_take_each_payment_once(stack: Stack, api: Api) -> None:
    create_grant(api, amount="5000.00")
    _, payment = _scheduled_case(api, stack, "55.00")

    def batch(_: int) -> Any:
        return api.post(
            "disbursement",
            "/batches",
            user="finance-1",
            json={"currency": "CHF", "payment_ids": [payment["payment_id"]]},
        )

    with ThreadPoolExecutor(3) as pool:
        codes = sorted(r.status_code for r in pool.map(batch, range(3)))
    assert codes == [201, 409, 409]
    lines = db(
        stack,
        "SELECT batch_id FROM batch_lines WHERE payment_id = $1",
        uuid.UUID(payment["payment_id"]),
    )
    assert len(lines) == 1


def test_confirm_outside_an_approved_batch_and_unknown_payment_are_refused(
    stack: Stack, api: Api
) -> None:
    create_grant(api, amount="5000.00")
    _, payment = _scheduled_case(api, stack)
    url = f"/payments/{payment['payment_id']}/confirm"
    body = {"bank_reference": "R1", "paid_on": "2025-03-02"}
    problem = assert_problem(api.post("disbursement", url, user="finance-1", json=body), 409)
    assert problem["type"].endswith("payment-not-in-approved-batch")
    assert_problem(
        api.post("disbursement", f"/payments/{uuid.uuid4()}/confirm", user="finance-1", json=body),
        404,
    )
    assert wait_payment(api, payment["case_id"])["status"] == "scheduled"


def test_withdrawal_cancels_unsent_payments_and_releases(stack: Stack, api: Api) -> None:
    made = create_grant(
        api, amount="900.00", restrictions={"countries": ["KH"]}, valid_to=FIRST_TO_EXPIRE
    )
    event = approve(stack, country="KH", items=[("medical", "600.00", "CHF")])
    case_id = event.data.case_id
    wait_payment(api, case_id, "awaiting_payee")
    assert grant(api, made["grant_id"])["reserved"] == "600.00"
    inject(stack, withdrawal(case_id), subjects.CASE_WITHDRAWN)
    wait_payment(api, case_id, "cancelled")
    wait_for(
        lambda: grant(api, made["grant_id"])["available"] == "900.00", what="reservation released"
    )
    released = events_for(stack, subjects.BUDGET_RELEASED, case_id)
    assert [e["data"]["amount"] for e in released] == ["600.00"]
    conserved(stack)


def test_withdrawal_before_approval_reserves_nothing(stack: Stack, api: Api) -> None:
    made = create_grant(
        api, amount="900.00", restrictions={"countries": ["KE"]}, valid_to=FIRST_TO_EXPIRE
    )
    case_id = str(uuid.uuid4())
    inject(stack, withdrawal(case_id), subjects.CASE_WITHDRAWN)
    wait_for(
        lambda: db(stack, "SELECT 1 FROM case_withdrawals WHERE case_id = $1", uuid.UUID(case_id))
    )
    approved = approve(stack, case_id=case_id, country="KE")
    wait_for(lambda: db(stack, "SELECT 1 FROM inbox WHERE event_id = $1", approved.id))
    assert not payments_of(api, case_id)
    assert grant(api, made["grant_id"])["available"] == "900.00"


def test_withdrawn_waiting_case_leaves_the_list(stack: Stack, api: Api) -> None:
    event = approve(stack, country="NE", items=[("legal", "321.00", "XOF")])
    case_id = event.data.case_id
    wait_for(lambda: events_for(stack, subjects.BUDGET_INSUFFICIENT, case_id))
    inject(stack, withdrawal(case_id), subjects.CASE_WITHDRAWN)
    wait_for(
        lambda: db(
            stack,
            "SELECT 1 FROM approved_cases WHERE case_id = $1 AND status = 'withdrawn'",
            uuid.UUID(case_id),
        )
    )
    made = create_grant(
        api,
        amount="1000",
        currency="XOF",
        restrictions={"countries": ["NE"]},
        valid_to=FIRST_TO_EXPIRE,
    )
    assert grant(api, made["grant_id"])["available"] == "1000"
    assert not payments_of(api, case_id)


def test_adjust_needs_if_match_and_never_drops_below_committed(stack: Stack, api: Api) -> None:
    made = create_grant(
        api, amount="1000.00", restrictions={"countries": ["MW"]}, valid_to=FIRST_TO_EXPIRE
    )
    case_id = approve(stack, country="MW", items=[("medical", "700.00", "CHF")]).data.case_id
    wait_payment(api, case_id)
    url = f"/grants/{made['grant_id']}/adjustments"
    read = api.get("disbursement", f"/grants/{made['grant_id']}", user="finance-1")
    tag = read.headers["ETag"]
    assert_problem(
        api.post(
            "disbursement", url, user="finance-1", json={"delta": "-100.00", "currency": "CHF"}
        ),
        428,
    )
    assert_problem(
        api.post(
            "disbursement",
            url,
            user="finance-1",
            headers={"If-Match": '"1"'},
            json={"delta": "-100.00", "currency": "CHF"},
        ),
        412,
    )
    below = api.post(
        "disbursement",
        url,
        user="finance-1",
        headers={"If-Match": tag},
        json={"delta": "-300.01", "currency": "CHF"},
    )
    assert assert_problem(below, 409)["type"].endswith("grant-below-committed")
    ok = api.post(
        "disbursement",
        url,
        user="finance-1",
        headers={"If-Match": tag},
        json={"delta": "-300.00", "currency": "CHF", "reason": "donor cut"},
    )
    assert ok.status_code == 201, ok.text
    assert (ok.json()["amount"], ok.json()["available"], ok.json()["reserved"]) == (
        "700.00",
        "0.00",
        "700.00",
    )
    assert ok.headers["ETag"] != tag
    conserved(stack)


def test_payee_four_eyes_and_bank_detail_change(stack: Stack, api: Api) -> None:
    org = _org()
    created = api.post(
        "disbursement",
        "/payees",
        user="finance-1",
        json={
            "org_id": org,
            "name": "Clinic",
            "kind": "provider",
            "iban": IBAN_CH,
            "default": True,
        },
    )
    assert created.status_code == 201, created.text
    payee_id = created.json()["payee_id"]
    assert created.json()["status"] == "pending"
    seen = {"If-Match": created.headers["ETag"]}
    assert_problem(
        api.post("disbursement", f"/payees/{payee_id}/confirm", user="finance-1", headers=seen), 409
    )
    assert (
        api.post(
            "disbursement", f"/payees/{payee_id}/confirm", user="finance-2", headers=seen
        ).json()["status"]
        == "active"
    )
    changed = api.post(
        "disbursement", f"/payees/{payee_id}/bank-details", user="finance-2", json={"iban": IBAN_GB}
    )
    assert changed.json()["status"] == "pending" and changed.json()["iban"] == IBAN_CH
    seen = {"If-Match": changed.headers["ETag"]}
    assert_problem(
        api.post("disbursement", f"/payees/{payee_id}/confirm", user="finance-2", headers=seen), 409
    )
    done = api.post("disbursement", f"/payees/{payee_id}/confirm", user="finance-1", headers=seen)
    assert done.json()["iban"] == IBAN_GB
    logged = events_for(stack, subjects.PAYEE_BANK_DETAILS_CHANGED, payee_id)
    assert logged and IBAN_GB not in str(logged) and IBAN_CH not in str(logged)


def test_split_cancel_and_reschedule_keep_the_case_within_approved(stack: Stack, api: Api) -> None:
    made = create_grant(
        api, amount="2000.00", restrictions={"countries": ["UG"]}, valid_to=FIRST_TO_EXPIRE
    )
    org = _org()
    case_id = approve(
        stack,
        org_id=org,
        country="UG",
        items=[("medical", "600.00", "CHF"), ("legal", "400.00", "CHF")],
    ).data.case_id
    payment = wait_payment(api, case_id, "awaiting_payee")
    clinic, lawyer = active_payee(api, org, default=False), active_payee(api, org, default=False)
    url = f"/payments/{payment['payment_id']}/split"
    too_much = api.post(
        "disbursement",
        url,
        user="finance-1",
        json={
            "parts": [
                {"amount": "600.00", "payee_id": clinic},
                {"amount": "400.01", "payee_id": lawyer},
            ]
        },
    )
    assert assert_problem(too_much, 409)["type"].endswith("over-approved-total")
    unknown_item = api.post(
        "disbursement",
        url,
        user="finance-1",
        json={"parts": [{"amount": "600.00", "item_ids": ["item-9"]}, {"amount": "400.00"}]},
    )
    assert_problem(unknown_item, 422)
    split = api.post(
        "disbursement",
        url,
        user="finance-1",
        json={
            "parts": [
                {"amount": "600.00", "payee_id": clinic, "item_ids": ["item-1"]},
                {"amount": "400.00", "payee_id": lawyer, "item_ids": ["item-2"]},
            ]
        },
    )
    assert split.status_code == 201, split.text
    first, second = split.json()["items"]
    assert [first["status"], second["status"]] == ["scheduled", "scheduled"]
    cancelled = api.post(
        "disbursement",
        f"/payments/{second['payment_id']}/cancel",
        user="finance-1",
        json={"reason": "provider_declined"},
    )
    assert cancelled.json()["status"] == "cancelled"
    assert grant(api, made["grant_id"])["reserved"] == "600.00"
    _batch(api, first["payment_id"])
    failed = api.post(
        "disbursement",
        f"/payments/{first['payment_id']}/fail",
        user="finance-1",
        json={"reason": "AC04 closed account"},
    )
    assert failed.json()["status"] == "failed"
    again = api.post(
        "disbursement", f"/payments/{first['payment_id']}/reschedule", user="finance-1", json={}
    )
    assert again.json()["status"] == "scheduled"
    sent = [
        e
        for e in events_for(stack, subjects.PAYMENT_SCHEDULED, case_id)
        if e["data"]["payment_id"] == first["payment_id"]
    ]
    assert sent[-1]["data"]["by_category"] == [{"category": "medical", "amount": "600.00"}]
    conserved(stack)


def test_an_approval_that_breaks_a_rule_is_dead_lettered_not_reserved(
    stack: Stack, api: Api
) -> None:
    event = approve(stack, country="XX")  # shaped like a country code, but none
    wait_for(
        lambda: [
            m
            for m in stream_messages(stack.nats_url, "vfund.deadletter.disbursement")
            if event.id.encode() in m[1]
        ],
        what="the approval dead-lettered",
    )
    assert not payments_of(api, event.data.case_id)
