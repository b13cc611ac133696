"""HTTP plumbing common to all four services: auth, problem+json, limits, health, docs."""

from __future__ import annotations

import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from support import Api, assert_problem, query
from support.factories import case_body, item

from dev.provision import SERVICES
from dev.stack import Stack
from shared.auth import load_private_key, mint

PROTECTED = {"intake": "/cases", "assessment": "/queue?kind=medical", "audit": "/log"}


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_health_metrics_and_docs(api: Api, service: str) -> None:
    assert api.get(service, "/health/live").status_code == 200
    ready = api.get(service, "/health/ready")
    assert ready.status_code == 200 and ready.json()["checks"] == {
        "database": True,
        "nats": True,
        "consumers": True,
    }
    assert "vfund_" in api.get(service, "/metrics").text or service == "disbursement"
    assert api.get(service, "/openapi.json").json()["openapi"].startswith("3.")
    asyncapi = api.get(service, "/asyncapi.json").json()
    assert asyncapi["asyncapi"].startswith("3.") and asyncapi["channels"]


@pytest.mark.parametrize(("service", "path"), PROTECTED.items())
def test_missing_and_bad_tokens_are_401(api: Api, stack: Stack, service: str, path: str) -> None:
    assert_problem(api.get(service, path), 401)
    assert_problem(api.get(service, path, headers={"Authorization": "Bearer not-a-jwt"}), 401)
    assert_problem(api.get(service, path, headers={"Authorization": "Basic dXNlcjpwdw=="}), 401)
    stranger = mint(
        Ed25519PrivateKey.generate(),
        sub="auditor-1",
        name="x",
        roles=["auditor", "caseworker", "medical_assessor"],
        org="org-a",
    )
    assert_problem(api.get(service, path, headers={"Authorization": f"Bearer {stranger}"}), 401)
    assert stack.keys is not None
    key = load_private_key(stack.keys.token_private)
    expired = mint(
        key,
        sub="auditor-1",
        name="x",
        roles=["auditor", "caseworker", "medical_assessor"],
        org="org-a",
        ttl_seconds=-60,
    )
    body = assert_problem(
        api.get(service, path, headers={"Authorization": f"Bearer {expired}"}), 401
    )
    assert "expired" in body["detail"]
    hs = jwt.encode(
        {"sub": "x", "roles": ["auditor"], "exp": int(time.time()) + 60},
        "secret",
        algorithm="HS256",
    )
    assert_problem(api.get(service, path, headers={"Authorization": f"Bearer {hs}"}), 401)


@pytest.mark.parametrize(
    ("service", "path", "user"),
    [
        ("intake", "/cases", "finance-1"),
        ("intake", "/cases", "auditor-1"),
        ("assessment", "/queue?kind=medical", "caseworker-a"),
        ("assessment", "/queue?kind=medical", "legal-1"),
        ("audit", "/log", "caseworker-a"),
        ("audit", "/log", "finance-1"),
    ],
)
def test_wrong_role_is_403(api: Api, service: str, path: str, user: str) -> None:
    assert_problem(api.get(service, path, user=user), 403)


def _count_cases(stack: Stack) -> int:
    return int(query(stack.service_dsns["intake"], "SELECT count(*) FROM cases")[0][0])


def _outbox_and_cases(stack: Stack) -> tuple[int, int]:
    rows = query(
        stack.service_dsns["intake"],
        "SELECT (SELECT count(*) FROM cases), (SELECT last_value FROM pg_sequences"
        " WHERE sequencename LIKE 'case_reference_%' LIMIT 1)",
    )
    return int(rows[0][0]), int(rows[0][1] or 0)


