"""The other roles' steps of a case's journey, through their services' APIs (their pages are not
the point of a caseworker's test): assessments, a question, the decision, the money, the payment.

Each helper waits for what it depends on and asserts its service took the step."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from support import Api, wait_for
from support.disbursement_probe import active_payee, approve_batch, create_grant, wait_payment


def _ok(response: Any, *statuses: int) -> dict[str, Any]:
    assert response.status_code in (statuses or (200, 201)), response.text
    body: dict[str, Any] = response.json()
    return body


def assessment_case(api: Api, case_id: str, user: str = "manager-1") -> dict[str, Any]:
    """The case as assessment holds it, once it has taken in the submission."""

    def known() -> dict[str, Any] | None:
        response = api.get("assessment", f"/cases/{case_id}", user=user)
        return response.json() if response.status_code == 200 else None

    return wait_for(known, timeout=30, what="the case in assessment")


def intake_status(api: Api, case_id: str) -> str:
    response = api.get("intake", f"/cases/{case_id}?personal_data=false", user="caseworker-a")
    assert response.status_code == 200, response.text
    return str(response.json()["status"])


def wait_intake(api: Api, case_id: str, *statuses: str) -> str:
    return wait_for(
        lambda: (s := intake_status(api, case_id)) in statuses and s,
        timeout=30,
        what=f"intake to show the case {' or '.join(statuses)}",
    )


def assess(api: Api, case_id: str, kind: str, items: list[dict[str, str]]) -> dict[str, Any]:
    """The medical or legal assessor supports the items (item_id, amount, currency)."""
    assessment_case(api, case_id)
    response = api.post(
        "assessment",
        f"/cases/{case_id}/{kind}-assessment",
        user=f"{kind}-1",
        json={"recommendation": "support", "recommended_items": items, "notes": ""},
    )
    return _ok(response, 201)


def ask(api: Api, case_id: str, question: str = "legal_documents", user: str = "legal-1") -> str:
    """An assessor asks the caseworker a question from the fixed list; its request id."""
    assessment_case(api, case_id)
    response = api.post(
        "assessment",
        f"/cases/{case_id}/information-requests",
        user=user,
        json={"question_category": question},
    )
    return str(_ok(response, 201)["request_id"])


def approve(api: Api, case_id: str, items: list[dict[str, str]]) -> None:
    """A fund manager approves; a second one too when four eyes apply (202 to the first)."""
    wait_for(
        lambda: assessment_case(api, case_id)["status"] == "awaiting_decision",
        timeout=30,
        what="the case awaiting a decision",
    )
    body = {"decision": "approve", "approved_items": items}
    first = api.post("assessment", f"/cases/{case_id}/decision", user="manager-1", json=body)
    _ok(first, 200, 202)
    if first.status_code == 202:
        seen = api.get("assessment", f"/cases/{case_id}", user="manager-2").headers["ETag"]
        second = api.post(
            "assessment",
            f"/cases/{case_id}/decision",
            user="manager-2",
            json=body,
            headers={"If-Match": seen},
        )
        _ok(second)


def fund(api: Api, *, country: str, currencies: tuple[str, ...] = ("EUR",)) -> None:
    """What disbursement needs to pay org-a in CHF for a case in `country`: today's rate of
    each other currency, a grant for that country that expires before the suite's others,
    and a confirmed default payee."""
    today = datetime.now(UTC).date().isoformat()
    for base in currencies:
        rate_in_effect(api, base, "CHF", "0.95", today)
    create_grant(
        api,
        amount="100000.00",
        currency="CHF",
        valid_to="2098-12-31",
        restrictions={"countries": [country]},
    )
    active_payee(api, "org-a")


def rate_in_effect(api: Api, base: str, quote: str, rate: str, as_of: str) -> None:
    """A rate for the day confirmed by a second officer (four eyes). When the day has one
    already (409), a pending one is confirmed by an officer who did not propose it."""
    body = {"base": base, "quote": quote, "rate": rate, "as_of": as_of}
    proposed = api.post("disbursement", "/fx-rates", user="finance-1", json=body)
    if proposed.status_code == 201:
        _ok(
            api.post(
                "disbursement",
                f"/fx-rates/{proposed.json()['rate_id']}/confirm",
                user="finance-2",
                headers={"If-Match": proposed.headers["ETag"]},
            )
        )
        return
    assert proposed.status_code == 409, proposed.text
    listed = api.get("disbursement", "/fx-rates?status=pending&limit=200", user="finance-1")
    for pending in _ok(listed)["items"]:
        if (pending["base"], pending["quote"], pending["as_of"]) != (base, quote, as_of):
            continue
        officer = "finance-2" if pending["recorded_by"] != "finance-2" else "finance-1"
        seen = api.get("disbursement", f"/fx-rates/{pending['rate_id']}", user=officer)
        _ok(
            api.post(
                "disbursement",
                f"/fx-rates/{pending['rate_id']}/confirm",
                user=officer,
                headers={"If-Match": seen.headers["ETag"]},
            )
        )


def pay(api: Api, case_id: str) -> dict[str, Any]:
    """Finance batches the case's scheduled payment, a second officer approves the batch, and
    the bank's confirmation marks it paid."""
    payment = wait_payment(api, case_id, "scheduled")
    batch = _ok(
        api.post(
            "disbursement",
            "/batches",
            user="finance-1",
            json={"currency": payment["currency"], "payment_ids": [payment["payment_id"]]},
        ),
        201,
    )
    _ok(approve_batch(api, batch))
    _ok(
        api.post(
            "disbursement",
            f"/payments/{payment['payment_id']}/confirm",
            user="finance-1",
            json={"bank_reference": f"REF-{uuid.uuid4().hex[:10]}", "paid_on": today()},
        )
    )
    return payment


def today() -> str:
    return datetime.now(UTC).date().isoformat()
