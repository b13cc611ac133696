"""Intake's protection of personal data: duplicates by blind index, erasure, key rotation."""

from __future__ import annotations

import subprocess
import sys
import uuid
from typing import Any

from support import Api, assert_problem, wait_for
from support.factories import case_body
from support.intake_probe import (
    PDF,
    last_event,
    new_id,
    publish,
    query,
)

from dev.stack import Stack
from services.intake.personal import VICTIM
from shared.crypto import MasterKeyring, WrappedKey, decrypt_field, unwrap
from shared.events import subjects
from shared.events.assessment import InformationRequested


def submit(api: Api, user: str, victim: dict[str, Any]) -> str:
    body = case_body()
    body["victim"] = victim
    response = api.post("intake", "/cases", user=user, json=body)
    assert response.status_code == 201, response.text
    case_id: str = response.json()["case_id"]
    return case_id


def test_possible_duplicates_are_flagged_for_assessors_and_cleared(api: Api, stack: Stack) -> None:
    tag = uuid.uuid4().hex[:10]
    phone = f"+41 79 {int(tag, 16) % 10**7:07d}"
    first = submit(
        api,
        "caseworker-a",
        {"full_name": f"Amina Haddad {tag}", "date_of_birth": "1990-01-05", "contact": phone},
    )
    second = submit(api, "caseworker-b", {"full_name": f"HADDAD, amina {tag.upper()}"})
    third = submit(
        api, "caseworker-b", {"full_name": f"Someone Else {tag}", "contact": phone.replace(" ", "")}
    )
    unrelated = submit(api, "caseworker-b", {"full_name": f"Nobody Related {new_id()}"})
    for case_id in (second, third):
        seen = api.get("intake", f"/cases/{case_id}", user="medical-1").json()
        assert seen["possible_duplicate"] is True
        assert seen["duplicate_of"] == [first]
        own = api.get("intake", f"/cases/{case_id}", user="caseworker-b").json()
        assert own["possible_duplicate"] is False and own["duplicate_of"] == []
    assert (
        api.get("intake", f"/cases/{first}", user="medical-1").json()["possible_duplicate"] is False
    )
    listed = api.get("intake", "/cases?limit=200", user="manager-1").json()["items"]
    assert {c["case_id"] for c in listed if c["possible_duplicate"]} >= {second, third}
    suspected = wait_for(
        lambda: (
            (e := last_event(stack, subjects.CASE_DUPLICATE_SUSPECTED))
            and e["data"]["case_id"] == third
            and e
        ),
        what="duplicate_suspected",
    )
    assert suspected["data"] == {"case_id": third, "matching_case_ids": [first]}
    ruling = f"/cases/{second}/duplicate-ruling"
    body = {"reason_code": "different_person"}
    assert_problem(api.post("intake", ruling, user="caseworker-b", json=body), 403)
    assert_problem(api.post("intake", ruling, user="manager-1", json=body), 403)
    assert_problem(api.post("intake", ruling, user="legal-1", json={"reason_code": "x"}), 422)
    cleared = api.post("intake", ruling, user="legal-1", json=body)
    assert cleared.status_code == 200, cleared.text
    assert (
        api.get("intake", f"/cases/{second}", user="legal-1").json()["possible_duplicate"] is False
    )
    event = wait_for(
        lambda: (
            (e := last_event(stack, subjects.CASE_DUPLICATE_CLEARED))
            and e["data"]["case_id"] == second
            and e
        ),
        what="duplicate_cleared",
    )
    assert event["data"] == {
        "case_id": second,
        "matching_case_ids": [first],
        "ruled_by": "legal-1",
        "reason_code": "different_person",
    }
    assert_problem(api.post("intake", ruling, user="legal-1", json=body), 409)
    assert_problem(
        api.post("intake", f"/cases/{unrelated}/duplicate-ruling", user="legal-1", json=body), 409
    )