BAD_BODIES = {
    "missing victim": case_body() | {"victim": None},
    "missing items": {k: v for k, v in case_body().items() if k != "items"},
    "no items": case_body(items=[]),
    "too many items": case_body(items=[item() for _ in range(21)]),
    "wrong type amount": case_body(items=[item() | {"amount": 12.5}]),
    "unknown currency": case_body(items=[item(currency="XYZ")]),
    "lowercase currency": case_body(items=[item(currency="chf")]),
    "negative amount": case_body(items=[item(amount="-5.00")]),
    "zero amount": case_body(items=[item(amount="0.00")]),
    "over-precise amount": case_body(items=[item(amount="10.001")]),
    "yen with decimals": case_body(items=[item(amount="10.5", currency="JPY")]),
    "unknown category": case_body(items=[item(category="cash")]),
    "invalid country": case_body(country="XX"),
    "lowercase country": case_body(country="lb"),
    "no consent": case_body(consent={"given": False, "date": "2026-11-01"}),
    "other support": case_body(no_other_support=False),
    "extra field": case_body(surprise="field"),
    "oversized facts": case_body(facts="x" * 20_001),
    "oversized name": case_body(victim=case_body()["victim"] | {"full_name": "n" * 201}),
    "birth in future": case_body(victim=case_body()["victim"] | {"date_of_birth": "2999-01-01"}),
    "script in urgency": case_body(urgency="<script>alert(1)</script>"),
}


@pytest.mark.parametrize("name", BAD_BODIES)
def test_bad_case_bodies_are_422_and_store_nothing(api: Api, stack: Stack, name: str) -> None:
    before = _outbox_and_cases(stack)
    body = assert_problem(
        api.post("intake", "/cases", user="caseworker-a", json=BAD_BODIES[name]), 422
    )
    assert body["errors"], "a validation problem names its fields"
    assert all(e["field"] and e["message"] for e in body["errors"])
    assert _outbox_and_cases(stack) == before


def test_a_failed_validation_never_echoes_personal_input(api: Api) -> None:
    victim = case_body()["victim"] | {"full_name": "SECRET-NAME" * 30}
    response = api.post("intake", "/cases", user="caseworker-a", json=case_body(victim=victim))
    assert response.status_code == 422
    assert "SECRET-NAME" not in response.text


def test_invalid_json_and_huge_bodies_are_refused(api: Api, stack: Stack) -> None:
    before = _count_cases(stack)
    assert_problem(
        api.post(
            "intake",
            "/cases",
            user="caseworker-a",
            content=b'{"victim": ',
            headers={"Content-Type": "application/json"},
        ),
        400,
    )
    huge = b'{"facts": "' + b"x" * (1024 * 1024) + b'"}'
    assert_problem(
        api.post(
            "intake",
            "/cases",
            user="caseworker-a",
            content=huge,
            headers={"Content-Type": "application/json"},
        ),
        413,
    )
    assert_problem(
        api.post(
            "intake",
            "/cases",
            user="caseworker-a",
            content=b"victim=x",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        415,
    )
    assert_problem(api.get("intake", "/cases/not-a-uuid", user="caseworker-a"), 422)
    assert_problem(api.get("intake", "/nowhere", user="caseworker-a"), 404)
    assert_problem(api.call("PATCH", "intake", "/cases", user="caseworker-a"), 405)
    assert _count_cases(stack) == before


def test_idempotency_key_gives_one_case(api: Api, stack: Stack) -> None:
    body = case_body()
    headers = {"Idempotency-Key": "retry-" + body["victim"]["full_name"].split()[-1]}
    first = api.post("intake", "/cases", user="caseworker-a", json=body, headers=headers)
    second = api.post("intake", "/cases", user="caseworker-a", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    other = api.post("intake", "/cases", user="caseworker-a", json=case_body(), headers=headers)
    assert_problem(other, 422)


def test_a_first_request_body_is_validated_without_a_warning(api: Api, stack: Stack) -> None:
    """Request models build their validators at the first request (`defer_build`); pydantic
    warned there about FastAPI's own alias for the body parameter, on the service's stderr."""
    created = api.post("intake", "/cases", user="caseworker-a", json=case_body())
    assert created.status_code == 201
    for service in stack.services:
        output = (stack.root / "logs" / f"{service}.out").read_text()
        assert "Warning" not in output, f"{service}: {output[-500:]}"
