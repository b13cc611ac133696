"""Through the running system: vfund's own pain.001 comes back from the bank as a camt.053 and
pays the payment (reserved → disbursed, intake shows `paid`); a return (AC04) after booking gives
the money back to the grant; the same statement twice is a 409 that changes nothing; an unknown
EndToEndId is left unmatched for another officer to dismiss; only finance may import."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from support import Api, assert_problem, stream_messages, wait_for
from support.disbursement_probe import (
    active_payee,
    approve,
    approve_batch,
    conserved,
    create_grant,
    events_for,
    grant,
    settled,
    state,
    wait_payment,
)
from support.statements import (
    CAMT_VERSIONS,
    FUND_IBAN,
    TxStatus,
    booking,
    camt,
    camt053,
    in_other_currency,
    pain002,
    read_pain001,
    return_of,
    statement_from_pain001,
)

from dev.stack import Stack
from shared.events import subjects
from shared.money import Money

XML = {"Content-Type": "application/xml"}


@dataclass(frozen=True)
class Exported:
    case_id: str
    payment: dict[str, Any]
    batch_id: str
    pain001: bytes


def intake_status(api: Api, case_id: str) -> str:
    resp = api.get("intake", f"/cases/{case_id}", user="caseworker-a")
    assert resp.status_code == 200, resp.text
    status: str = resp.json()["status"]
    return status


def exported(api: Api, stack: Stack, amount: str = "800.00") -> Exported:
    """A real intake case approved, its payment scheduled, batched, approved by a second officer
    and exported as pain.001."""
    submitted = api.post("intake", "/cases", user="caseworker-a", json=_case_body())
    assert submitted.status_code == 201, submitted.text
    case_id = submitted.json()["case_id"]
    create_grant(api, amount="50000.00")
    active_payee(api, "org-a")
    approve(
        stack, case_id=case_id, org_id="org-a", country="LB", items=[("medical", amount, "CHF")]
    )
    payment = wait_payment(api, case_id, "scheduled")
    batch = api.post(
        "disbursement",
        "/batches",
        user="finance-1",
        json={"currency": "CHF", "payment_ids": [payment["payment_id"]]},
    )
    assert batch.status_code == 201, batch.text
    approved = approve_batch(api, batch.json())
    assert approved.status_code == 200, approved.text
    batch_id = batch.json()["batch_id"]
    xml = api.get("disbursement", f"/batches/{batch_id}/export?format=pain.001", user="finance-1")
    assert xml.status_code == 200, xml.text
    return Exported(case_id, payment, batch_id, xml.content)


def _case_body() -> dict[str, Any]:
    from support.factories import case_body

    body: dict[str, Any] = case_body()
    return body


def upload(api: Api, data: bytes, user: str = "finance-1", **headers: str) -> Any:
    return api.post("disbursement", "/statements", user=user, content=data, headers=XML | headers)


def stmt_id() -> str:
    return f"STMT-{uuid.uuid4().hex[:16]}"


def test_a_statement_made_from_the_export_pays_the_payment(api: Api, stack: Stack) -> None:
    done = exported(api, stack)
    payment_id = done.payment["payment_id"]
    assert read_pain001(done.pain001).debtor_iban == FUND_IBAN
    before = grant(api, done.payment["grant_id"])
    sid = stmt_id()
    file = statement_from_pain001(done.pain001, statement_id=sid)

    resp = upload(api, file, **{"Idempotency-Key": f"k-{sid}"})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["message"] == "camt.053.001.08"
    (statement,) = body["statements"]
    assert (statement["entries"], statement["matched"], statement["unmatched"]) == (1, 1, 0)
    assert statement["items"][0]["payment_ids"] == [payment_id]
    assert statement["items"][0]["outcome"] == "matched"
    assert resp.headers["Location"] == f"/statements/{statement['statement_id']}"

    paid = api.get("disbursement", f"/payments/{payment_id}", user="finance-1").json()
    assert paid["status"] == "sent"
    after = grant(api, done.payment["grant_id"])
    assert Decimal(after["disbursed"]) - Decimal(before["disbursed"]) == Decimal("800.00")
    assert Decimal(before["reserved"]) - Decimal(after["reserved"]) == Decimal("800.00")
    wait_for(lambda: intake_status(api, done.case_id) == "paid", what="intake shows paid")
    assert len(events_for(stack, subjects.PAYMENT_SENT, done.case_id)) == 1

    # The same request again (same key) replays; the same statement again is a 409.
    again = upload(api, file, **{"Idempotency-Key": f"k-{sid}"})
    assert again.status_code == 201 and again.json() == body
    listed = api.get("disbursement", "/statements?limit=200", user="finance-2")
    assert listed.status_code == 200
    assert statement["statement_id"] in [s["statement_id"] for s in listed.json()["items"]]
    one = api.get("disbursement", f"/statements/{statement['statement_id']}", user="finance-2")
    assert one.status_code == 200 and one.json()["items"][0]["outcome"] == "matched"
    imported = [
        m
        for _, m, _ in stream_messages(stack.nats_url, subjects.STATEMENT_IMPORTED)
        if statement["statement_id"].encode() in m
    ]
    assert len(imported) == 1
    conserved(stack)


def test_the_same_statement_twice_is_a_409_that_changes_nothing(api: Api, stack: Stack) -> None:
    done = exported(api, stack, amount="120.00")
    sid = stmt_id()
    file = statement_from_pain001(done.pain001, statement_id=sid)
    assert upload(api, file).status_code == 201
    before = state(stack)
    # Another file (a camt.053 in another version) that is the same statement of the account.
    twin = statement_from_pain001(done.pain001, statement_id=sid, version=6)
    for data in (file, twin):
        problem = assert_problem(upload(api, data, user="finance-2"), 409)
        assert problem["type"].endswith("statement-already-imported"), problem
    assert state(stack) == before
    assert len(events_for(stack, subjects.PAYMENT_SENT, done.case_id)) == 1
    conserved(stack)


def test_a_return_after_booking_gives_the_money_back(api: Api, stack: Stack) -> None:
    done = exported(api, stack, amount="333.00")
    payment_id = done.payment["payment_id"]
    before = grant(api, done.payment["grant_id"])
    assert (
        upload(api, statement_from_pain001(done.pain001, statement_id=stmt_id())).status_code == 201
    )
    returned = camt053(
        [
            return_of(
                uuid.UUID(payment_id),
                Money(33300, "CHF"),
                reason="AC04",
                bank_reference=f"R-{uuid.uuid4().hex[:8]}",
            )
        ],
        statement_id=stmt_id(),
    )
    resp = upload(api, returned)
    assert resp.status_code == 201, resp.text
    (entry,) = resp.json()["statements"][0]["items"]
    assert (entry["outcome"], entry["reason"], entry["payment_ids"]) == (
        "returned",
        "AC04",
        [payment_id],
    )
    assert entry["paid_before"] == [payment_id]
    failed = api.get("disbursement", f"/payments/{payment_id}", user="finance-1").json()
    assert failed["status"] == "failed"
    after = grant(api, done.payment["grant_id"])
    # Paid and then given back: the grant's disbursed figure is where it was before the export.
    assert after["disbursed"] == before["disbursed"]
    assert after["amount"] == before["amount"]
    events = events_for(stack, subjects.PAYMENT_FAILED, done.case_id)
    assert len(events) == 1 and events[0]["data"]["returned_on"] is not None
    settled(stack)
    conserved(stack)


def test_an_unknown_end_to_end_id_is_left_for_another_officer(api: Api, stack: Stack) -> None:
    stranger = booking(uuid.uuid4(), Money(4200, "CHF"), bank_reference=f"U-{uuid.uuid4().hex[:8]}")
    resp = upload(api, camt053([stranger], statement_id=stmt_id()))
    assert resp.status_code == 201, resp.text
    statement = resp.json()["statements"][0]
    assert (statement["matched"], statement["unmatched"]) == (0, 1)
    path = f"/statements/{statement['statement_id']}/entries/0"
    entry = api.get("disbursement", path, user="finance-2")
    assert entry.status_code == 200 and entry.json()["outcome"] == "unmatched"
    etag = entry.headers["ETag"]
    reason = {"reason": "not_a_vfund_payment"}
    # The importer may not resolve it; nobody may without If-Match, or on a stale version.
    own = api.post("disbursement", f"{path}/dismiss", user="finance-1", json=reason,
                   headers={"If-Match": etag})  # fmt: skip
    assert_problem(own, 409)
    assert_problem(api.post("disbursement", f"{path}/dismiss", user="finance-2", json=reason), 428)
    stale = api.post("disbursement", f"{path}/dismiss", user="finance-2", json=reason,
                     headers={"If-Match": '"99"'})  # fmt: skip
    assert_problem(stale, 412)
    done = api.post("disbursement", f"{path}/dismiss", user="finance-2", json=reason,
                    headers={"If-Match": etag})  # fmt: skip
    assert done.status_code == 200, done.text
    assert (done.json()["outcome"], done.json()["resolved_by"]) == ("dismissed", "finance-2")
    again = api.post("disbursement", f"{path}/dismiss", user="finance-2", json=reason,
                     headers={"If-Match": done.headers["ETag"]})  # fmt: skip
    assert_problem(again, 409)


def test_only_finance_imports_and_reads_statements(api: Api, stack: Stack) -> None:
    file = camt053([booking(uuid.uuid4(), Money(100, "CHF"))], statement_id=stmt_id())
    before = state(stack)
    for user in ("caseworker-a", "manager-1"):
        assert_problem(upload(api, file, user=user), 403)
        assert_problem(api.get("disbursement", "/statements", user=user), 403)
    assert api.post("disbursement", "/statements", content=file, headers=XML).status_code == 401
    assert state(stack) == before


def test_an_entry_matched_by_hand_by_another_officer_pays(api: Api, stack: Stack) -> None:
    done = exported(api, stack, amount="91.00")
    payment_id = done.payment["payment_id"]
    before = grant(api, done.payment["grant_id"])
    # The bank lost the EndToEndId: the entry waits for a second officer.
    lost = booking(uuid.uuid4(), Money(9100, "CHF"), bank_reference=f"M-{uuid.uuid4().hex[:8]}")
    resp = upload(api, camt053([lost], statement_id=stmt_id()))
    assert resp.status_code == 201, resp.text
    statement_id = resp.json()["statements"][0]["statement_id"]
    path = f"/statements/{statement_id}/entries/0"
    etag = api.get("disbursement", path, user="finance-2").headers["ETag"]
    choice = {"payment_ids": [payment_id]}
    own = api.post(
        "disbursement", f"{path}/match", user="finance-1", json=choice, headers={"If-Match": etag}
    )
    assert_problem(own, 409)
    assert (
        api.get("disbursement", f"/payments/{payment_id}", user="finance-1").json()["status"]
        == "batched"
    )
    matched = api.post(
        "disbursement", f"{path}/match", user="finance-2", json=choice, headers={"If-Match": etag}
    )
    assert matched.status_code == 200, matched.text
    assert (matched.json()["outcome"], matched.json()["payment_ids"]) == ("matched", [payment_id])
    assert (
        api.get("disbursement", f"/payments/{payment_id}", user="finance-1").json()["status"]
        == "sent"
    )
    after = grant(api, done.payment["grant_id"])
    assert Decimal(after["disbursed"]) - Decimal(before["disbursed"]) == Decimal("91.00")
    wait_for(lambda: intake_status(api, done.case_id) == "paid", what="intake shows paid")
    # The same booking in the day's statement, now with its EndToEndId, does not pay twice.
    known = booking(uuid.UUID(payment_id), lost.amount, bank_reference=lost.bank_reference or "")
    again = upload(api, camt053([known], statement_id=stmt_id()))
    assert again.status_code == 201, again.text
    assert again.json()["statements"][0]["items"][0]["outcome"] == "unchanged"
    assert len(events_for(stack, subjects.PAYMENT_SENT, done.case_id)) == 1
    conserved(stack)


def test_a_status_report_rejection_fails_the_batched_payment(api: Api, stack: Stack) -> None:
    done = exported(api, stack, amount="47.00")
    payment_id = done.payment["payment_id"]
    pain = read_pain001(done.pain001)
    report = pain002(
        original_message_id=pain.message_id,
        payment_info_id=pain.payment_info_id,
        statuses=[TxStatus(pain.transfers[0][0], reason="AC04")],
        message_id=f"STS-{uuid.uuid4().hex[:12]}",
    )
    resp = upload(api, report)
    assert resp.status_code == 201, resp.text
    found = resp.json()["status_report"]
    assert (found["lines"], found["rejected"]) == (1, 1)
    failed = api.get("disbursement", f"/payments/{payment_id}", user="finance-1").json()
    assert failed["status"] == "failed"
    events = wait_for(
        lambda: events_for(stack, subjects.PAYMENT_FAILED, done.case_id), what="payment.failed"
    )
    assert len(events) == 1 and events[0]["data"].get("returned_on") is None
    listed = api.get("disbursement", "/status-reports?limit=200", user="finance-2").json()
    assert found["report_id"] in [r["report_id"] for r in listed["items"]]
    conserved(stack)


@pytest.mark.parametrize("kind", ["camt.053", "camt.054"])
def test_every_supported_version_is_read(api: Api, kind: str) -> None:
    for version in CAMT_VERSIONS:
        entry = booking(
            uuid.uuid4(), Money(1234, "CHF"), bank_reference=f"VR-{uuid.uuid4().hex[:8]}"
        )
        resp = upload(api, camt(kind, version, [entry], statement_id=stmt_id()))
        assert resp.status_code == 201, (kind, version, resp.text)
        assert resp.json()["message"] == f"{kind}.001.{version:02d}"
        assert resp.json()["statements"][0]["unmatched"] == 1


def test_an_amount_that_disagrees_or_another_currency_pays_nothing(api: Api, stack: Stack) -> None:
    done = exported(api, stack, amount="61.00")
    payment_id = done.payment["payment_id"]
    pid = uuid.UUID(payment_id)
    wrong = booking(pid, Money(6200, "CHF"), bank_reference=f"A-{uuid.uuid4().hex[:8]}")
    other = in_other_currency(pid, Money(6100, "EUR"), Money(6100, "CHF"),
                              bank_reference=f"C-{uuid.uuid4().hex[:8]}")  # fmt: skip
    for entry in (wrong, other):
        resp = upload(api, camt053([entry], statement_id=stmt_id()))
        assert resp.status_code == 201, resp.text
        assert resp.json()["statements"][0]["items"][0]["outcome"] != "matched", resp.text
        status = api.get("disbursement", f"/payments/{payment_id}", user="finance-1").json()
        assert status["status"] == "batched"
    assert not events_for(stack, subjects.PAYMENT_SENT, done.case_id)
    conserved(stack)