def test_erasure_shreds_personal_data_and_keeps_the_case(api: Api, stack: Stack) -> None:
    body = case_body()
    case_id = api.post("intake", "/cases", user="caseworker-a", json=body).json()["case_id"]
    request_id = new_id()
    publish(
        stack,
        subjects.INFORMATION_REQUESTED,
        InformationRequested(
            case_id=case_id,
            request_id=request_id,
            question_category="identity",
            requested_by="legal-1",
        ),
        case_id=case_id,
    )
    wait_for(
        lambda: (
            api.get("intake", f"/cases/{case_id}", user="caseworker-a").json()["status"]
            == "information_requested"
        ),
        what="information requested",
    )
    document = api.post(
        "intake",
        f"/cases/{case_id}/documents",
        user="caseworker-a",
        files={"file": ("a.pdf", PDF, "application/pdf")},
    ).json()
    path = f"/cases/{case_id}/personal-data"
    assert_problem(
        api.delete("intake", path + "?legal_basis=consent_withdrawn", user="caseworker-a"), 403
    )
    assert_problem(api.delete("intake", path, user="admin-1"), 422)
    assert_problem(api.delete("intake", path + "?legal_basis=because", user="admin-1"), 422)
    reviewed = api.get("intake", f"/cases/{case_id}", user="admin-1").headers["ETag"]
    erased = api.delete(
        "intake",
        path + "?legal_basis=consent_withdrawn",
        user="admin-1",
        headers={"If-Match": reviewed},
    )
    assert erased.status_code == 200, erased.text
    case = api.get("intake", f"/cases/{case_id}", user="caseworker-a")
    assert case.status_code == 200
    read = case.json()
    assert read["personal_data"] == "erased"
    assert read.get("victim") is None and read.get("facts") is None
    assert read["status"] == "information_requested"
    assert [i["amount"] for i in read["items"]] == ["1200.00"]
    assert [h["kind"] for h in read["history"]][-1] == "case.personal_data_erased"
    cid = uuid.UUID(case_id)
    for table in ("case_keys", "case_personal", "case_blind_tokens"):
        assert (
            query(stack, f"SELECT count(*) AS n FROM {table} WHERE case_id = $1", cid)[0]["n"] == 0
        )
    assert (
        query(stack, "SELECT blob FROM case_documents WHERE case_id = $1", cid)[0]["blob"] is None
    )
    event = wait_for(
        lambda: (
            (e := last_event(stack, subjects.PERSONAL_DATA_ERASED))
            and e["data"]["case_id"] == case_id
            and e
        ),
        what="personal_data_erased",
    )
    assert event["data"] == {
        "case_id": case_id,
        "erased_by": "admin-1",
        "legal_basis": "consent_withdrawn",
    }
    assert_problem(
        api.get(
            "intake", f"/cases/{case_id}/documents/{document['document_id']}", user="caseworker-a"
        ),
        410,
    )
    assert_problem(
        api.post(
            "intake",
            f"/cases/{case_id}/information",
            user="caseworker-a",
            json={"request_id": request_id, "answer": "x"},
        ),
        409,
    )
    assert_problem(
        api.delete(
            "intake",
            path + "?legal_basis=consent_withdrawn",
            user="admin-1",
            headers={"If-Match": erased.headers["ETag"]},
        ),
        409,
    )


def test_rotate_master_key_rewraps_every_data_key(api: Api, stack: Stack) -> None:
    assert stack.keys is not None
    original = MasterKeyring.from_file(stack.keys.master_key)
    body = case_body()
    case_id = api.post("intake", "/cases", user="caseworker-a", json=body).json()["case_id"]
    rotated = original.rotated(f"mk-test-{uuid.uuid4().hex[:8]}")

    def rotate_to(keyring: MasterKeyring) -> str:
        env = stack.service_env("intake") | {"VFUND_MASTER_KEY": keyring.to_config()}
        env.pop("VFUND_MASTER_KEY_FILE")
        done = subprocess.run(
            [sys.executable, "-m", "services.intake", "rotate-master-key"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    cid = uuid.UUID(case_id)
    blob_before = query(
        stack, "SELECT blob FROM case_personal WHERE case_id = $1 AND field = $2", cid, VICTIM
    )[0]["blob"]
    try:
        assert "0 left" in rotate_to(rotated)
        keys = query(stack, "SELECT DISTINCT key_id FROM case_keys")
        assert [k["key_id"] for k in keys] == [rotated.active_key_id]
        row = query(stack, "SELECT key_id, wrapped FROM case_keys WHERE case_id = $1", cid)[0]
        # Only the new master key is needed now; the ciphertext itself did not change.
        only_new = MasterKeyring(
            {rotated.active_key_id: _key_bytes(rotated)}, rotated.active_key_id
        )
        data_key = unwrap(only_new, WrappedKey(row["key_id"], bytes(row["wrapped"])), case_id)
        blob_after = query(
            stack, "SELECT blob FROM case_personal WHERE case_id = $1 AND field = $2", cid, VICTIM
        )[0]["blob"]
        assert blob_after == blob_before
        assert body["victim"]["full_name"].encode() in decrypt_field(
            data_key, case_id, VICTIM, bytes(blob_after)
        )
    finally:
        # Back under the key the running service holds, for the rest of the session.
        back = MasterKeyring.from_config(
            original.to_config() + "," + rotated.to_config().split(",")[0]
        )
        rotate_to(back)
    read = api.get("intake", f"/cases/{case_id}", user="caseworker-a").json()
    assert read["victim"]["full_name"] == body["victim"]["full_name"]


def _key_bytes(keyring: MasterKeyring) -> bytes:
    import base64

    active = keyring.to_config().split(",")[0]
    return base64.b64decode(active.split(":", 1)[1])
