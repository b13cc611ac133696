"""Audit exports for the verifier's tests: made as GET /export makes them (entries, then a trailer
of signed heads with range proofs), and altered the ways an attacker would."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.domain.canonical import canonical_json
from services.audit.domain.export import head_line
from services.audit.domain.heads import TreeHead, sign_tree_head
from services.audit.domain.memory_tree import MemoryTree

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
PEM = KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)
STAMP = "2026-11-22T15:30:00.123Z"

Entry = dict[str, Any]


def event(i: int) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"evt-{i}",
        "source": "/vfund/intake",
        "type": "org.vfund.intake.case.withdrawn.v1",
        "subject": f"case-{i}",
        "time": "2026-11-22T15:30:00.123456Z",
        "data": {"case_id": f"case-{i}", "reason": "other", "n": i, "ratio": i / 4},
    }


def entry(index: int, ev: dict[str, Any]) -> Entry:
    digest = hashlib.sha256(b"\x00" + canonical_json(ev)).hexdigest()
    return {"index": index, "event": ev, "recorded_at": STAMP, "leaf_hash": digest}


def log(n: int) -> list[Entry]:
    """A log of n entries."""
    return [entry(i, event(i)) for i in range(n)]


def renumbered(entries: list[Entry], start: int) -> list[Entry]:
    """The same events with contiguous indexes from start and their leaf hashes: what an
    attacker who removes, inserts or moves entries writes so that each line looks right."""
    return [entry(start + n, e["event"]) for n, e in enumerate(entries)]


def tree_of(entries: list[Entry]) -> MemoryTree:
    return MemoryTree(bytes.fromhex(e["leaf_hash"]) for e in entries)


def head(entries: list[Entry], size: int, key: Ed25519PrivateKey = KEY) -> TreeHead:
    """The head the service signs over the first `size` entries of the log."""
    return sign_tree_head(key, size, tree_of(entries[:size]).root().hex(), STAMP)


def trailer_line(
    entries: list[Entry], first: int, last: int, size: int, key: Ed25519PrivateKey = KEY
) -> dict[str, Any]:
    """The trailer line GET /export writes for a head of `size` entries of the log `entries`,
    in an export of entries first..last."""
    return head_line(head(entries, size, key), first, last, tree_of(entries[:size]).node)


def export_lines(entries: list[Entry], first: int, last: int, head_sizes: list[int]) -> list[bytes]:
    """An export of entries first..last of the log, with a trailer of heads of these sizes."""
    body = [orjson.dumps(e) + b"\n" for e in entries[first : last + 1]]
    return body + [
        orjson.dumps(trailer_line(entries, first, last, s)) + b"\n" for s in sorted(head_sizes)
    ]


def split(lines: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """An export's entry lines and trailer lines."""
    entry_lines = [line for line in lines if b'"tree_head"' not in line]
    return entry_lines, lines[len(entry_lines) :]


def parsed(line: bytes) -> dict[str, Any]:
    value: dict[str, Any] = orjson.loads(line)
    return value


def dumped(value: dict[str, Any]) -> bytes:
    return orjson.dumps(value) + b"\n"
