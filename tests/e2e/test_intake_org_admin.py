"""An organisation's org_admin follows its cases' status at intake, and nothing more: never the
victim or the facts, never another organisation's case, never a change."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from support import Api, assert_problem, wait_for
from support.factories import case_body
from support.intake_probe import PDF, nothing_changes, publish, published, stream_count

from dev.stack import Stack
from shared.events import subjects
from shared.events.assessment import InformationRequested

ADMIN = "orgadmin-a"


def _submit(api: Api, user: str) -> str:
    response = api.post("intake", "/cases", user=user, json=case_body())
    assert response.status_code == 201, response.text
    case_id: str = response.json()["case_id"]
    return case_id


@pytest.fixture(scope="module")
def cases(api: Api, stack: Stack) -> dict[str, str]:
    """A case of org-a with an answered information request and a document; one of org-b."""
    own = _submit(api, "caseworker-a")
    request_id = str(uuid.uuid4())
    publish(
        stack,
        subjects.INFORMATION_REQUESTED,
        InformationRequested(
            case_id=own, request_id=request_id, question_category="identity", requested_by="legal-1"
        ),
        case_id=own,
    )
    wait_for(
        lambda: (
            api.get("intake", f"/cases/{own}", user=ADMIN).json()["status"]
            == "information_requested"
        ),
        what="the information request at intake",
    )
    attached = api.post(
        "intake", f"/cases/{own}/documents", user="caseworker-a", files={"file": ("a.pdf", PDF)}
    )
    assert attached.status_code == 201, attached.text
    answered = api.post(
        "intake",
        f"/cases/{own}/information",
        user="caseworker-a",
        json={"request_id": request_id, "answer": "SECRET-ANSWER the clinic's letter"},
    )
    assert answered.status_code == 200, answered.text
    return {
        "own": own,
        "document": attached.json()["document_id"],
        "other": _submit(api, "caseworker-b"),
    }


def test_lists_only_its_organisations_cases(api: Api, cases: dict[str, str]) -> None:
    listed = api.get("intake", "/cases?limit=200", user=ADMIN)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert cases["own"] in {c["case_id"] for c in items}
    assert cases["other"] not in {c["case_id"] for c in items}
    assert {c["org_id"] for c in items} == {"org-a"}
    assert all(c["possible_duplicate"] is False for c in items)


def test_reads_status_items_and_history_but_no_personal_data_and_no_access_event(
    api: Api, stack: Stack, cases: dict[str, str]
) -> None:
    body = case_body()
    published(stack)  # what earlier reads reported is out
    accessed = stream_count(stack, subjects.PERSONAL_DATA_ACCESSED)
    response = api.get("intake", f"/cases/{cases['own']}", user=ADMIN)
    assert response.status_code == 200, response.text
    read: dict[str, Any] = response.json()
    assert response.headers["Cache-Control"] == "no-store"
    assert read["status"] == "in_assessment"
    assert [i["amount"] for i in read["items"]] == [body["items"][0]["amount"]]
    assert "case.information_provided" in [h["kind"] for h in read["history"]]
    assert read["personal_data"] == "withheld"
    assert read.get("victim") is None and read.get("facts") is None
    assert all("description" not in i or i["description"] is None for i in read["items"])
    assert all(r.get("answer") is None for r in read["information_requests"])
    assert "SECRET-ANSWER" not in response.text
    assert read["duplicate_of"] == []
    # Nothing personal was read, so no read is reported; a caseworker's read is, once.
    assert api.get("intake", f"/cases/{cases['own']}", user="caseworker-a").status_code == 200
    published(stack)
    assert stream_count(stack, subjects.PERSONAL_DATA_ACCESSED) == accessed + 1


def test_another_organisations_case_is_not_found(api: Api, cases: dict[str, str]) -> None:
    response = api.get("intake", f"/cases/{cases['other']}", user=ADMIN)
    assert_problem(response, 404)
    assert_problem(api.get("intake", f"/cases/{uuid.uuid4()}", user=ADMIN), 404)


CHANGES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/cases", {"json": case_body()}),
    ("POST", "/cases/{own}/withdraw", {"json": {"reason": "safety"}}),
    ("POST", "/cases/{own}/information", {"json": {"request_id": "r-1", "answer": "x"}}),
    ("POST", "/cases/{own}/report", {"json": {"document_ids": [str(uuid.uuid4())]}}),
    ("POST", "/cases/{own}/documents", {"files": {"file": ("a.pdf", PDF)}}),
    ("POST", "/cases/{own}/duplicate-ruling", {"json": {"reason_code": "different_person"}}),
    ("DELETE", "/cases/{own}/personal-data?legal_basis=safety_risk", {"headers": {"If-Match": "*"}}),
    ("GET", "/cases/{own}/documents/{document}", {}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "kwargs"), CHANGES, ids=[f"{m} {p}" for m, p, _ in CHANGES]
)
def test_every_change_and_every_document_is_forbidden(
    api: Api, stack: Stack, cases: dict[str, str], method: str, path: str, kwargs: dict[str, Any]
) -> None:
    with nothing_changes(stack):
        response = api.call(method, "intake", path.format(**cases), user=ADMIN, **kwargs)
        assert_problem(response, 403)
