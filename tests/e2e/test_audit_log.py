"""The audit API on the session stack: entries as received, signed heads, problems, the export."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from support import Api, assert_problem, publish, wait_for
from support.audit_exports import split

from dev.stack import Stack
from services.audit.verify import main as verify_main

SUBJECT = "vfund.intake.case.withdrawn"


def _event(**data: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/vfund/intake",
        "type": "org.vfund.intake.case.withdrawn.v1",
        "subject": str(uuid.uuid4()),
        "time": datetime.now(UTC).isoformat(),
        "datacontenttype": "application/json",
        "data": {"case_id": str(uuid.uuid4()), "reason": "other"} | data,
        "correlationid": str(uuid.uuid4()),
        "causationid": str(uuid.uuid4()),
        "actor": "caseworker-a",
    }


def _logged(api: Api, event: dict[str, Any]) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        page = api.get("audit", f"/log?subject={event['subject']}", user="auditor-1").json()
        return next(iter(page["items"]), None)

    return wait_for(probe, what="the event in the audit log")


def test_an_entry_holds_the_event_as_received_and_its_rfc9162_leaf_hash(
    api: Api, stack: Stack
) -> None:
    event = _event(note="Zoë ✓", ratio=0.1, big=2**52, nested={"b": [1.5, None, True], "a": "x"})
    # Spacing and key order as some other producer might send them.
    body = orjson.dumps(dict(reversed(event.items())), option=orjson.OPT_INDENT_2)
    publish(stack.nats_url or "", SUBJECT, body)
    entry = _logged(api, event)
    assert entry["event"] == event
    assert entry["leaf_hash"] == hashlib.sha256(b"\x00" + rfc8785.dumps(event)).hexdigest()
    assert isinstance(entry["index"], int) and datetime.fromisoformat(entry["recorded_at"])
    by_type = api.get(
        "audit", f"/log?type={event['type']}&after={entry['index'] - 1}&limit=1", user="admin-1"
    ).json()
    assert by_type["items"][0]["index"] == entry["index"]


def test_tree_heads_are_signed_over_the_contract_bytes_and_logged(api: Api, stack: Stack) -> None:
    event = _event()
    publish(stack.nats_url or "", SUBJECT, orjson.dumps(event))
    index = _logged(api, event)["index"]

    def covering() -> dict[str, Any] | None:
        head: dict[str, Any] = api.get("audit", "/tree-heads/latest", user="auditor-1").json()
        return head if head.get("tree_size", 0) > index else None

    head = wait_for(covering, timeout=20, what="a tree head covering the event")
    key = load_pem_public_key(stack.keys.audit_public.read_bytes())  # type: ignore[union-attr]
    assert isinstance(key, Ed25519PublicKey)
    message = rfc8785.dumps(
        {
            "root_hash": head["root_hash"],
            "timestamp": head["timestamp"],
            "tree_size": head["tree_size"],
        }
    )
    key.verify(base64.b64decode(head["signature"]), message)  # raises if it does not verify
    assert head["root_hash"] == head["root_hash"].lower() and len(head["root_hash"]) == 64
    listed = api.get("audit", "/tree-heads?limit=2", user="auditor-1").json()
    assert listed["items"][0] == head
    if listed["next_cursor"] is not None:
        older = api.get(
            "audit", f"/tree-heads?limit=2&cursor={listed['next_cursor']}", user="auditor-1"
        ).json()
        assert older["items"][0]["tree_size"] < listed["items"][-1]["tree_size"]

    def head_event() -> list[dict[str, Any]]:
        page = api.get(
            "audit",
            "/log?type=org.vfund.audit.tree_head.signed.v1&subject=audit-log"
            f"&after={head['tree_size'] - 1}&limit=1000",
            user="auditor-1",
        ).json()
        return [e for e in page["items"] if e["event"]["data"]["tree_size"] == head["tree_size"]]

    logged = wait_for(head_event, what="the tree head's own event in the log")[0]["event"]["data"]
    assert {k: logged[k] for k in head} == head


@pytest.mark.parametrize(
    ("path", "user", "status"),
    [
        ("/log", None, 401),
        ("/log", "caseworker-a", 403),
        ("/tree-heads/latest", "finance-1", 403),
        ("/log?limit=0", "auditor-1", 422),
        ("/log?limit=1001", "auditor-1", 422),
        ("/log?after=abc", "auditor-1", 422),
        ("/tree-heads?limit=5000", "auditor-1", 422),
        ("/proofs/inclusion?index=x&tree_size=1", "auditor-1", 422),
        ("/proofs/inclusion?index=-1&tree_size=1", "auditor-1", 422),
        ("/proofs/inclusion?index=1&tree_size=1", "auditor-1", 422),
        ("/proofs/inclusion?index=0&tree_size=9000000000", "auditor-1", 422),
        ("/proofs/consistency?first=2&second=1", "auditor-1", 422),
        ("/proofs/consistency?first=1&second=9000000000", "auditor-1", 422),
        ("/proofs/consistency?first=1.5&second=2", "auditor-1", 422),
        ("/export?to_index=9000000000", "auditor-1", 422),
        ("/export?from_index=3&to_index=2", "auditor-1", 422),
        ("/reports/donor", "auditor-1", 422),
        ("/reports/donor?grant_id=g&format=xml", "auditor-1", 422),
        ("/reports/donor?grant_id=g&from=2026-02-01&to=2026-01-01", "auditor-1", 422),
        ("/reports/donor?grant_id=g&from=yesterday", "auditor-1", 422),
    ],
)
def test_bad_requests_are_problems(api: Api, path: str, user: str | None, status: int) -> None:
    assert_problem(api.get("audit", path, user=user), status)


def test_writing_is_not_a_route(api: Api) -> None:
    for method in ("POST", "PUT", "DELETE"):
        assert api.call(method, "audit", "/log", user="admin-1").status_code == 405


def test_an_export_verifies_offline_and_any_edit_is_named(
    api: Api, stack: Stack, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for _ in range(3):
        publish(stack.nats_url or "", SUBJECT, orjson.dumps(_event()))
    head = wait_for(
        lambda: (
            api.get("audit", "/tree-heads/latest", user="auditor-1").json().get("tree_size", 0) >= 4
            and api.get("audit", "/tree-heads/latest", user="auditor-1").json()
        ),
        timeout=20,
        what="a signed head",
    )
    heads = tmp_path / "head.json"
    heads.write_bytes(orjson.dumps(head))
    export = api.get("audit", "/export", user="auditor-1")
    assert export.status_code == 200
    assert export.headers["content-type"].startswith("application/x-ndjson")
    # Entries, then the trailer of signed heads that proves them (issue 15 rule 8).
    lines, trailer = split(export.content.splitlines(keepends=True))
    assert [orjson.loads(line)["index"] for line in lines] == list(range(len(lines)))
    assert trailer and {"tree_head", "from_index", "to_index", "range_proof"} == set(
        orjson.loads(trailer[-1])
    )
    key = str(stack.keys.audit_public)  # type: ignore[union-attr]
    good = tmp_path / "good.jsonl"
    good.write_bytes(export.content)
    cli = [sys.executable, "-m", "dev.cli", "audit", "verify", str(good), "--public-key", key]
    done = subprocess.run([*cli, "--tree-head", str(heads)], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("OK: "), done.stdout + done.stderr

    part = api.get("audit", "/export?from_index=1&to_index=2", user="auditor-1").content
    assert split(part.splitlines(keepends=True))[0] == lines[1:3]

    def edited(new_lines: list[bytes]) -> str:
        path = tmp_path / "edited.jsonl"
        path.write_bytes(b"".join(new_lines))
        status = verify_main([str(path), "--public-key", key, "--tree-head", str(heads)])
        out = capsys.readouterr().out
        assert status == 1, out
        return out

    changed = lines[2].replace(b'"source":"', b'"source":"x', 1)
    assert changed != lines[2]
    assert "entry 2 " in edited([*lines[:2], changed, *lines[3:]])
    assert "entry 2 is missing" in edited([*lines[:2], *lines[3:]])
    assert "entry 1 is missing" in edited([lines[0], lines[2], lines[1], *lines[3:]])
    assert "index 1 appears again at line 3" in edited([*lines[:2], lines[1], *lines[2:]])
