"""The thin slice: a submitted case reaches the assessment queue and the audit log, on real servers."""

from __future__ import annotations

from support import Api, wait_for
from support.factories import case_body


def test_submitted_case_reaches_queue_and_audit_log(api: Api) -> None:
    created = api.post("intake", "/cases", user="caseworker-a", json=case_body())
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    assert created.json()["reference"].startswith("VF-")

    def in_queue() -> bool:
        queue = api.get("assessment", "/queue?kind=medical&limit=200", user="medical-1").json()
        return any(entry["case_id"] == case_id for entry in queue["items"])

    wait_for(in_queue, what="case in the medical queue")

    def logged() -> list[dict[str, object]]:
        page = api.get("audit", f"/log?subject={case_id}&limit=10", user="auditor-1").json()
        return [
            e for e in page["items"] if e["event"]["type"] == "org.vfund.intake.case.submitted.v1"
        ]

    entries = wait_for(logged, what="case.submitted in the audit log")
    assert len(entries) == 1
    assert entries[0]["event"]["data"]["case_id"] == case_id
