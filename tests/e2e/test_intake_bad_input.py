"""Bad input at every intake route: a clear problem+json naming it, nothing stored or published."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from support import Api, assert_problem
from support.factories import case_body, item
from support.intake_probe import PDF, PNG, new_id, nothing_changes

from dev.stack import Stack
from services.intake.documents import MAX_DOCUMENT_BYTES

MARKER = f"SECRET-{uuid.uuid4().hex}"


def _victim(**changes: Any) -> dict[str, Any]:
    victim = case_body()["victim"] | changes
    return {k: v for k, v in victim.items() if v is not None}


BAD_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("missing victim", {"victim": None}, "body.victim"),
    ("missing name", {"victim": _victim(full_name=None)}, "body.victim.full_name"),
    ("extra field", {"nickname": MARKER}, "body.nickname"),
    ("extra victim field", {"victim": _victim(passport=MARKER)}, "body.victim.passport"),
    ("items not a list", {"items": "medical"}, "body.items"),
    ("no items", {"items": []}, "body.items"),
    ("too many items", {"items": [item()] * 21}, "body.items"),
    ("unknown country", {"country": "XX"}, "body.country"),
    ("lowercase country", {"country": "lb"}, "body.country"),
    ("bad nationality", {"victim": _victim(nationality="ZZ")}, "body.victim.nationality"),
    ("unknown currency", {"items": [item(currency="XYZ")]}, "body.items.0"),
    ("zero amount", {"items": [item(amount="0.00")]}, "body.items.0"),
    ("negative amount", {"items": [item(amount="-5.00")]}, "body.items.0.amount"),
    ("numeric amount", {"items": [item() | {"amount": 12.5}]}, "body.items.0.amount"),
    ("over-precise CHF", {"items": [item(amount="1.001")]}, "body.items.0"),
    ("fractional JPY", {"items": [item(amount="12.5", currency="JPY")]}, "body.items.0"),
    ("unknown category", {"items": [item(category="travel")]}, "body.items.0.category"),
    ("oversized facts", {"facts": "x" * 20_001}, "body.facts"),
    ("oversized name", {"victim": _victim(full_name="n" * 201)}, "body.victim.full_name"),
    ("birth in the future", {"victim": _victim(date_of_birth="2999-01-01")}, "body.victim"),
    ("other support", {"no_other_support": False}, "body.no_other_support"),
    ("no consent", {"consent": {"given": False, "date": "2026-01-01"}}, "body.consent.given"),
    ("bad urgency", {"urgency": "yesterday"}, "body.urgency"),
]


@pytest.mark.parametrize(("name", "changes", "field"), BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_submissions_name_the_field_and_store_nothing(
    api: Api, stack: Stack, name: str, changes: dict[str, Any], field: str
) -> None:
    body = case_body()
    body["facts"] = f"{MARKER} {body['facts']}"
    for key, value in changes.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    with nothing_changes(stack):
        response = api.post("intake", "/cases", user="caseworker-a", json=body)
        problem = assert_problem(response, 422)
    assert any(e["field"].startswith(field) for e in problem["errors"]), problem["errors"]
    assert MARKER not in response.text


def test_malformed_bodies_and_headers(api: Api, stack: Stack) -> None:
    with nothing_changes(stack):
        assert_problem(
            api.post(
                "intake",
                "/cases",
                user="caseworker-a",
                content=b"{not json",
                headers={"Content-Type": "application/json"},
            ),
            400,
        )
        huge = case_body(facts="x" * 300_000)
        assert_problem(api.post("intake", "/cases", user="caseworker-a", json=huge), 413)
        assert_problem(
            api.post(
                "intake",
                "/cases",
                user="caseworker-a",
                json=case_body(),
                headers={"Idempotency-Key": "k" * 201},
            ),
            422,
        )
        assert_problem(
            api.get("intake", "/cases?cursor=bm90LWEtY3Vyc29y", user="caseworker-a"), 400
        )
        assert_problem(api.get("intake", "/cases?limit=0", user="caseworker-a"), 422)
        assert_problem(api.get("intake", "/cases?country=Lebanon", user="caseworker-a"), 422)


@pytest.fixture(scope="module")
def case_id(api: Api) -> str:
    created = api.post("intake", "/cases", user="caseworker-a", json=case_body())
    assert created.status_code == 201
    value: str = created.json()["case_id"]
    return value


CHANGES: list[tuple[str, str, dict[str, Any], int]] = [
    ("withdraw", "withdraw", {}, 422),
    ("withdraw", "withdraw", {"reason": "bored"}, 422),
    ("withdraw", "withdraw", {"reason": "safety", "note": MARKER}, 422),
    ("information", "information", {"request_id": "r-1"}, 422),
    ("information", "information", {"request_id": "r-1", "answer": "a" * 20_001}, 422),
    (
        "information",
        "information",
        {"request_id": "r-1", "answer": MARKER, "document_ids": ["not-a-uuid"]},
        422,
    ),
    ("information", "information", {"request_id": "r 1", "answer": MARKER}, 422),
    ("information", "information", {"request_id": "r-1", "answer": MARKER}, 404),
    ("report", "report", {"document_ids": []}, 422),
    ("report", "report", {"document_ids": [new_id()] * 21}, 422),
    ("ruling", "duplicate-ruling", {"reason_code": "bored"}, 422),
]


@pytest.mark.parametrize(
    ("what", "route", "body", "status"), CHANGES, ids=[f"{c[0]}-{n}" for n, c in enumerate(CHANGES)]
)
def test_bad_changes(
    api: Api, stack: Stack, case_id: str, what: str, route: str, body: dict[str, Any], status: int
) -> None:
    user = "legal-1" if route == "duplicate-ruling" else "caseworker-a"
    with nothing_changes(stack):
        response = api.post("intake", f"/cases/{case_id}/{route}", user=user, json=body)
        assert_problem(response, status)
    assert MARKER not in response.text


def test_unknown_malformed_and_foreign_case_ids(api: Api, stack: Stack, case_id: str) -> None:
    with nothing_changes(stack):
        for route, body in (
            ("withdraw", {"reason": "safety"}),
            ("report", {"document_ids": [new_id()]}),
            ("information", {"request_id": "r-1", "answer": "x"}),
        ):
            assert_problem(
                api.post(
                    "intake", f"/cases/{uuid.uuid4()}/{route}", user="caseworker-a", json=body
                ),
                404,
            )
            assert_problem(
                api.post("intake", f"/cases/{case_id}/{route}", user="caseworker-b", json=body), 404
            )
            problem = assert_problem(
                api.post("intake", f"/cases/VF-2026-1/{route}", user="caseworker-a", json=body), 422
            )
            assert problem["errors"][0]["field"] == "path.case_id"
        assert_problem(api.get("intake", "/cases/123", user="caseworker-a"), 422)
        assert_problem(
            api.post(
                "intake",
                f"/cases/{uuid.uuid4()}/documents",
                user="caseworker-a",
                files={"file": ("a.pdf", PDF)},
            ),
            404,
        )
        assert_problem(
            api.delete(
                "intake",
                f"/cases/{uuid.uuid4()}/personal-data?legal_basis=safety_risk",
                user="admin-1",
            ),
            404,
        )


WRONG_ROLES: list[tuple[str, str, str]] = [
    ("POST", "withdraw", "medical-1"),
    ("POST", "withdraw", "manager-1"),
    ("POST", "information", "legal-1"),
    ("POST", "information", "finance-1"),
    ("POST", "report", "auditor-1"),
    ("POST", "report", "admin-1"),
    ("POST", "documents", "medical-1"),
    ("POST", "documents", "admin-1"),
    ("POST", "duplicate-ruling", "caseworker-a"),
    ("POST", "duplicate-ruling", "finance-1"),
    ("DELETE", "personal-data", "manager-1"),
    ("DELETE", "personal-data", "caseworker-a"),
    ("POST", "withdraw", ""),
    ("DELETE", "personal-data", ""),
]


@pytest.mark.parametrize(
    ("method", "route", "user"),
    WRONG_ROLES,
    ids=[f"{m}-{r}-{u or 'anonymous'}" for m, r, u in WRONG_ROLES],
)
def test_wrong_roles(
    api: Api, stack: Stack, case_id: str, method: str, route: str, user: str
) -> None:
    kwargs: dict[str, Any] = (
        {"files": {"file": ("a.pdf", PDF, "application/pdf")}}
        if route == "documents"
        else {"json": {"reason": "safety"}}
    )
    path = f"/cases/{case_id}/{route}" + ("?legal_basis=safety_risk" if method == "DELETE" else "")
    with nothing_changes(stack):
        response = api.call(method, "intake", path, user=user or None, **kwargs)
        assert_problem(response, 403 if user else 401)


UPLOADS: list[tuple[str, dict[str, Any], int, str]] = [
    (
        "lying pdf",
        {"files": {"file": ("scan.pdf", b"MZ\x90\x00" + bytes(64), "application/pdf")}},
        415,
        "unsupported-type",
    ),
    ("html as png", {"files": {"file": ("a.png", b"<html><script>", "image/png")}}, 415, ""),
    ("png declared as pdf", {"files": {"file": ("a.pdf", PNG, "application/pdf")}}, 415, ""),
    ("empty", {"files": {"file": ("a.pdf", b"", "application/pdf")}}, 422, ""),
    ("no file", {"data": {"purpose": "evidence"}, "files": {"other": ("a", PDF)}}, 422, ""),
    ("bad purpose", {"data": {"purpose": "gossip"}, "files": {"file": ("a.pdf", PDF)}}, 422, ""),
    ("json body", {"json": {"file": "JVBERi0xLjc="}}, 415, ""),
    ("too large", {"files": {"file": ("a.pdf", PDF + bytes(MAX_DOCUMENT_BYTES))}}, 413, ""),
    ("far too large", {"files": {"file": ("a.pdf", PDF + bytes(MAX_DOCUMENT_BYTES * 2))}}, 413, ""),
]


@pytest.mark.parametrize(("name", "kwargs", "status", "code"), UPLOADS, ids=[u[0] for u in UPLOADS])
def test_bad_uploads(
    api: Api, stack: Stack, case_id: str, name: str, kwargs: dict[str, Any], status: int, code: str
) -> None:
    with nothing_changes(stack):
        response = api.post("intake", f"/cases/{case_id}/documents", user="caseworker-a", **kwargs)
        problem = assert_problem(response, status)
    if code:
        assert problem["errors"][0]["code"] == code.replace("-", "_")
