"""Intake: submitting, listing and reading cases, each organisation seeing only its own."""

from __future__ import annotations

import re
import uuid
from typing import Any

from support import Api, assert_problem, wait_for
from support.factories import case_body, item
from support.intake_probe import query, stream_count

from dev.stack import Stack


def submit(api: Api, user: str = "caseworker-a", **overrides: Any) -> dict[str, Any]:
    response = api.post("intake", "/cases", user=user, json=case_body(**overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_submit_answers_id_reference_status_and_stores_amounts_exactly(
    api: Api, stack: Stack
) -> None:
    items = [
        item("medical", "1200.50", "CHF"),
        item("legal", "150000", "JPY"),
        item("social", "12.345", "KWD"),
    ]
    response = api.post("intake", "/cases", user="caseworker-a", json=case_body(items=items))
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "submitted"
    assert re.fullmatch(r"VF-\d{4}-\d{6}", created["reference"])
    assert response.headers["ETag"] == '"1"'
    rows = query(
        stack,
        "SELECT amount_minor, currency FROM case_items WHERE case_id = $1 ORDER BY position",
        uuid.UUID(created["case_id"]),
    )
    assert [(r["amount_minor"], r["currency"]) for r in rows] == [
        (120050, "CHF"),
        (150000, "JPY"),
        (12345, "KWD"),
    ]
    read = api.get("intake", f"/cases/{created['case_id']}", user="caseworker-a").json()
    assert [(i["amount"], i["currency"]) for i in read["items"]] == [
        ("1200.50", "CHF"),
        ("150000", "JPY"),
        ("12.345", "KWD"),
    ]


def test_references_are_unique_and_sequential(api: Api) -> None:
    first, second = submit(api), submit(api, urgency="emergency")
    year_a, number_a = first["reference"].rsplit("-", 1)
    year_b, number_b = second["reference"].rsplit("-", 1)
    assert year_a == year_b
    assert int(number_b) > int(number_a)


def test_idempotency_key_replays_and_refuses_another_body(api: Api, stack: Stack) -> None:
    key = {"Idempotency-Key": f"submit-{uuid.uuid4()}"}
    body = case_body()
    first = api.post("intake", "/cases", user="caseworker-a", json=body, headers=key)
    again = api.post("intake", "/cases", user="caseworker-a", json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = api.post("intake", "/cases", user="caseworker-a", json=case_body(), headers=key)
    assert_problem(other, 422)
    rows = query(
        stack, "SELECT count(*) AS n FROM cases WHERE reference = $1", first.json()["reference"]
    )
    assert rows[0]["n"] == 1
    # The idempotency memory keeps a keyed digest of the body, never the body itself.
    stored = query(
        stack,
        "SELECT request_hash, response::text AS r FROM idempotency_keys WHERE key = $1",
        key["Idempotency-Key"],
    )
    assert body["victim"]["full_name"] not in stored[0]["r"]


def test_lists_only_own_organisation_with_filters_and_pages(api: Api) -> None:
    country = "NP"
    mine = [submit(api, country=country, urgency="emergency")["case_id"] for _ in range(3)]
    theirs = submit(api, user="caseworker-b", country=country, urgency="emergency")["case_id"]
    seen: list[str] = []
    cursor = None
    while True:
        query_string = f"/cases?country={country}&urgency=emergency&status=submitted&limit=2"
        page = api.get(
            "intake", query_string + (f"&cursor={cursor}" if cursor else ""), user="caseworker-a"
        )
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 2
        seen += [c["case_id"] for c in body["items"]]
        assert all(c["org_id"] == "org-a" and c["country"] == country for c in body["items"])
        assert all("victim" not in c and "facts" not in c for c in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert set(mine) <= set(seen)
    assert theirs not in seen
    assert len(seen) == len(set(seen))
    b_view = api.get("intake", f"/cases?country={country}&limit=200", user="caseworker-b").json()
    assert {c["case_id"] for c in b_view["items"]} >= {theirs}
    assert not set(mine) & {c["case_id"] for c in b_view["items"]}
    manager = api.get("intake", f"/cases?country={country}&limit=200", user="manager-1").json()
    assert set(mine) | {theirs} <= {c["case_id"] for c in manager["items"]}
    none = api.get("intake", f"/cases?country={country}&urgency=standard", user="caseworker-a")
    assert not set(mine) & {c["case_id"] for c in none.json()["items"]}


def test_another_organisations_case_is_not_found(api: Api) -> None:
    case_id = submit(api)["case_id"]
    response = api.get("intake", f"/cases/{case_id}", user="caseworker-b")
    body = assert_problem(response, 404)
    assert "victim" not in response.text and "facts" not in body
    assert_problem(api.get("intake", f"/cases/{uuid.uuid4()}", user="caseworker-a"), 404)


def test_read_shows_personal_data_to_owner_and_assessors_and_logs_each_read(
    api: Api, stack: Stack
) -> None:
    body = case_body()
    case_id = api.post("intake", "/cases", user="caseworker-a", json=body).json()["case_id"]
    before = stream_count(stack, "vfund.intake.case.personal_data_accessed")
    for user in ("caseworker-a", "medical-1", "legal-1"):
        response = api.get("intake", f"/cases/{case_id}?purpose=assessment", user=user)
        assert response.status_code == 200, response.text
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["ETag"] == '"1"'
        read = response.json()
        assert read["personal_data"] == "included"
        assert read["victim"]["full_name"] == body["victim"]["full_name"]
        assert read["facts"] == body["facts"]
        assert read["items"][0]["description"] == body["items"][0]["description"]
        assert read["history"][0]["kind"] == "submitted"
    for user in ("manager-1", "admin-1"):
        read = api.get("intake", f"/cases/{case_id}", user=user).json()
        assert read["personal_data"] == "withheld"
        assert "victim" not in read or read["victim"] is None
        assert body["facts"] not in str(read)
    wait_for(
        lambda: stream_count(stack, "vfund.intake.case.personal_data_accessed") == before + 3,
        what="three personal_data_accessed events",
    )
    rows = query(stack, "SELECT kind FROM case_history WHERE case_id = $1", uuid.UUID(case_id))
    assert [r["kind"] for r in rows] == ["submitted"]


def test_roles_without_intake_access_are_refused(api: Api) -> None:
    case_id = submit(api)["case_id"]
    for user in ("finance-1", "auditor-1"):
        assert_problem(api.get("intake", f"/cases/{case_id}", user=user), 403)
        assert_problem(api.get("intake", "/cases", user=user), 403)
    assert_problem(api.get("intake", "/cases"), 401)
    for user in ("medical-1", "manager-1", "finance-1", "admin-1"):
        assert_problem(api.post("intake", "/cases", user=user, json=case_body()), 403)
