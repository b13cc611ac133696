"""Every disbursement route refuses wrong roles, no token, malformed, missing and hostile input
with a clear problem+json — and changes nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from support import Api, assert_problem
from support.disbursement_probe import (
    BAD_IBAN,
    IBAN_DE,
    approve,
    create_grant,
    db,
    grant_body,
    wait_payment,
)

from dev.stack import Stack

X = str(uuid.uuid4())
ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("POST", "/grants", grant_body()),
    ("GET", "/grants", None),
    ("GET", f"/grants/{X}", None),
    ("POST", f"/grants/{X}/adjustments", {"delta": "1.00", "currency": "CHF"}),
    ("POST", "/fx-rates", {"base": "EUR", "quote": "CHF", "rate": "0.95", "as_of": "2025-01-01"}),
    ("GET", "/fx-rates", None),
    ("POST", "/payees", {"org_id": "org-a", "name": "NGO", "iban": IBAN_DE}),
    ("GET", "/payees", None),
    ("POST", f"/payees/{X}/confirm", None),
    ("POST", f"/payees/{X}/bank-details", {"iban": IBAN_DE}),
    ("GET", "/payments", None),
    ("GET", f"/payments/{X}", None),
    ("POST", f"/payments/{X}/payee", {"payee_id": X}),
    ("POST", f"/payments/{X}/split", {"parts": [{"amount": "1.00"}, {"amount": "1.00"}]}),
    ("POST", f"/payments/{X}/confirm", {"bank_reference": "R", "paid_on": "2025-01-01"}),
    ("POST", f"/payments/{X}/fail", {"reason": "AC04"}),
    ("POST", f"/payments/{X}/reschedule", {}),
    ("POST", f"/payments/{X}/cancel", {"reason": "x"}),
    ("POST", "/batches", {"currency": "CHF"}),
    ("GET", "/batches", None),
    ("GET", f"/batches/{X}", None),
    ("POST", f"/batches/{X}/approve", None),
    ("GET", f"/batches/{X}/export?format=csv", None),
]


def _counts(stack: Stack) -> tuple[int, ...]:
    tables = ("grants", "fx_rates", "payees", "payments", "batches", "grant_adjustments", "outbox")
    return tuple(db(stack, f"SELECT count(*) AS n FROM {t}")[0]["n"] for t in tables)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
def test_roles_and_tokens(
    api: Api, stack: Stack, method: str, path: str, body: dict[str, Any] | None
) -> None:
    before = _counts(stack)
    assert_problem(api.call(method, "disbursement", path, json=body), 401)
    assert_problem(
        api.call(
            method, "disbursement", path, json=body, headers={"Authorization": "Bearer not.a.jwt"}
        ),
        401,
    )
    for user in ("caseworker-a", "auditor-1", "manager-1", "medical-1", "admin-1"):
        assert_problem(api.call(method, "disbursement", path, user=user, json=body), 403)
    assert _counts(stack) == before


HOSTILE: list[tuple[str, str, Any, int]] = [
    ("POST", "/grants", grant_body(amount="-5.00"), 422),
    ("POST", "/grants", grant_body(amount="0.00"), 422),
    ("POST", "/grants", grant_body(amount="1.001"), 422),
    ("POST", "/grants", grant_body(currency="XXX"), 422),
    ("POST", "/grants", grant_body(currency="chf"), 422),
    ("POST", "/grants", grant_body(amount=1000), 422),
    ("POST", "/grants", grant_body(valid_from="2030-01-01", valid_to="2029-01-01"), 422),
    ("POST", "/grants", grant_body(donor="<script>alert(1)</script>"), 422),
    ("POST", "/grants", grant_body(donor="x" * 10_000), 422),
    ("POST", "/grants", grant_body(name="'; DROP TABLE grants; --\x00"), 422),
    ("POST", "/grants", grant_body(restrictions={"countries": ["XX"]}), 422),
    ("POST", "/grants", grant_body(restrictions={"categories": ["yachts"]}), 422),
    ("POST", "/grants", grant_body(admin=True), 422),
    ("POST", "/grants", {"donor": "D"}, 422),
    ("POST", "/grants", [], 422),
    ("POST", "/fx-rates", {"base": "EUR", "quote": "EUR", "rate": "1", "as_of": "2025-01-01"}, 422),
    ("POST", "/fx-rates", {"base": "EUR", "quote": "CHF", "rate": "0", "as_of": "2025-01-01"}, 422),
    (
        "POST",
        "/fx-rates",
        {"base": "EUR", "quote": "CHF", "rate": "-1", "as_of": "2025-01-01"},
        422,
    ),
    ("POST", "/fx-rates", {"base": "EUR", "quote": "CHF", "rate": "NaN", "as_of": "x"}, 422),
    ("POST", "/payees", {"org_id": "org-a", "name": "NGO", "iban": BAD_IBAN}, 422),
    (
        "POST",
        "/payees",
        {"org_id": "org-a", "name": "NGO", "iban": IBAN_DE, "bic": "ABCDZZ22"},
        422,
    ),
    ("POST", "/payees", {"org_id": "../etc", "name": "NGO", "iban": IBAN_DE}, 422),
    ("POST", "/payees", {"org_id": "org-a", "name": "NGO", "iban": IBAN_DE, "kind": "victim"}, 422),
    ("POST", "/batches", {"currency": "CHF", "payment_ids": []}, 422),
    ("POST", "/batches", {"currency": "CHF", "payment_ids": ["not-a-uuid"]}, 422),
    ("POST", "/batches", {"currency": "CHF"}, 409),  # replaced by CLF below: nothing in CLF
    ("GET", "/grants/not-a-uuid", None, 422),
    ("GET", "/grants?limit=0", None, 422),
    ("GET", "/grants?limit=100000", None, 422),
    ("GET", "/grants?cursor=%%%", None, 400),
    ("GET", "/grants?cursor=WyJ4Il0=", None, 400),
    ("GET", "/payments?status=stolen", None, 422),
    ("GET", "/payments?case_id=1%20OR%201=1", None, 422),
    ("GET", f"/grants/{X}", None, 404),
    ("GET", f"/batches/{X}/export?format=pdf", None, 422),
    ("POST", f"/payments/{X}/confirm", {"bank_reference": "R\n<x>", "paid_on": "2025-01-01"}, 422),
    ("POST", f"/payments/{X}/confirm", {"bank_reference": "R"}, 422),
    ("POST", f"/payments/{X}/fail", {"reason": "x" * 500}, 422),
    ("POST", f"/payments/{X}/split", {"parts": [{"amount": "1.00"}]}, 422),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    HOSTILE,
    ids=[f"{m} {p} {n}" for n, (m, p, _, _) in enumerate(HOSTILE)],
)
def test_bad_input_is_a_clear_problem_and_changes_nothing(
    api: Api, stack: Stack, method: str, path: str, body: Any, status: int
) -> None:
    if path == "/batches" and status == 409:
        body = {"currency": "CLF"}  # no payment is ever in CLF: an empty batch is refused
    before = _counts(stack)
    problem = assert_problem(
        api.call(method, "disbursement", path, user="finance-1", json=body), status
    )
    assert "Traceback" not in str(problem) and "DROP" not in problem["detail"]
    assert _counts(stack) == before


def test_malformed_json_and_huge_body(api: Api, stack: Stack) -> None:
    before = _counts(stack)
    assert_problem(
        api.post(
            "disbursement",
            "/grants",
            user="finance-1",
            content=b"{oops",
            headers={"Content-Type": "application/json"},
        ),
        400,
    )
    assert_problem(
        api.post(
            "disbursement",
            "/grants",
            user="finance-1",
            content=b"[" + b"1," * 200_000 + b"1]",
            headers={"Content-Type": "application/json"},
        ),
        413,
    )
    assert _counts(stack) == before


def test_idempotency_key_answers_once_and_refuses_another_body(api: Api, stack: Stack) -> None:
    key = {"Idempotency-Key": uuid.uuid4().hex}
    body = grant_body(amount="10.00")
    first = api.post("disbursement", "/grants", user="finance-1", json=body, headers=key)
    again = api.post("disbursement", "/grants", user="finance-1", json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.json()["grant_id"] == again.json()["grant_id"]
    other = api.post(
        "disbursement", "/grants", user="finance-1", json=body | {"amount": "11.00"}, headers=key
    )
    assert_problem(other, 422)
    assert len(db(stack, "SELECT 1 FROM grants WHERE name = $1", body["name"])) == 1


def test_duplicate_fx_rate_is_a_conflict_and_rates_are_listed(api: Api) -> None:
    rate = {"base": "GBP", "quote": "JPY", "rate": "190.125", "as_of": "2024-06-30"}
    assert api.post("disbursement", "/fx-rates", user="finance-1", json=rate).status_code == 201
    problem = assert_problem(
        api.post("disbursement", "/fx-rates", user="finance-2", json=rate), 409
    )
    assert problem["type"].endswith("fx-rate-exists")
    listed = api.get("disbursement", "/fx-rates?base=GBP&quote=JPY", user="finance-1").json()
    assert [r["rate"] for r in listed["items"]] == ["190.125"]


def test_wrong_state_payee_and_batch(api: Api, stack: Stack) -> None:
    create_grant(api, amount="500.00")
    case_id = approve(stack, items=[("medical", "20.00", "CHF")]).data.case_id
    payment = wait_payment(api, case_id, "awaiting_payee")
    pending = api.post(
        "disbursement",
        "/payees",
        user="finance-1",
        json={"org_id": payment["org_id"], "name": "NGO", "iban": IBAN_DE},
    ).json()
    refused = api.post(
        "disbursement",
        f"/payments/{payment['payment_id']}/payee",
        user="finance-1",
        json={"payee_id": pending["payee_id"]},
    )
    assert assert_problem(refused, 409)["type"].endswith("payee-not-active")
    other_org = api.post(
        "disbursement",
        "/payees",
        user="finance-1",
        json={"org_id": "org-other", "name": "NGO", "iban": IBAN_DE},
    ).json()
    api.post(
        "disbursement",
        f"/payees/{other_org['payee_id']}/confirm",
        user="finance-2",
        headers={"If-Match": f'"{other_org["version"]}"'},
    )
    refused = api.post(
        "disbursement",
        f"/payments/{payment['payment_id']}/payee",
        user="finance-1",
        json={"payee_id": other_org["payee_id"]},
    )
    assert assert_problem(refused, 409)["type"].endswith("payee-other-org")
    unknown = api.post(
        "disbursement",
        f"/payments/{payment['payment_id']}/payee",
        user="finance-1",
        json={"payee_id": X},
    )
    assert_problem(unknown, 422)
    stale = api.post(
        "disbursement",
        f"/payments/{payment['payment_id']}/cancel",
        user="finance-1",
        json={"reason": "x"},
        headers={"If-Match": '"99"'},
    )
    assert_problem(stale, 412)
    assert wait_payment(api, case_id)["status"] == "awaiting_payee"
