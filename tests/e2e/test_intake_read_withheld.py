"""Intake: a case read without its personal data (`personal_data=false`) decrypts nothing and
records nothing; a read with it records the purpose the reader gave (issue 18's pages)."""

from __future__ import annotations

import orjson
from support import Api, stream_messages, wait_for
from support.factories import case_body

from dev.stack import Stack

ACCESSED = "vfund.intake.case.personal_data_accessed"


def accesses(stack: Stack, case_id: str) -> list[dict[str, object]]:
    assert stack.nats_url is not None
    found = []
    for _, data, _ in stream_messages(stack.nats_url, ACCESSED):
        event = orjson.loads(data)
        if event["subject"] == case_id:
            found.append(event["data"])
    return found


def test_a_read_without_personal_data_records_nothing_and_one_with_it_its_purpose(
    api: Api, stack: Stack
) -> None:
    body = case_body()
    created = api.post("intake", "/cases", user="caseworker-a", json=body)
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    for user in ("medical-1", "legal-1", "caseworker-a", "manager-1"):
        response = api.get("intake", f"/cases/{case_id}?personal_data=false", user=user)
        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == '"1"'
        assert response.headers["Cache-Control"] == "no-store"
        read = response.json()
        assert read["personal_data"] == "withheld"
        assert read.get("victim") is None and read.get("facts") is None
        assert body["victim"]["full_name"] not in response.text
        assert body["facts"] not in response.text
        assert all(i.get("description") is None for i in read["items"])
        assert [h["kind"] for h in read["history"]] == ["submitted"]
    shown = api.get("intake", f"/cases/{case_id}?purpose=duplicate_check", user="legal-1")
    assert shown.status_code == 200, shown.text
    assert shown.json()["victim"]["full_name"] == body["victim"]["full_name"]
    found = wait_for(lambda: accesses(stack, case_id), what="personal_data_accessed")
    expected = {"actor": "legal-1", "role": "legal_assessor", "purpose": "duplicate_check"}
    assert found == [{"case_id": case_id, **expected}]
    bad = api.get("intake", f"/cases/{case_id}?personal_data=perhaps", user="legal-1")
    assert bad.status_code == 422, bad.text
    assert accesses(stack, case_id) == found
