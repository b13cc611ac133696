"""Hostile donors (issue 20; contract sections 4 and 9): a donor reads only the reports of their
own grants and the log entries behind them, with their proofs, and the tree heads.

- The matrix: EVERY route of every service (from its OpenAPI) called by a donor, and by the
  donor of another grant with that grant's real ids in the path: 403 or 404, never an answer,
  except the audit routes a donor may use, which answer only with what is theirs.
- Claims that nearly name the donor (case, spaces, look-alike letters) see nothing.
- Grant entries forged on the stream after the real one never give a grant to another donor.
- The donor routes' query parameters, hostile: refused naming them, never a 500.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import orjson
import pytest
from support import Api, assert_problem, publish, wait_for
from support.donor_story import Funded, bearer, covered, donor_token, funded, report

from dev.provision import SERVICES
from dev.stack import Stack

UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
METHODS = ("get", "post", "put", "patch", "delete")
# The audit routes a donor may call: each answers with the donor's own share only (proven in
# tests/e2e/test_audit_donor.py; here: never another donor's).
DONOR_ROUTES = {
    ("GET", "/log"),
    ("GET", "/tree-heads/latest"),
    ("GET", "/tree-heads"),
    ("GET", "/tree-heads/public-key"),
    ("GET", "/proofs/inclusion"),
    ("GET", "/reports/donor"),
    ("GET", "/reports/grants"),
}


@pytest.fixture(scope="module")
def mine(api: Api) -> Funded:
    return funded(api, "Demo Donor")


@pytest.fixture(scope="module")
def theirs(api: Api) -> Funded:
    return funded(api, "Other Donor")


def operations(api: Api, service: str) -> list[tuple[str, str, bool]]:
    """(METHOD, path template, whether it asks for a bearer token) of every route."""
    spec = api.get(service, "/openapi.json").json()
    return [
        (method.upper(), path, bool(op.get("security")))
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]


def real_ids(api: Api, theirs: Funded) -> dict[str, str]:
    """Path parameters filled with the other donor's real objects, where the name says which."""
    payments = api.get("disbursement", f"/payments?case_id={theirs.paid[0]}", user="finance-1")
    assert payments.status_code == 200, payments.text
    payment = payments.json()["items"][0]
    return {
        "case_id": theirs.paid[0],
        "grant_id": theirs.grant_id,
        "payment_id": payment["payment_id"],
        "batch_id": payment.get("batch_id") or UNKNOWN_ID,
        "payee_id": payment.get("payee_id") or UNKNOWN_ID,
    }


def test_every_route_of_every_service_refuses_a_donor_but_their_own_reading(
    api: Api, stack: Stack, mine: Funded, theirs: Funded
) -> None:
    covered(api, theirs, donor_token(stack, theirs.donor))
    ids = real_ids(api, theirs)
    donors = {
        "demo donor": api.tokens["donor-1"],
        "a donor of no grant": donor_token(stack, "Nobody"),
    }
    checked, secured_routes = 0, 0
    donor_routes: set[tuple[str, str]] = set()
    for service in (s for s in SERVICES if s in stack.services and s != "web"):
        found = operations(api, service)
        assert any(secured for _, _, secured in found), service
        for method, template, secured in found:
            if not secured:  # health, metrics, the API descriptions: the same for everyone
                continue
            if service == "audit" and (method, template) in DONOR_ROUTES:
                donor_routes.add((method, template))
            else:
                secured_routes += 1
            path = re.sub(r"\{([^}]+)\}", lambda m: ids.get(m.group(1), UNKNOWN_ID), template)
            for who, token in donors.items():
                got = api.call(method, service, path, headers=bearer(token), json={})
                if service == "audit" and (method, template) in DONOR_ROUTES:
                    assert got.status_code in (200, 404, 422), (who, method, path, got.text)
                    assert theirs.grant_id not in got.text and theirs.paid[0] not in got.text
                    continue
                assert got.status_code in (403, 404), (who, service, method, path, got.status_code)
                assert_problem(got, got.status_code)
                assert theirs.paid[0] not in got.text and theirs.grant_id not in got.text
                checked += 1
    assert donor_routes == DONOR_ROUTES, "every donor route is still served"
    assert secured_routes >= 40, f"only {secured_routes} routes: the matrix lost its routes"
    assert checked == len(donors) * secured_routes, "every route called by every donor"


def test_the_donor_routes_answer_with_the_donors_own_share_only(
    api: Api, stack: Stack, mine: Funded, theirs: Funded
) -> None:
    demo = api.tokens["donor-1"]
    covered(api, mine, demo)
    covered(api, theirs, donor_token(stack, theirs.donor))
    other_entries = api.get(
        "audit", f"/log?subject={theirs.paid[0]}&limit=50", user="auditor-1"
    ).json()["items"]
    assert other_entries, "the auditor sees the other donor's case"
    for path in (
        f"/reports/donor?grant_id={theirs.grant_id}",
        f"/reports/donor?grant_id={theirs.grant_id}&format=pdf&lang=ar",
        *(f"/proofs/inclusion?index={e['index']}" for e in other_entries),
    ):
        assert_problem(api.get("audit", path, headers=bearer(demo)), 404)
    for query in (f"subject={theirs.paid[0]}", f"subject={theirs.unpaid[0]}", "after=-1"):
        page = api.get("audit", f"/log?{query}&limit=1000", headers=bearer(demo)).json()
        assert not {e["index"] for e in page["items"]} & {e["index"] for e in other_entries}


