"""An export from the running audit service proves itself to the real `vfund audit verify`, and
every alteration is caught: named where the export can say, by the service's proofs where not."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from support import Api, publish, wait_for
from support.audit_exports import dumped, entry, parsed, split

from dev.stack import Stack
from services.audit.domain.heads import sign_tree_head

SUBJECT = "vfund.intake.case.withdrawn"


def _event() -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/vfund/intake",
        "type": "org.vfund.intake.case.withdrawn.v1",
        "subject": str(uuid.uuid4()),
        "time": datetime.now(UTC).isoformat(),
        "datacontenttype": "application/json",
        "data": {"case_id": str(uuid.uuid4()), "reason": "other"},
        "correlationid": str(uuid.uuid4()),
        "causationid": str(uuid.uuid4()),
        "actor": "caseworker-a",
    }


@pytest.fixture(scope="module")
def exported(api: Api, stack: Stack) -> tuple[list[bytes], list[bytes]]:
    """A default export (entries, trailer) once at least 12 events are signed."""
    for _ in range(12):
        publish(stack.nats_url or "", SUBJECT, orjson.dumps(_event()))

    def signed() -> bool:
        head = api.get("audit", "/tree-heads/latest", user="auditor-1").json()
        return int(head.get("tree_size", 0)) >= 12

    wait_for(signed, timeout=30, what="a signed head over 12 entries")
    export = api.get("audit", "/export", user="auditor-1")
    assert export.status_code == 200
    assert export.headers["cache-control"] == "no-store"
    return split(export.content.splitlines(keepends=True))


class Cli:
    """The real `vfund audit verify`, as a user runs it."""

    def __init__(self, stack: Stack, folder: Path, token: str) -> None:
        self.key = str(stack.keys.audit_public)  # type: ignore[union-attr]
        self.folder = folder
        self.env = os.environ | {"VFUND_TOKEN": token}

    def __call__(self, lines: list[bytes], *options: str) -> tuple[int, str]:
        path = self.folder / f"{uuid.uuid4()}.jsonl"
        path.write_bytes(b"".join(lines))
        command = [sys.executable, "-m", "dev.cli", "audit", "verify", str(path)]
        done = subprocess.run(
            [*command, "--public-key", self.key, *options],
            capture_output=True,
            text=True,
            env=self.env,
            timeout=120,
        )
        return done.returncode, done.stdout + done.stderr


@pytest.fixture
def cli(stack: Stack, api: Api, tmp_path: Path) -> Cli:
    return Cli(stack, tmp_path, api.tokens["auditor-1"])


INDEX = re.compile(rb'"index":\s*\d+')


def renumbered(lines: list[bytes]) -> list[bytes]:
    """Entry lines with contiguous indexes again (each line's leaf hash still holds). The index
    is rewritten in place: the log may hold an event nested deeper than a parser goes (the
    hostile tests log one), which an attacker need not parse either."""
    return [INDEX.sub(f'"index":{n}'.encode(), line, count=1) for n, line in enumerate(lines)]


def test_an_export_proves_itself_whole_or_in_part(
    exported: tuple[list[bytes], list[bytes]], api: Api, cli: Cli
) -> None:
    entries, trailer = exported
    status, out = cli([*entries, *trailer])
    assert status == 0 and out.startswith(f"OK: {len(entries)} entries, root "), out
    last = len(entries) - 1
    part = api.get("audit", f"/export?from_index=3&to_index={last - 2}", user="auditor-1")
    status, out = cli(part.content.splitlines(keepends=True))
    assert status == 0, out
    assert out.startswith(f"OK: {last - 4} entries (indexes 3..{last - 2})"), out


def test_no_head_at_all_is_unproven_unless_allowed(
    exported: tuple[list[bytes], list[bytes]], cli: Cli
) -> None:
    entries, _ = exported
    status, out = cli(entries)
    assert status == 3 and out.startswith("UNPROVEN: ") and "no signed tree head" in out, out
    status, out = cli(entries, "--allow-unsigned")
    assert status == 0 and out.startswith("UNSIGNED: "), out


def test_a_tampered_removed_or_reordered_entry_is_named(
    exported: tuple[list[bytes], list[bytes]], cli: Cli
) -> None:
    entries, trailer = exported
    k = len(entries) // 2
    item = parsed(entries[k])
    tampered = dumped(item | {"event": item["event"] | {"actor": "someone-else"}})
    status, out = cli([*entries[:k], tampered, *entries[k + 1 :], *trailer])
    assert status == 1 and f"entry {k} (line {k + 1}" in out and "leaf_hash" in out, out
    status, out = cli([*entries[:k], *entries[k + 1 :], *trailer])
    assert status == 1 and f"entry {k} is missing" in out, out
    swapped = [*entries[:k], entries[k + 1], entries[k], *entries[k + 2 :]]
    status, out = cli([*swapped, *trailer])
    assert status == 1 and f"entry {k} is missing or out of order" in out, out


def test_the_service_names_the_entry_an_edit_with_renumbering_hid(
    exported: tuple[list[bytes], list[bytes]], stack: Stack, cli: Cli
) -> None:
    """Removed, reordered or inserted with the indexes made contiguous again: each line is
    right, only the signed root is not; --against the service names the first that differs."""
    entries, trailer = exported
    k = len(entries) // 2
    event = parsed(entries[k])["event"]
    forged = dumped(entry(k, event | {"id": f"forged-{event['id']}"}))  # its leaf hash holds
    altered = {
        "removed": renumbered([*entries[:k], *entries[k + 1 :], entries[0]]),
        "reordered": renumbered([*entries[:k], entries[k + 1], entries[k], *entries[k + 2 :]]),
        "inserted": renumbered([*entries[:k], forged, *entries[k:-1]]),
    }
    url = stack.services["audit"].url
    for how, lines in altered.items():
        status, out = cli([*lines, *trailer])
        assert status == 1 and "signs root" in out, (how, out)
        status, out = cli([*lines, *trailer], "--against", url)
        assert status == 1, (how, out)
        assert f"entry {k} is the first that differs from the signed log" in out, (how, out)
        assert f"inclusion proofs from {url}" in out, (how, out)


def test_a_truncated_export_is_never_ok(
    exported: tuple[list[bytes], list[bytes]], cli: Cli
) -> None:
    entries, trailer = exported
    cut = len(entries) - 3
    status, out = cli([*entries[:cut], *trailer])
    assert status == 1 and f"entries {cut}..{len(entries) - 1} are missing" in out, out
    status, out = cli(entries[:cut])  # cut before the trailer: it went too
    assert status == 3 and out.startswith("UNPROVEN: "), out


def test_a_head_from_another_key_is_refused(
    exported: tuple[list[bytes], list[bytes]], cli: Cli
) -> None:
    entries, trailer = exported
    line = parsed(trailer[-1])
    signed = line["tree_head"]
    other = Ed25519PrivateKey.generate()
    line["tree_head"] = sign_tree_head(
        other, signed["tree_size"], signed["root_hash"], signed["timestamp"]
    )
    status, out = cli([*entries, *trailer[:-1], dumped(line)])
    assert status == 1 and "signature does not verify with the public key" in out, out
    assert line["tree_head"]["key_id"] in out
