"""A donor's grant paying real cases through the running services (a "mother" for the donor
tests): a grant created by finance, cases submitted by a caseworker, approved by a fund manager,
reserved on the grant, batched, approved by a second officer and confirmed paid.

Each story's grant is restricted to countries no other test uses and expires first (in three
days), so that its cases are reserved on it and no other test's case is. Stories are made once
per donor and session (`funded`), since the e2e and the page tests read the same figures.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dev.stack import Stack
from shared.auth import load_private_key, mint
from support import Api, wait_for
from support.assessment_probe import decide, reviewed, wait_known
from support.disbursement_probe import active_payee, approve_batch, create_grant, wait_payment
from support.factories import case_body, item

# (country, category, amount), the country as an index into the story's two countries: social
# and relocation need no assessment before a decision.
CASES: tuple[tuple[int, str, str], ...] = (
    (0, "social", "120.00"),
    (0, "social", "80.50"),
    (0, "relocation", "400.00"),
    (0, "social", "60.00"),
    (1, "relocation", "300.00"),
    (1, "social", "99.50"),
)
UNPAID = (1, "social", "45.00")  # reserved and scheduled, never paid
# Countries no other test's case goes to, two per donor story.
COUNTRIES = {"Demo Donor": ("BI", "RW")}
OTHER_COUNTRIES = ("TG", "BJ")


@dataclass(frozen=True)
class Funded:
    grant_id: str
    donor: str
    countries: tuple[str, str]
    paid: tuple[str, ...]  # case ids, in the order of CASES
    unpaid: tuple[str, ...]


_MADE: dict[tuple[str, str], Funded] = {}


def funded(api: Api, donor: str, countries: tuple[str, str] | None = None) -> Funded:
    """The donor's story in this session's system (made on first use)."""
    key = (str(api.stack.root), donor)
    if key not in _MADE:
        _MADE[key] = fund(api, donor, countries or COUNTRIES.get(donor, OTHER_COUNTRIES))
    return _MADE[key]


def _submit(api: Api, body: dict[str, Any]) -> str:
    response = api.post("intake", "/cases", user="caseworker-a", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["case_id"])


def _approve(api: Api, case_id: str, amount: str) -> None:
    wait_known(api, case_id)
    approved = {"item_id": "item-1", "amount": amount, "currency": "CHF"}
    etag = reviewed(api, case_id, "manager-1")
    answer = decide(
        api, case_id, "manager-1", decision="approve", approved_items=[approved], etag=etag
    )
    assert answer.status_code == 200, answer.text


def fund(
    api: Api,
    donor: str,
    countries: tuple[str, str],
    *,
    cases: tuple[tuple[int, str, str], ...] = CASES,
    unpaid: tuple[tuple[int, str, str], ...] = (UNPAID,),
    body: Callable[..., dict[str, Any]] = case_body,
) -> Funded:
    """A new grant of `donor` (restricted to `countries`, the first to expire) paying `cases`
    and reserving `unpaid`; `body(country=, items=)` makes each case's request."""
    expires = (datetime.now(UTC).date() + timedelta(days=3)).isoformat()
    grant_id = create_grant(
        api,
        donor=donor,
        name=f"Grant of {donor}",
        amount="5000.00",
        valid_to=expires,
        restrictions={"countries": list(countries), "categories": []},
    )["grant_id"]
    active_payee(api, "org-a")
    stories = [
        (_submit(api, body(country=countries[c], items=[item(category, amount)])), amount)
        for c, category, amount in (*cases, *unpaid)
    ]
    for case_id, amount in stories:
        _approve(api, case_id, amount)
    payments = [wait_payment(api, case_id, "scheduled") for case_id, _ in stories]
    assert {p["grant_id"] for p in payments} == {grant_id}, "reserved on another grant"
    paying = payments[: len(cases)]
    batch = api.post(
        "disbursement",
        "/batches",
        user="finance-1",
        json={"currency": "CHF", "payment_ids": [p["payment_id"] for p in paying]},
    )
    assert batch.status_code == 201, batch.text
    approved = approve_batch(api, batch.json())
    assert approved.status_code == 200, approved.text
    today = datetime.now(UTC).date().isoformat()
    for n, payment in enumerate(paying):
        paid = api.post(
            "disbursement",
            f"/payments/{payment['payment_id']}/confirm",
            user="finance-1",
            json={"bank_reference": f"BANK-{uuid.uuid4().hex[:8]}-{n}", "paid_on": today},
        )
        assert paid.status_code == 200, paid.text
    ids = [case_id for case_id, _ in stories]
    return Funded(
        str(grant_id), donor, countries, tuple(ids[: len(cases)]), tuple(ids[len(cases) :])
    )


def donor_token(stack: Stack, donor: str, *, roles: tuple[str, ...] = ("donor",)) -> str:
    """A token for a donor of this name (as an OIDC provider would issue it)."""
    assert stack.keys is not None
    key = load_private_key(stack.keys.token_private)
    sub = f"donor-{uuid.uuid4().hex[:8]}"
    return mint(key, sub=sub, name=f"Donor {sub}", roles=list(roles), donor=donor)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def report(api: Api, token: str, grant_id: str, **params: str) -> Any:
    """The grant's JSON report once every figure of the story is covered by a signed head."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return api.get("audit", f"/reports/donor?grant_id={grant_id}&{query}", headers=bearer(token))


def covered(api: Api, funded: Funded, token: str) -> dict[str, Any]:
    """The report, once a signed head covers the story's payments (each paid case's payment)."""

    def probe() -> dict[str, Any] | None:
        got = report(api, token, funded.grant_id)
        if got.status_code == 404 and "no-tree-head" in got.text:
            return None
        assert got.status_code == 200, got.text
        body: dict[str, Any] = got.json()
        paid = {i for row in body["by_country"] for i in row["paid"]["indexes"]}
        return body if len(paid) >= len(funded.paid) else None

    return wait_for(probe, timeout=60, what="a signed head over the story's payments")
