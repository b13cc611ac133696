"""Property-based, through the running service: whatever sequence of bank files comes in for an
approved batch (bookings, the same booking again, a booking under another reference, returns,
reversals, pain.002 rejections, the same file twice, an entry matched by hand), the answers are
never a 500, every grant keeps amount = available + reserved + disbursed, and no payment is paid
twice: a payment counts as paid (sent events less returns) once when it is sent, else never."""

from __future__ import annotations

import uuid
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support import Api
from support.disbursement_probe import (
    active_payee,
    approve,
    approve_batch,
    conserved,
    create_grant,
    events_for,
    settled,
    wait_payment,
)
from support.statements import (
    TxStatus,
    booking,
    camt053,
    pain002,
    read_pain001,
    return_of,
    reversal_of,
)

from dev.stack import Stack
from shared.events import subjects
from shared.money import Money

D = "disbursement"
XML = {"Content-Type": "application/xml"}
STEPS = ["book", "book_again", "book_other_ref", "return", "reversal", "reject", "duplicate",
         "by_hand"]  # fmt: skip


def _ok(response: Any) -> Any:
    assert response.status_code < 500, (response.status_code, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    return response


def _ref() -> str:
    return uuid.uuid4().hex[:12]


def approved_batch(api: Api, stack: Stack) -> tuple[list[dict[str, Any]], bytes]:
    """Two cases' payments (7.00 and 8.00 CHF) in one batch approved by the other officer."""
    create_grant(api, amount="1000.00")
    active_payee(api, "org-a")
    payments = []
    for amount in ("7.00", "8.00"):
        event = approve(stack, org_id="org-a", country="LB", items=[("medical", amount, "CHF")])
        payments.append(wait_payment(api, event.data.case_id, "scheduled"))
    made = api.post(
        D, "/batches", user="finance-1",
        json={"currency": "CHF", "payment_ids": [p["payment_id"] for p in payments]},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    assert approve_batch(api, made.json()).status_code == 200
    xml = api.get(D, f"/batches/{made.json()['batch_id']}/export?format=pain.001", user="finance-1")
    assert xml.status_code == 200, xml.text
    return payments, xml.content


def upload(api: Api, data: bytes) -> Any:
    return _ok(api.post(D, "/statements", user="finance-1", content=data, headers=XML))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(st.sampled_from(STEPS), st.integers(0, 1)), min_size=1, max_size=6))
def test_any_sequence_of_bank_files_conserves_money_and_pays_once(
    api: Api, stack: Stack, steps: list[tuple[str, int]]
) -> None:
    payments, pain001 = approved_batch(api, stack)
    pain = read_pain001(pain001)
    booked_as = {p["payment_id"]: f"BK-{_ref()}" for p in payments}
    last: bytes | None = None
    for step, which in steps:
        payment = payments[which]
        pid = uuid.UUID(payment["payment_id"])
        amount = Money.parse(payment["amount"], "CHF")
        file: bytes | None = None
        if step in ("book", "book_again"):
            file = camt053([booking(pid, amount, bank_reference=booked_as[payment["payment_id"]])],
                           statement_id=f"P-{_ref()}")  # fmt: skip
        elif step == "book_other_ref":
            file = camt053([booking(pid, amount, bank_reference=f"BX-{_ref()}")],
                           statement_id=f"P-{_ref()}")  # fmt: skip
        elif step == "return":
            file = camt053([return_of(pid, amount, bank_reference=f"R-{_ref()}")],
                           statement_id=f"P-{_ref()}")  # fmt: skip
        elif step == "reversal":
            file = camt053([reversal_of(pid, amount, bank_reference=f"V-{_ref()}")],
                           statement_id=f"P-{_ref()}")  # fmt: skip
        elif step == "reject":
            file = pain002(
                original_message_id=pain.message_id, payment_info_id=pain.payment_info_id,
                statuses=[TxStatus(pid.hex)], message_id=f"S-{_ref()}",
            )  # fmt: skip
        elif step == "duplicate":
            if last is not None:
                assert upload(api, last).status_code == 409
            continue
        else:  # by hand: the bank lost the reference; another officer names the payment
            lost = camt053([booking(uuid.uuid4(), amount, bank_reference=f"H-{_ref()}")],
                           statement_id=f"P-{_ref()}")  # fmt: skip
            made = upload(api, lost)
            assert made.status_code == 201, made.text
            path = f"/statements/{made.json()['statements'][0]['statement_id']}/entries/0"
            etag = api.get(D, path, user="finance-2").headers["ETag"]
            _ok(api.post(D, f"{path}/match", user="finance-2", headers={"If-Match": etag},
                         json={"payment_ids": [payment["payment_id"]]}))  # fmt: skip
            last = lost
            continue
        assert upload(api, file).status_code == 201
        last = file
    settled(stack)
    conserved(stack)
    for payment in payments:
        case_id = payment["case_id"]
        sent = len(events_for(stack, subjects.PAYMENT_SENT, case_id))
        returned = [
            e for e in events_for(stack, subjects.PAYMENT_FAILED, case_id)
            if e["data"].get("returned_on") is not None
        ]  # fmt: skip
        status = _ok(api.get(D, f"/payments/{payment['payment_id']}", user="finance-1")).json()
        assert sent - len(returned) == (1 if status["status"] == "sent" else 0), (steps, status)
