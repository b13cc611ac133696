"""Hostile tokens against every running service (issue 15, rule 7): each is a 401 that changes
nothing; services refuse to start without an audience and an issuer; idempotency keys belong
to the whole principal."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid

import pytest
from support import Api, Unchanged, assert_problem
from support.factories import case_body
from support.tokens import HOUR, claims, hostile_tokens, signed

from dev.provision import API_SERVICES
from dev.servers import free_port
from dev.stack import Stack
from shared.auth import load_private_key, mint

READS = {
    "intake": "/cases",
    "assessment": "/queue?kind=medical",
    "disbursement": "/grants",
    "audit": "/log",
}
GRANT = {
    "donor": "Hostile Donor",
    "name": "hostile-tokens",
    "amount": "1000.00",
    "currency": "CHF",
    "valid_from": "2026-01-01",
    "valid_to": "2027-12-31",
    "restrictions": {"countries": [], "categories": []},
}
# What each service's reads need of a caseworker's token to be answered (not 401): the role.
AS_CALLER = {
    "intake": {},
    "assessment": {"roles": ["medical_assessor"], "org": ...},
    "disbursement": {"roles": ["finance"], "org": ...},
    "audit": {"roles": ["auditor"], "org": ...},
}


@pytest.fixture(scope="module")
def tokens(stack: Stack) -> dict[str, str]:
    assert stack.keys is not None
    return hostile_tokens(load_private_key(stack.keys.token_private))


def running(stack: Stack) -> list[str]:
    return [s for s in API_SERVICES if s in stack.services]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_every_hostile_token_is_401_on_every_service_and_changes_nothing(
    api: Api, stack: Stack, tokens: dict[str, str]
) -> None:
    refused = []
    with Unchanged(stack, *running(stack)):
        for name, token in tokens.items():
            for service in running(stack):
                answers = [api.get(service, READS[service], headers=bearer(token))]
                if service == "intake":
                    answers.append(
                        api.post(
                            service,
                            "/cases",
                            json=case_body(),
                            headers=bearer(token) | {"Idempotency-Key": name},
                        )
                    )
                if service == "disbursement":
                    answers.append(api.post(service, "/grants", json=GRANT, headers=bearer(token)))
                for answer in answers:
                    if answer.status_code != 401:
                        refused.append((name, service, answer.status_code))
                        continue
                    assert_problem(answer, 401)
                    assert answer.headers["www-authenticate"].startswith("Bearer")
    assert not refused, f"accepted or answered otherwise: {refused}"


def test_the_same_claims_well_signed_are_served(api: Api, stack: Stack) -> None:
    """The hostile table's tokens differ from a good token by one thing each."""
    assert stack.keys is not None
    key = load_private_key(stack.keys.token_private)
    for service in running(stack):
        token = signed(claims(**AS_CALLER[service]), key)
        answer = api.get(service, READS[service], headers=bearer(token))
        assert answer.status_code == 200, (service, answer.text)


def test_the_lifetime_limit_is_twelve_hours_to_the_second(api: Api, stack: Stack) -> None:
    assert stack.keys is not None
    key = load_private_key(stack.keys.token_private)
    now = int(time.time())
    twelve = signed(claims(iat=now, exp=now + 12 * HOUR), key)
    longer = signed(claims(iat=now, exp=now + 12 * HOUR + 1), key)
    assert api.get("intake", "/cases", headers=bearer(twelve)).status_code == 200
    assert_problem(api.get("intake", "/cases", headers=bearer(longer)), 401)


def test_org_admin_and_donor_tokens_are_authenticated_and_then_authorised(
    api: Api, stack: Stack
) -> None:
    """Known roles with their binding pass authentication; each service then decides (403 at
    the least where the role has no business)."""
    for user in ("orgadmin-a", "donor-1"):
        for service in running(stack):
            answer = api.get(service, READS[service], user=user)
            assert answer.status_code != 401, (user, service)
        assert_problem(api.post("intake", "/cases", user=user, json=case_body()), 403)
        assert_problem(api.post("disbursement", "/grants", user=user, json=GRANT), 403)


def test_idempotency_keys_belong_to_the_subject_and_its_organisation(
    api: Api, stack: Stack
) -> None:
    """One subject in two organisations (an OIDC subject reused, a caseworker who moved):
    the same key and body never replay one organisation's answer to the other."""
    assert stack.keys is not None
    key = load_private_key(stack.keys.token_private)
    sub = f"moved-{uuid.uuid4().hex[:8]}"
    in_a = mint(key, sub=sub, name="Moved", roles=["caseworker"], org="org-a")
    in_b = mint(key, sub=sub, name="Moved", roles=["caseworker"], org="org-b")
    body, idem = case_body(), {"Idempotency-Key": f"same-{sub}"}
    first = api.post("intake", "/cases", json=body, headers=bearer(in_a) | idem)
    other = api.post("intake", "/cases", json=body, headers=bearer(in_b) | idem)
    again = api.post("intake", "/cases", json=body, headers=bearer(in_a) | idem)
    assert (first.status_code, other.status_code, again.status_code) == (201, 201, 201)
    assert other.json()["case_id"] != first.json()["case_id"]
    assert again.json() == first.json()
    assert "idempotent-replayed" not in other.headers
    assert again.headers["idempotent-replayed"] == "true"
    # org-b's answer was made for org-b: the case is org-b's, org-a's stays org-a's.
    a_case = api.get("intake", f"/cases/{first.json()['case_id']}", headers=bearer(in_a))
    assert a_case.json()["org_id"] == "org-a"
    assert api.get(
        "intake", f"/cases/{first.json()['case_id']}", headers=bearer(in_b)
    ).status_code in (403, 404)


@pytest.mark.parametrize(
    "unset",
    ["VFUND_JWT_AUDIENCE", "VFUND_JWT_ISSUER", "VFUND_JWT_PUBLIC_KEYS"],
)
def test_a_service_refuses_to_start_without_audience_issuer_or_keys(
    stack: Stack, unset: str
) -> None:
    env = stack.service_env("audit") | {"VFUND_HTTP_PORT": str(free_port())}
    env.pop(unset)
    started = subprocess.run(
        [sys.executable, "-m", "services.audit"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.returncode != 0
    assert "refuses to start" in started.stderr and unset in started.stderr, started.stderr[-2000:]