NEAR_NAMES = [
    "demo donor",
    "DEMO DONOR",
    "Demo Donor ",
    " Demo Donor",
    "Demo  Donor",
    "Demo\u00a0Donor",
    "D\u0435mo Donor",  # a Cyrillic e
    "Demo Donor\u200b",
    "Demo Donors",
    "Demo",
    "%",
    "*",
    "Demo Donor' OR '1'='1",
]


@pytest.mark.parametrize("name", NEAR_NAMES)
def test_a_claim_that_nearly_names_the_donor_sees_nothing(
    api: Api, stack: Stack, mine: Funded, name: str
) -> None:
    token = donor_token(stack, name)
    covered(api, mine, api.tokens["donor-1"])
    grants = api.get("audit", "/reports/grants", headers=bearer(token))
    assert grants.status_code == 200 and grants.json()["items"] == [], grants.text
    assert_problem(report(api, token, mine.grant_id), 404)
    page = api.get("audit", "/log?limit=1000", headers=bearer(token))
    assert page.status_code == 200 and page.json()["items"] == []


def _grant_event(grant_id: str, donor: str, *, source: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": source,
        "type": "org.vfund.disbursement.grant.created.v1",
        "subject": grant_id,
        "time": "2026-01-01T00:00:00Z",
        "datacontenttype": "application/json",
        "data": {"grant_id": grant_id, "donor": donor, "name": "forged", "amount": "1.00",
                 "currency": "CHF", "restrictions": {"countries": [], "categories": []},
                 "valid_from": "2026-01-01", "valid_to": "2026-12-31"},
        "correlationid": str(uuid.uuid4()),
        "causationid": str(uuid.uuid4()),
        "actor": "finance-1",
    }  # fmt: skip


def test_grant_entries_forged_after_the_real_one_give_the_grant_to_nobody_else(
    api: Api, stack: Stack, mine: Funded
) -> None:
    thief = f"Mallory {uuid.uuid4().hex[:6]}"
    token = donor_token(stack, thief)
    covered(api, mine, api.tokens["donor-1"])
    forged = [
        _grant_event(mine.grant_id, thief, source="/vfund/disbursement"),
        _grant_event(mine.grant_id, thief, source="/vfund/intake"),
    ]
    for event in forged:
        publish(stack.nats_url or "", "vfund.disbursement.grant.created", orjson.dumps(event))
    # a creation on a subject of its own (only the audit log takes it): not a grant entry
    elsewhere = _grant_event(str(uuid.uuid4()), thief, source="/vfund/disbursement")
    publish(stack.nats_url or "", "vfund.hostile.grant.created", orjson.dumps(elsewhere))

    def logged() -> bool:
        ids = {e["id"] for e in [*forged, elsewhere]}
        page = api.get(
            "audit", "/log?type=org.vfund.disbursement.grant.created.v1&limit=1000&after=0",
            user="auditor-1",
        ).json()  # fmt: skip
        return ids <= {e["event"]["id"] for e in page["items"]}

    wait_for(logged, what="the forged grant entries in the log")
    assert api.get("audit", "/reports/grants", headers=bearer(token)).json()["items"] == []
    assert_problem(report(api, token, mine.grant_id), 404)
    assert report(api, api.tokens["donor-1"], mine.grant_id).status_code == 200
    grants = api.get("audit", "/reports/grants", user="auditor-1").json()["items"]
    assert [g["donor"] for g in grants if g["grant_id"] == mine.grant_id] == ["Demo Donor"]


REFUSED = [
    ("/log?from=2026-02-30", "from"),
    ("/log?from=20260101", "from"),
    ("/log?to=%2B2026-01-01", "to"),
    ("/log?from=2026-03-01&to=2026-02-01", "from"),
    ("/reports/donor?grant_id=g&format=pdf&lang=de", "lang"),
    ("/reports/donor?grant_id=g&format=pdf&lang=AR", "lang"),
    ("/reports/donor?grant_id=g&format=pdf&lang=", "lang"),
    ("/reports/donor?grant_id=g&format=pdf&lang=ar%00", "lang"),
    ("/reports/donor?grant_id=g&format=PDF", "format"),
]
ANSWERED = [
    "/log?from=0001-01-01&to=9999-12-31",
    "/log?from=2026-01-01&to=2026-01-01",
    "/reports/donor?grant_id=g&lang=ar",  # JSON: the language is the PDF's alone
    "/reports/grants?unknown=1",
]


@pytest.mark.parametrize(("path", "field"), REFUSED, ids=[p for p, _ in REFUSED])
def test_hostile_donor_parameters_are_refused_naming_them(api: Api, path: str, field: str) -> None:
    for token in (api.tokens["donor-1"], api.tokens["auditor-1"]):
        body = assert_problem(api.get("audit", path, headers=bearer(token)), 422)
        assert field in {e["field"].removeprefix("query.") for e in body.get("errors") or []}


@pytest.mark.parametrize("path", ANSWERED)
def test_odd_donor_parameters_are_answered(api: Api, path: str) -> None:
    got = api.get("audit", path, user="auditor-1")
    assert got.status_code in (200, 404), got.text
    if got.status_code == 404:
        assert "no-tree-head" in got.text
