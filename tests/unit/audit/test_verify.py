"""The offline verifier accepts a faithful export and names the first tampered entry or head."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.domain.canonical import canonical_json
from services.audit.domain.heads import format_timestamp, sign_tree_head, tree_head_message
from services.audit.domain.memory_tree import MemoryTree
from services.audit.verifier.verdict import VerifyResult, verify_export
from services.audit.verify import main

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PEM = KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)
STAMP = "2026-11-22T15:30:00.123Z"


def event(i: int) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"evt-{i}",
        "source": "vfund/intake",
        "type": "org.vfund.intake.case.submitted.v1",
        "subject": f"case/{i}",
        "time": "2026-11-22T15:30:00.123456Z",
        "data": {"amount": "12.50", "note": f"Zoë #{i} 😀", "score": i / 4},
    }


def entry(index: int, ev: dict[str, Any]) -> dict[str, Any]:
    digest = hashlib.sha256(b"\x00" + canonical_json(ev)).hexdigest()
    return {"index": index, "event": ev, "recorded_at": STAMP, "leaf_hash": digest}


def export(n: int = 10) -> list[dict[str, Any]]:
    return [entry(i, event(i)) for i in range(n)]


def lines(entries: list[dict[str, Any]]) -> list[bytes]:
    return [orjson.dumps(e) + b"\n" for e in entries]


def head(entries: list[dict[str, Any]], size: int, key: Ed25519PrivateKey = KEY) -> dict[str, Any]:
    tree = MemoryTree(bytes.fromhex(e["leaf_hash"]) for e in entries[:size])
    return sign_tree_head(key, size, tree.root().hex(), STAMP)


def test_a_faithful_export_verifies() -> None:
    entries = export()
    heads = [head(entries, 4), head(entries, 10), head(entries, 0)]
    result = verify_export(lines(entries), PEM, heads)
    assert result.ok, result.message
    assert result.entries == 10
    assert result.heads_checked == 3
    assert result.root_hash == heads[1]["root_hash"]
    assert result.message.startswith("OK: 10 entries")


def test_changing_one_byte_of_an_event_names_its_index() -> None:
    data = lines(export())
    data[6] = data[6].replace(b"case/6", b"case/7")
    result = verify_export(data, PEM, [])
    assert not result.ok
    assert (result.bad_index, result.bad_line) == (6, 7)
    assert "entry 6" in result.message
    assert "evt-6" in result.message


def test_deleting_an_entry_names_the_missing_index() -> None:
    data = lines(export())
    del data[4]
    result = verify_export(data, PEM, [])
    assert not result.ok
    assert result.bad_index == 4
    assert "entry 4 is missing" in result.message


def test_reordering_two_entries_names_the_first_displaced_index() -> None:
    data = lines(export())
    data[3], data[5] = data[5], data[3]
    result = verify_export(data, PEM, [])
    assert not result.ok
    assert (result.bad_index, result.bad_line) == (3, 4)


def test_inserting_a_duplicate_index_names_it() -> None:
    entries = export()
    forged = entry(5, {**event(5), "id": "forged"})
    data = lines([*entries[:5], forged, *entries[5:]])
    result = verify_export(data, PEM, [])
    assert not result.ok
    assert result.bad_line == 7
    assert "index 5 appears again" in result.message


def test_inserting_a_renumbered_entry_is_caught_by_the_signed_head() -> None:
    entries = export()
    heads = [head(entries, 4), head(entries, 10)]
    forged = [*entries[:6], entry(6, {**event(6), "id": "forged"})]
    forged += [entry(i + 1, e["event"]) for i, e in enumerate(entries[6:9], start=6)]
    result = verify_export(lines(forged), PEM, heads)
    assert not result.ok
    assert result.bad_head == 1
    assert "within indexes 4..9" in result.message


def test_a_forged_signature_names_the_head() -> None:
    entries = export()
    heads = [head(entries, 4), head(entries, 10, key=Ed25519PrivateKey.generate())]
    result = verify_export(lines(entries), PEM, heads)
    assert not result.ok
    assert result.bad_head == 1
    assert "signature does not verify" in result.message


def test_a_head_with_the_wrong_root_names_the_head() -> None:
    entries = export()
    wrong = head(entries, 9)
    forged = sign_tree_head(KEY, 10, wrong["root_hash"], STAMP)  # validly signed, wrong root
    result = verify_export(lines(entries), PEM, [head(entries, 3), forged])
    assert not result.ok
    assert result.bad_head == 1
    assert "tree_size 10" in result.message
    assert "within indexes 3..9" in result.message


def test_a_head_beyond_the_export_fails_clearly() -> None:
    entries = export()
    too_big = head([*entries, *export(12)[10:]], 12)
    result = verify_export(lines(entries), PEM, [too_big])
    assert not result.ok
    assert "signs 12 entries but the export holds only 10" in result.message


def test_a_tampered_timestamp_breaks_the_signature() -> None:
    entries = export()
    signed = head(entries, 10)
    result = verify_export(
        lines(entries), PEM, [{**signed, "timestamp": "2026-11-22T15:30:01.123Z"}]
    )
    assert not result.ok
    assert result.bad_head == 0


def test_the_signed_message_is_the_canonical_head() -> None:
    message = tree_head_message(3, "ab" * 32, STAMP)
    assert message == (
        b'{"root_hash":"' + b"ab" * 32 + b'","timestamp":"2026-11-22T15:30:00.123Z","tree_size":3}'
    )
    signed = sign_tree_head(KEY, 3, "ab" * 32, STAMP)
    KEY.public_key().verify(base64.b64decode(signed["signature"]), message)
    with pytest.raises(ValueError, match="timestamp"):
        sign_tree_head(KEY, 3, "ab" * 32, "2026-11-22T15:30:00Z")


def test_format_timestamp() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    moment = datetime(2026, 11, 22, 16, 30, 0, 123999, tzinfo=timezone(timedelta(hours=1)))
    assert format_timestamp(moment) == STAMP
    assert format_timestamp(datetime(2026, 1, 2, tzinfo=UTC)) == "2026-01-02T00:00:00.000Z"


def test_garbage_lines_are_named() -> None:
    data = lines(export(3))
    data[1] = b"{not json\n"
    result = verify_export(data, PEM, [])
    assert (result.ok, result.bad_index, result.bad_line) == (False, 1, 2)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_cli_exit_status(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    workers: str,
) -> None:
    # Every export counts as large: with 2 workers the file's bytes are shared by forked workers.
    monkeypatch.setattr("services.audit.verify.PARALLEL_FROM_BYTES", 0)
    monkeypatch.setattr("services.audit.verifier.hashing.SPAN_BYTES", 500)
    entries = export()
    (tmp_path / "export.jsonl").write_bytes(b"".join(lines(entries)))
    (tmp_path / "key.pem").write_bytes(PEM)
    (tmp_path / "heads.json").write_bytes(orjson.dumps([head(entries, 5), head(entries, 10)]))
    (tmp_path / "head.json").write_bytes(orjson.dumps(head(entries, 7)))
    base = [
        str(tmp_path / "export.jsonl"),
        "--public-key",
        str(tmp_path / "key.pem"),
        "--workers",
        workers,
    ]
    heads = [
        "--tree-head",
        str(tmp_path / "heads.json"),
        "--tree-head",
        str(tmp_path / "head.json"),
    ]

    assert main([*base, *heads]) == 0
    assert "OK: 10 entries" in capsys.readouterr().out

    (tmp_path / "export.jsonl").write_bytes(b"".join(lines(entries)[:9]))
    assert main([*base, *heads]) == 1
    assert "FAIL: tree head #2" in capsys.readouterr().out

    assert main([str(tmp_path / "nope.jsonl"), "--public-key", str(tmp_path / "key.pem")]) == 2
    assert main([*base, "--tree-head", str(tmp_path / "export.jsonl")]) == 2
    assert main([str(tmp_path / "export.jsonl")]) == 2


def test_trailing_blank_lines_are_fine_but_inner_ones_are_named() -> None:
    data = lines(export(3))
    # Without a head nothing is proven (issue 15 rule 8): accepted as unsigned, it is about blanks.
    assert verify_export([*data, b"\n", b"  \n"], PEM, [], allow_unsigned=True).ok
    result = verify_export([*data[:2], b"\n", data[2]], PEM, [])
    assert (result.ok, result.bad_index, result.bad_line) == (False, 2, 3)


@pytest.mark.parametrize("chunk", [1, 3, 4, 100])
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("whole", [False, True], ids=["lines", "bytes"])
def test_chunked_and_parallel_hashing_give_the_same_verdicts(
    monkeypatch: pytest.MonkeyPatch, chunk: int, workers: int, whole: bool
) -> None:
    """Over lines or over the whole export's bytes (which forked workers share, split into spans
    of about `chunk` * 100 bytes here, so an entry's span boundaries move with `chunk`)."""
    monkeypatch.setattr("services.audit.verifier.hashing.CHUNK_LINES", chunk)
    monkeypatch.setattr("services.audit.verifier.hashing.SPAN_BYTES", chunk * 100)

    def check(data: list[bytes], heads: list[dict[str, Any]]) -> VerifyResult:
        return verify_export(b"".join(data) if whole else data, PEM, heads, workers=workers)

    entries = export(13)
    good = lines(entries)
    heads = [head(entries, 5), head(entries, 13)]
    assert check(good, heads).root_hash == heads[1]["root_hash"]

    tampered = good.copy()
    tampered[8] = tampered[8].replace(b"case/8", b"case/9")
    assert check(tampered, heads).bad_index == 8

    assert check(good[:4] + good[5:], heads).bad_index == 4

    blank_inside = [*good[:4], b"\n", *good[4:]]
    result = check(blank_inside, heads)
    assert (result.bad_index, result.bad_line) == (4, 5)
    assert check([*good, b"\n", b"\n"], heads).ok
    blank_run = [*good[:4], b"\n", b"\n", b"\n", b"\n", b"\n", *good[4:]]
    result = check(blank_run, heads)
    assert (result.bad_index, result.bad_line) == (4, 5)


def test_forked_workers_receive_the_export_and_the_parent_keeps_no_copy() -> None:
    """The export reaches forked workers as the pool's initargs; the name that holds it there is
    filled in the workers only, so nothing outlives a run in the verifying process."""
    from services.audit.verifier import hashing

    entries = export(40)
    data = b"".join(lines(entries))
    assert hashing.CAN_FORK
    result = verify_export(data, PEM, [head(entries, 40)], workers=2)
    assert result.ok, result.message
    assert hashing.IN_THIS_WORKER.data == b""
