"""Hostile cases against the audit service and its verifier (issue 15, rule 9).

Rule 4 (bounds, 4xx never 500): every query parameter of /log, /tree-heads, /proofs, /export and
/reports/donor, out of range or hostile, is refused with a problem naming it (or answered, when
harmless), never a 500. Rule 8 (the verifier cannot be fooled by omission): a real export,
altered every way we could think of, is never "OK" unless the alteration changed nothing that is
signed; each verdict says what is wrong."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from support import Api, assert_problem, publish, stream_messages, wait_for
from support.audit_exports import dumped, entry, parsed, split

from dev.stack import Stack
from services.audit.domain.heads import sign_tree_head
from services.audit.verify import main as verify_main

BIG = "9" * 5000  # beyond Python's default limit for int() of a string (4300 digits)

# --- rule 4: query parameters -----------------------------------------------------------------

# (path, the parameter a 422 must name, or None when only the status is checked)
REFUSED = [
    ("/log?after=-2", "after"),
    ("/log?after=4611686018427387905", "after"),
    ("/log?after=9223372036854775808", "after"),
    (f"/log?after={BIG}", "after"),
    ("/log?after=1.5", "after"),
    ("/log?after=1e3", "after"),
    ("/log?after=0x10", "after"),
    ("/log?after=NaN", "after"),
    ("/log?after=", "after"),
    ("/log?limit=0", "limit"),
    ("/log?limit=-1", "limit"),
    ("/log?limit=1001", "limit"),
    ("/log?limit=%00", "limit"),
    ("/log?cursor=-2", "cursor"),
    ("/log?cursor=abc", "cursor"),
    ("/log?type=" + "t" * 201, "type"),
    ("/log?type=org.vfund%00x", "type"),
    ("/log?type=a%0Ab", "type"),
    ("/log?subject=" + "s" * 201, "subject"),
    ("/log?subject=case%00", "subject"),
    ("/log?subject=%1B%5B31m", "subject"),
    ("/tree-heads?limit=0", "limit"),
    ("/tree-heads?limit=1001", "limit"),
    ("/tree-heads?cursor=0", "cursor"),
    ("/tree-heads?cursor=-1", "cursor"),
    (f"/tree-heads?cursor={BIG}", "cursor"),
    ("/proofs/inclusion", "index"),
    ("/proofs/inclusion?index=-1&tree_size=1", "index"),
    ("/proofs/inclusion?index=0&tree_size=-1", "tree_size"),
    ("/proofs/inclusion?index=5&tree_size=5", "index"),
    ("/proofs/inclusion?index=0&tree_size=0", "index"),
    ("/proofs/inclusion?index=0&tree_size=4611686018427387904", "tree_size"),
    ("/proofs/inclusion?index=4611686018427387905&tree_size=1", "index"),
    ("/proofs/inclusion?index=true&tree_size=1", "index"),
    ("/proofs/inclusion?index=0&tree_size=1.0e1", "tree_size"),
    ("/proofs/consistency?first=1", "second"),
    ("/proofs/consistency?first=-1&second=1", "first"),
    ("/proofs/consistency?first=3&second=2", "first"),
    ("/proofs/consistency?first=1&second=4611686018427387904", "second"),
    (f"/proofs/consistency?first=1&second={BIG}", "second"),
    ("/export?from_index=-1", "from_index"),
    ("/export?from_index=4611686018427387904", "from_index"),
    ("/export?to_index=4611686018427387904", "to_index"),
    ("/export?to_index=-1", "to_index"),
    ("/export?from_index=3&to_index=2", "from_index"),
    ("/export?from_index=x", "from_index"),
    ("/reports/donor", "grant_id"),
    ("/reports/donor?grant_id=", "grant_id"),
    ("/reports/donor?grant_id=" + "g" * 101, "grant_id"),
    ("/reports/donor?grant_id=a%20b", "grant_id"),
    ("/reports/donor?grant_id=g%00", "grant_id"),
    ("/reports/donor?grant_id=%E2%80%AE", "grant_id"),
    ("/reports/donor?grant_id=g'%20OR%201=1--", "grant_id"),
    ("/reports/donor?grant_id=g&format=xml", "format"),
    ("/reports/donor?grant_id=g&format=JSON", "format"),
    ("/reports/donor?grant_id=g&format=", "format"),
    ("/reports/donor?grant_id=g&from=2026-02-30", "from"),
    ("/reports/donor?grant_id=g&from=0000-01-01", "from"),
    ("/reports/donor?grant_id=g&from=2026-1-1", "from"),
    ("/reports/donor?grant_id=g&from=%2B2026-01-01", "from"),
    ("/reports/donor?grant_id=g&to=1700000000", "to"),
    ("/reports/donor?grant_id=g&from=2026-03-01&to=2026-02-01", "from"),
]

# Odd but harmless: answered, not refused (and never a 500).
ANSWERED = [
    "/log?after=4611686018427387904",
    "/log?limit=1&limit=2",
    "/log?type=%F0%9F%98%80&subject=%D8%A7%D9%84%D8%B9%D8%B1%D8%A8%D9%8A%D8%A9",
    "/log?type=%27%3B%20DROP%20TABLE%20log_entries%3B--",
    "/log?unknown=1",
    "/tree-heads?cursor=1",
    "/proofs/consistency?first=0&second=0",
    "/reports/donor?grant_id=g&from=9999-12-31",
    "/reports/donor?grant_id=...&format=csv",
]


@pytest.mark.parametrize(("path", "field"), REFUSED, ids=[p for p, _ in REFUSED])
@pytest.mark.usefixtures("exported")  # a log of at least 8 signed entries
def test_hostile_query_parameters_are_refused_naming_them(api: Api, path: str, field: str) -> None:
    body = assert_problem(api.get("audit", path, user="auditor-1"), 422)
    assert field in {e["field"].removeprefix("query.") for e in body.get("errors") or []}, body
    assert "\x00" not in str(body) and "DROP" not in str(body)


@pytest.mark.parametrize("path", ANSWERED)
def test_odd_but_harmless_parameters_are_answered(api: Api, path: str) -> None:
    got = api.get("audit", path, user="auditor-1")
    assert got.status_code == 200, got.text


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
@pytest.mark.parametrize("path", ["/log", "/export", "/proofs/inclusion", "/reports/donor"])
def test_nothing_writes_through_the_audit_api(api: Api, method: str, path: str) -> None:
    assert_problem(api.call(method, "audit", path, user="admin-1", content=b"{}"), 405)


def test_an_event_nested_deeper_than_readers_go_is_dead_lettered_not_logged(
    api: Api, stack: Stack
) -> None:
    """Published by anyone who may publish on vfund.>: logged, it would break every page and
    client that lists it (readers stop at a few hundred levels); it is kept as a dead letter,
    and the log goes on."""
    subject, event_id = str(uuid.uuid4()), str(uuid.uuid4())
    deep = b"[" * 1000 + b'{"x": 1.5,\n "y": "\\n"}' + b"]" * 1000
    body = b'{"id": "%s", "type": "org.vfund.x.v1", "subject": "%s",\n "data": %s}' % (
        event_id.encode(),
        subject.encode(),
        deep,
    )
    publish(stack.nats_url or "", "vfund.test.hostile.deep", body)
    after = str(uuid.uuid4())
    next_event = {"id": after, "type": "org.vfund.test.v1", "subject": after}
    publish(stack.nats_url or "", "vfund.test.hostile.after", orjson.dumps(next_event))

    def kept() -> list[dict[str, str]]:
        letters = stream_messages(stack.nats_url or "", "vfund.deadletter.audit")
        return [h for _, data, h in letters if event_id.encode() in data]

    def listed(which: str) -> list[dict[str, Any]]:
        page = api.get("audit", f"/log?subject={which}", user="auditor-1")
        assert page.status_code == 200, page.text
        items: list[dict[str, Any]] = page.json()["items"]
        return items

    headers = wait_for(kept, what="the deep event in vfund.deadletter.audit")[0]
    assert headers["Vfund-Error"] == "nested deeper than 64 levels"
    wait_for(lambda: listed(after), what="the next event in the log: the writer went on")
    assert listed(subject) == []
    page = api.get("audit", "/log?limit=1000", user="auditor-1")
    assert page.status_code == 200 and event_id not in page.text


# --- rule 8: exports altered ------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(api: Api, stack: Stack) -> tuple[list[bytes], list[bytes]]:
    """A real default export (entries, trailer) of at least 8 signed entries."""
    for _ in range(8):
        event = {
            "specversion": "1.0",
            "id": str(uuid.uuid4()),
            "source": "/vfund/intake",
            "type": "org.vfund.intake.case.withdrawn.v1",
            "subject": str(uuid.uuid4()),
            "time": datetime.now(UTC).isoformat(),
            "data": {"case_id": str(uuid.uuid4()), "reason": "other"},
            "correlationid": "c",
            "causationid": "c",
            "actor": "caseworker-a",
        }
        publish(stack.nats_url or "", "vfund.intake.case.withdrawn", orjson.dumps(event))
    wait_for(
        lambda: (
            api.get("audit", "/tree-heads/latest", user="auditor-1").json().get("tree_size", 0) >= 8
        ),
        timeout=30,
        what="a signed head over 8 entries",
    )
    export = api.get("audit", "/export", user="auditor-1")
    assert export.status_code == 200
    return split(export.content.splitlines(keepends=True))


Lines = list[bytes]
Alter = Callable[[Lines, Lines], Lines]


def _with(line: bytes, **fields: Any) -> bytes:
    return dumped(parsed(line) | fields)


def _event_with(line: bytes, **fields: Any) -> bytes:
    item = parsed(line)
    return dumped(item | {"event": item["event"] | fields})


def _rehashed(line: bytes, **fields: Any) -> bytes:
    """The entry with its event changed and its leaf hash recomputed to match."""
    item = parsed(line)
    return dumped(entry(item["index"], item["event"] | fields))


def _head_with(line: bytes, **fields: Any) -> bytes:
    item = parsed(line)
    return dumped(item | {"tree_head": item["tree_head"] | fields})


def _resigned(line: bytes) -> bytes:
    item = parsed(line)
    head = item["tree_head"]
    other = sign_tree_head(
        Ed25519PrivateKey.generate(), head["tree_size"], head["root_hash"], head["timestamp"]
    )
    return dumped(item | {"tree_head": other})


DEEP_EVENT = b'{"id":"deep","data":' + b"[" * 1000 + b"0.5" + b"]" * 1000 + b"}"


def _deep(line: bytes) -> bytes:
    """The entry's event replaced by one nested 1,000 deep, with its leaf hash (written by hand:
    JSON serialisers stop long before)."""
    leaf = entry(0, orjson.loads(DEEP_EVENT))["leaf_hash"]
    index = parsed(line)["index"]
    return b'{"index":%d,"event":%s,"recorded_at":"x","leaf_hash":"%s"}\n' % (
        index,
        DEEP_EVENT,
        leaf.encode(),
    )


K = 3  # the entry altered (the export holds at least 8)

# (id, alteration, exit status, a phrase of the verdict)
ALTERED: list[tuple[str, Alter, int, str]] = [
    ("event-byte", lambda e, t: [*e[:K], _event_with(e[K], actor="x"), *e[K + 1 :], *t], 1,
     f"entry {K} (line {K + 1}"),
    ("event-rehashed", lambda e, t: [*e[:K], _rehashed(e[K], actor="x"), *e[K + 1 :], *t], 1,
     "signs root"),
    ("event-deep-rehashed", lambda e, t: [*e[:K], _deep(e[K]), *e[K + 1 :], *t], 1, "signs root"),
    ("event-no-jcs-form", lambda e, t: [*e[:K], _event_with(e[K], n=2**60), *e[K + 1 :], *t], 1,
     "no RFC 8785 form"),
    ("event-not-object", lambda e, t: [*e[:K], _with(e[K], event="x"), *e[K + 1 :], *t], 1,
     "event is not a JSON object"),
    ("event-missing", lambda e, t: [*e[:K], dumped({"index": K}), *e[K + 1 :], *t], 1,
     "event is not a JSON object"),
    ("leaf-hash", lambda e, t: [*e[:K], _with(e[K], leaf_hash="0" * 64), *e[K + 1 :], *t], 1,
     "leaf_hash"),
    ("index-skipped", lambda e, t: [*e[:K], _with(e[K], index=K + 1), *e[K + 1 :], *t], 1,
     f"entry {K} is missing"),
    ("index-repeated", lambda e, t: [*e[:K], _with(e[K], index=K - 1), *e[K + 1 :], *t], 1,
     "appears again"),
    ("index-negative", lambda e, t: [_with(e[0], index=-1), *e[1:], *t], 1, "negative"),
    ("index-string", lambda e, t: [*e[:K], _with(e[K], index=str(K)), *e[K + 1 :], *t], 1,
     "not an integer"),
    ("index-float", lambda e, t: [*e[:K], _with(e[K], index=float(K)), *e[K + 1 :], *t], 1,
     "not an integer"),
    ("index-bool", lambda e, t: [_with(e[0], index=False), *e[1:], *t], 1, "not an integer"),
    ("index-huge", lambda e, t: [*e[:K], _with(e[K], index=2**63), *e[K + 1 :], *t], 1,
     f"entry {K} is missing"),
    ("entry-removed", lambda e, t: [*e[:K], *e[K + 1 :], *t], 1, f"entry {K} is missing"),
    ("entry-duplicated", lambda e, t: [*e[: K + 1], e[K], *e[K + 1 :], *t], 1, "appears again"),
    ("entries-swapped", lambda e, t: [*e[:K], e[K + 1], e[K], *e[K + 2 :], *t], 1,
     f"entry {K} is missing or out of order"),
    ("entry-appended", lambda e, t: [*e, dumped(entry(len(e), {"id": "x"})), *t], 3,
     "no signed tree head covers entries"),
    ("first-entries-cut", lambda e, t: [*e[K:], *t], 1, f"entries 0..{K - 1} are missing"),
    ("last-entries-cut", lambda e, t: [*e[:-2], *t], 1, "are missing (the export was cut short)"),
    ("cut-before-trailer", lambda e, t: e[:-2], 3, "UNPROVEN"),
    ("trailer-removed", lambda e, t: e, 3, "no signed tree head covers them"),
    ("empty", lambda e, t: [], 3, "UNPROVEN: 0 entries"),
    ("only-trailer", lambda e, t: t, 1, "are missing"),
    ("not-json", lambda e, t: [*e[:K], b"{not json\n", *e[K + 1 :], *t], 1, "not JSON"),
    ("not-utf8", lambda e, t: [*e[:K], b"\xff\xfe\n", *e[K + 1 :], *t], 1, "not JSON"),
    ("array-line", lambda e, t: [*e[:K], b"[1]\n", *e[K + 1 :], *t], 1, "not a JSON object"),
    ("bom", lambda e, t: [b"\xef\xbb\xbf" + e[0], *e[1:], *t], 1, "line 1: not JSON"),
    ("blank-inside", lambda e, t: [*e[:K], b"\n", *e[K:], *t], 1, f"line {K + 1}: empty"),
    ("spaces-inside", lambda e, t: [*e[:K], b" " * 100_000 + b"\n", *e[K:], *t], 1, "empty"),
    ("trailer-first", lambda e, t: [*t, *e], 1, "only tree heads may follow"),
    ("entry-after-trailer", lambda e, t: [*e[:-1], *t, e[-1]], 1, "only tree heads may follow"),
    ("head-root", lambda e, t: [*e, *t[:-1], _head_with(t[-1], root_hash="0" * 64)], 1,
     "signature does not verify"),
    ("head-size", lambda e, t: [*e, *t[:-1], _head_with(t[-1], tree_size=len(e) - 1)], 1,
     "signature does not verify"),
    ("head-size-float", lambda e, t: [*e, *t[:-1], _head_with(t[-1], tree_size=1.0 * len(e))], 1,
     "is not a non-negative integer"),
    ("head-size-huge", lambda e, t: [*e, *t[:-1], _head_with(t[-1], tree_size=2**62)], 1,
     "JSON holds exactly"),
    ("head-timestamp", lambda e, t: [*e, *t[:-1],
                                     _head_with(t[-1], timestamp="2000-01-01T00:00:00.000Z")], 1,
     "signature does not verify"),
    ("head-signature", lambda e, t: [*e, *t[:-1], _head_with(t[-1], signature="AAAA")], 1,
     "signature does not verify"),
    ("head-signature-not-base64", lambda e, t: [*e, *t[:-1], _head_with(t[-1], signature="%")], 1,
     "signature does not verify"),
    ("head-other-key", lambda e, t: [*e, *t[:-1], _resigned(t[-1])], 1,
     "signature does not verify"),
    ("head-other-key-added", lambda e, t: [*e, *t, _resigned(t[-1])], 1,
     "signature does not verify"),
    ("head-not-object", lambda e, t: [*e, *t[:-1], _with(t[-1], tree_head=[1])], 1,
     "tree_head is not a JSON object"),
    ("from-index", lambda e, t: [*e, *t[:-1], _with(t[-1], from_index=1)], 1, "hashes, not"),
    ("from-index-string", lambda e, t: [*e, *t[:-1], _with(t[-1], from_index="0")], 1,
     "not a range of indexes"),
    ("to-index-shorter", lambda e, t: [*e, *t[:-1], _with(t[-1], to_index=K)], 1, "hashes, not"),
    ("to-index-beyond", lambda e, t: [*e, *t[:-1], _with(t[-1], to_index=len(e) + 5)], 1, ""),
    ("proof-added", lambda e, t: [*e, *t[:-1], _with(t[-1], range_proof=["ab" * 32])], 1,
     "hashes, not"),
    ("proof-huge", lambda e, t: [*e, *t[:-1], _with(t[-1], range_proof=["ab" * 32] * 100_000)], 1,
     "hashes, not"),
    ("proof-not-hex", lambda e, t: [*e, *t[:-1], _with(t[-1], range_proof=["zz"])], 1,
     "range_proof is not a list"),
    # Benign: nothing signed changed, so the export is still proven.
    ("head-duplicated", lambda e, t: [*e, *t, t[-1]], 0, "OK: "),
    ("crlf", lambda e, t: [line[:-1] + b"\r\n" for line in [*e, *t]], 0, "OK: "),
    ("blank-lines-at-the-end", lambda e, t: [*e, *t, b"\n", b"\n"], 0, "OK: "),
    ("key-id-changed", lambda e, t: [*e, *t[:-1], _head_with(t[-1], key_id="0" * 64)], 0, "OK: "),
]  # fmt: skip


@pytest.mark.parametrize(
    ("alter", "status", "phrase"), [a[1:] for a in ALTERED], ids=[a[0] for a in ALTERED]
)
def test_an_altered_export_is_never_ok(
    exported: tuple[Lines, Lines],
    stack: Stack,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    alter: Alter,
    status: int,
    phrase: str,
) -> None:
    entries, trailer = exported
    path = tmp_path / "export.jsonl"
    path.write_bytes(b"".join(alter(entries, trailer)))
    key = str(stack.keys.audit_public)  # type: ignore[union-attr]
    got = verify_main([str(path), "--public-key", key])
    out = capsys.readouterr().out
    assert got == status, out
    assert phrase in out, out
    assert out.startswith({0: "OK: ", 1: "FAIL: ", 3: "UNPROVEN: "}[status]), out
