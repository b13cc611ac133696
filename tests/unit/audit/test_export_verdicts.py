"""Issue 15 rule 8: an export proves itself with the signed heads of its trailer, and the verifier
cannot be fooled by omission: what it cannot prove is said, and is not "OK"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from support.audit_exports import (
    KEY,
    OTHER_KEY,
    PEM,
    dumped,
    export_lines,
    head,
    log,
    parsed,
    renumbered,
    split,
    trailer_line,
    tree_of,
)

from services.audit.domain.export import HEADS_PER_EXPORT, head_cuts, trailer_heads
from services.audit.domain.locate import InclusionAnswer
from services.audit.verifier.verdict import Against, Verdict, VerifyResult, verify_export
from services.audit.verify import main

LOG = log(40)


def verify(
    lines: list[bytes],
    *,
    heads: list[dict[str, Any]] | None = None,
    allow_unsigned: bool = False,
    against: Against | None = None,
) -> VerifyResult:
    return verify_export(lines, PEM, heads or [], allow_unsigned=allow_unsigned, against=against)


def honest_service(entries: list[dict[str, Any]] = LOG) -> Against:
    """The audit service's inclusion proofs over the genuine log."""
    tree = tree_of(entries)

    def prove(index: int, tree_size: int) -> InclusionAnswer:
        return InclusionAnswer(tree.node(0, index), tree.inclusion_proof(index, tree_size))

    return Against("http://audit.test", prove)


def test_a_whole_export_proves_itself_with_its_trailer() -> None:
    result = verify(export_lines(LOG, 0, 39, [8, 16, 40]))
    assert result.ok and result.proven and result.verdict == Verdict.OK, result.message
    assert result.message.startswith("OK: 40 entries, root ")
    assert result.root_hash == head(LOG, 40)["root_hash"]
    assert result.heads_checked == 3
    assert "the largest signs 40 entries" in result.message


def test_a_part_of_the_log_proves_itself_with_range_proofs() -> None:
    """Entries 9..25 with heads inside the range, at its end, and beyond it."""
    for sizes in ([26], [30], [12, 20, 26], [40], [10, 40]):
        result = verify(export_lines(LOG, 9, 25, sizes))
        assert result.ok and result.proven, (sizes, result.message)
        assert result.message.startswith("OK: 17 entries (indexes 9..25)")
        assert result.first_index == 9


def test_an_export_without_a_signed_head_is_not_ok() -> None:
    lines = export_lines(LOG, 0, 39, [])
    result = verify(lines)
    assert not result.ok and not result.proven and result.verdict == Verdict.UNPROVEN
    assert result.message.startswith("UNPROVEN: 40 entries, root ")
    assert "no signed tree head covers them" in result.message
    assert result.unproven == (0, 40)
    allowed = verify(lines, allow_unsigned=True)
    assert allowed.ok and not allowed.proven and allowed.verdict == Verdict.UNSIGNED
    assert allowed.message.startswith("UNSIGNED: ") and "--allow-unsigned" in allowed.message


def test_an_empty_export_proves_nothing() -> None:
    assert verify([]).message.startswith("UNPROVEN: 0 entries")
    assert verify([b"\n"]).ok is False


def test_entries_after_the_last_head_are_named_unproven() -> None:
    lines = export_lines(LOG, 0, 39, [10, 30])
    result = verify(lines)
    assert not result.ok
    assert "no signed tree head covers entries 30..39" in result.message
    assert result.unproven == (30, 40)


def test_a_tampered_entry_is_named_by_its_line() -> None:
    entries, trailer = split(export_lines(LOG, 0, 39, [40]))
    entries[17] = entries[17].replace(b'"reason":"other"', b'"reason":"fraud"')
    result = verify([*entries, *trailer])
    assert (result.ok, result.bad_index, result.bad_line) == (False, 17, 18)
    assert "entry 17 (line 18, event id 'evt-17'): leaf_hash" in result.message


def test_a_tampered_entry_with_its_hash_recomputed_is_caught_by_the_heads() -> None:
    forged = [*LOG[:17], *renumbered([{"event": {**LOG[17]["event"], "n": -1}}], 17), *LOG[18:]]
    lines = [dumped(e) for e in forged] + split(export_lines(LOG, 0, 39, [8, 16, 24, 40]))[1]
    result = verify(lines)
    assert not result.ok and result.bad_head_line is not None
    assert "signs root" in result.message
    assert "is within indexes 16..23" in result.message
    assert "--against" in result.message
    # Heads one entry apart name it from the export alone.
    dense = [dumped(e) for e in forged] + split(export_lines(LOG, 0, 39, [17, 18, 40]))[1]
    result = verify(dense)
    assert (result.bad_index, result.bad_line) == (17, 18)
    assert "entry 17 is the first that differs from the signed log" in result.message


@pytest.mark.parametrize("how", ["remove", "insert", "swap", "change"])
def test_against_the_service_names_the_first_entry_that_differs(how: str) -> None:
    body = list(LOG)
    if how == "remove":
        del body[13]
        body.append({"event": {**LOG[0]["event"], "id": "padding"}})
    elif how == "insert":
        body = [*body[:13], {"event": {**LOG[13]["event"], "id": "forged"}}, *body[13:39]]
    elif how == "swap":
        body[13], body[14] = body[14], body[13]
    else:
        body[13] = {"event": {**LOG[13]["event"], "reason": "fraud"}}
    lines = [dumped(e) for e in renumbered(body, 0)] + split(export_lines(LOG, 0, 39, [40]))[1]
    alone = verify(lines)
    assert not alone.ok and "is within indexes 0..39" in alone.message
    result = verify(lines, against=honest_service())
    assert (result.ok, result.bad_index, result.bad_line) == (False, 13, 14), result.message
    assert "entry 13 is the first that differs from the signed log" in result.message
    assert "inclusion proofs from http://audit.test" in result.message


def test_against_a_service_that_signed_one_log_and_holds_another() -> None:
    """Its database was rewritten as the export was: its proofs cannot reach its own signed
    root, and the verdict says so instead of naming an entry it cannot prove."""
    body = [*LOG[:13], {"event": {**LOG[13]["event"], "reason": "fraud"}}, *LOG[14:]]
    rewritten = renumbered(body, 0)
    lines = [dumped(e) for e in rewritten] + split(export_lines(LOG, 0, 39, [40]))[1]
    result = verify(lines, against=honest_service(rewritten))
    assert not result.ok
    assert "could not say which" in result.message
    assert "differs from what it signed" in result.message
    low, high = (
        int(x) for x in result.message.split("within indexes ")[1].split(" ")[0].split("..")
    )
    assert low <= 13 <= high


def test_a_truncated_export_names_the_first_missing_entry() -> None:
    lines = export_lines(LOG, 0, 39, [20, 40])
    entries, trailer = split(lines)
    result = verify([*entries[:33], *trailer])  # entries 33..39 cut, the trailer kept
    assert (result.ok, result.bad_index) == (False, 33)
    assert "entries 33..39 are missing (the export was cut short)" in result.message
    cut = verify(lines[:25])  # cut inside the entries: the trailer went with them
    assert not cut.ok and cut.message.startswith("UNPROVEN: 25 entries")
    head_cut = verify(entries)  # only the trailer removed
    assert head_cut.message.startswith("UNPROVEN: ")
    start_cut = verify([*entries[5:], *trailer])  # the first entries cut
    assert (start_cut.ok, start_cut.bad_index) == (False, 0)
    assert "entries 0..4 are missing" in start_cut.message


def test_a_head_from_another_key_is_named() -> None:
    entries, trailer = split(export_lines(LOG, 0, 39, [40]))
    forged = trailer_line(LOG, 0, 39, 40, key=OTHER_KEY)
    result = verify([*entries, dumped(forged)])
    assert not result.ok and result.bad_head_line == 41
    assert "signature does not verify with the public key (it names key" in result.message
    # A head signed by another key alongside a genuine one is still a failure, not ignored.
    assert not verify([*entries, *trailer, dumped(forged)]).ok


@pytest.mark.parametrize(
    "field", ["tree_size", "root_hash", "timestamp", "signature", "key_id", "whole"]
)
def test_any_change_to_a_signed_head_is_caught(field: str) -> None:
    entries, trailer = split(export_lines(LOG, 0, 39, [40]))
    line = parsed(trailer[0])
    signed = line["tree_head"]
    changed = {
        "tree_size": 39,
        "root_hash": "0" * 64,
        "timestamp": "2026-11-22T15:30:01.123Z",
        "signature": signed["signature"][::-1],
        "key_id": "f" * 64,
        "whole": "x",
    }[field]
    line["tree_head"] = changed if field == "whole" else {**signed, field: changed}
    result = verify([*entries, dumped(line)])
    if field == "key_id":  # not signed: a wrong key id alone changes no proof
        assert result.ok, result.message
    else:
        assert not result.ok, result.message


@pytest.mark.parametrize(
    ("change", "verdict"),
    [
        ({"from_index": 5}, "FAIL"),
        ({"to_index": 30}, "FAIL"),  # the proof no longer fits the range it claims
        ({"to_index": 45}, "FAIL"),
        ({"from_index": -1}, "FAIL"),
        ({"range_proof": ["00" * 32]}, "FAIL"),
        ({"range_proof": "x"}, "FAIL"),
        ({"from_index": "0"}, "FAIL"),
    ],
)
def test_a_head_lines_claims_are_checked(change: dict[str, Any], verdict: str) -> None:
    entries, trailer = split(export_lines(LOG, 0, 39, [40]))
    line = parsed(trailer[0]) | change
    result = verify([*entries, dumped(line)])
    assert result.message.startswith(verdict), result.message


def test_a_head_line_narrowed_by_an_attacker_leaves_the_rest_unproven() -> None:
    """An attacker changes entry 30, and rewrites the trailer to cover only 0..29 with a range
    proof they computed from the genuine export: entries 30.. are then proven by nothing."""
    entries, _ = split(export_lines(LOG, 0, 39, [40]))
    entries[30] = dumped(renumbered([{"event": {**LOG[30]["event"], "n": -1}}], 30)[0])
    narrowed = trailer_line(LOG, 0, 29, 40)  # genuine head, claims only entries 0..29
    result = verify([*entries, dumped(narrowed)])
    assert not result.ok and result.message.startswith("UNPROVEN")
    assert "no signed tree head covers entries 30..39" in result.message


def test_a_partial_exports_false_range_proof_is_not_blamed_on_an_entry() -> None:
    entries, trailer = split(export_lines(LOG, 10, 19, [40]))
    line = parsed(trailer[0])
    line["range_proof"] = [line["range_proof"][0][::-1], *line["range_proof"][1:]]
    lines = [*entries, dumped(line)]
    assert "(or its range proof is false)" in verify(lines).message
    result = verify(lines, against=honest_service())
    assert result.bad_index is None
    assert "no exported entry differs from the signed tree" in result.message


def test_entries_after_the_trailer_and_a_trailer_before_entries_are_refused() -> None:
    entries, trailer = split(export_lines(LOG, 0, 39, [40]))
    late = verify([*entries[:39], *trailer, entries[39]])
    assert (late.ok, late.bad_line) == (False, 41)
    assert "only tree heads may follow the tree heads" in late.message
    early = verify([*trailer, *entries])
    assert not early.ok and early.bad_line == 2


def test_given_heads_still_check_old_exports_without_a_trailer() -> None:
    entries, _ = split(export_lines(LOG, 0, 39, []))
    assert verify(entries, heads=[head(LOG, 20), head(LOG, 40)]).ok
    partial, _ = split(export_lines(LOG, 5, 39, []))
    result = verify(partial, heads=[head(LOG, 40)])
    assert result.message.startswith("UNPROVEN") and "cannot be checked" in result.message


@pytest.mark.parametrize("chunk", [1, 3, 7, 100])
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("whole", [False, True], ids=["lines", "bytes"])
def test_chunked_and_parallel_reading_of_the_trailer_gives_the_same_verdicts(
    monkeypatch: pytest.MonkeyPatch, chunk: int, workers: int, whole: bool
) -> None:
    monkeypatch.setattr("services.audit.verifier.hashing.CHUNK_LINES", chunk)
    monkeypatch.setattr("services.audit.verifier.hashing.SPAN_BYTES", chunk * 100)

    def check(lines: list[bytes]) -> VerifyResult:
        return verify_export(b"".join(lines) if whole else lines, PEM, [], workers=workers)

    good = export_lines(LOG, 3, 30, [9, 20, 31, 40])
    assert check(good).proven
    entries, trailer = split(good)
    assert check([*entries[:-1], *trailer, entries[-1]]).bad_line == len(good)
    assert check(entries).message.startswith("UNPROVEN")
    assert check([*entries[:10], *trailer]).bad_index == 13


def test_the_cli_exit_status_says_proven_failed_or_unproven(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "key.pem").write_bytes(PEM)
    path = tmp_path / "export.jsonl"

    def run(lines: list[bytes], *extra: str) -> tuple[int, str]:
        path.write_bytes(b"".join(lines))
        status = main([str(path), "--public-key", str(tmp_path / "key.pem"), *extra])
        return status, capsys.readouterr().out

    good = export_lines(LOG, 0, 39, [40])
    status, out = run(good)
    assert status == 0 and out.startswith("OK: 40 entries")
    entries, trailer = split(good)
    assert run(entries)[0] == 3
    status, out = run(entries, "--allow-unsigned")
    assert status == 0 and out.startswith("UNSIGNED: ")
    assert run([*entries[:30], *trailer])[0] == 1
    assert run([*entries[:30], *trailer], "--allow-unsigned")[0] == 1  # missing is not unsigned
    (tmp_path / "head.json").write_bytes(orjson.dumps(head(LOG, 40)))
    assert run(entries, "--tree-head", str(tmp_path / "head.json"))[0] == 0
    # --against with nothing listening: the verdict still fails, and says the service was not
    # reachable; the token comes from VFUND_TOKEN when --token is not given.
    monkeypatch.setenv("VFUND_TOKEN", "t")
    forged = [dumped(e) for e in renumbered([*LOG[:5], *LOG[6:], LOG[0]], 0)]
    status, out = run([*forged, *trailer], "--against", "http://127.0.0.1:9")
    assert status == 1 and "could not say which" in out and "ConnectError" in out
    assert main([str(path), "--public-key", str(tmp_path / "key.pem"), "--bogus"]) == 2


def test_a_head_our_key_signed_over_another_log_fails() -> None:
    other_log = log(41)[1:]  # another log of 40 entries, signed with our key
    entries, _ = split(export_lines(LOG, 0, 39, []))
    result = verify([*entries, dumped(trailer_line(other_log, 0, 39, 40, key=KEY))])
    assert not result.ok and "signs root" in result.message


def test_the_trailer_spreads_its_heads_and_closes_with_one_covering_the_export() -> None:
    cuts = head_cuts(0, 99)
    assert len(cuts) == HEADS_PER_EXPORT and cuts == sorted(set(cuts))
    assert (cuts[0], cuts[-1]) == (1, 100)
    assert head_cuts(10, 12) == [11, 12, 13]

    def sizes(found: list[int], latest: int | None, first: int, last: int) -> list[int]:
        heads = [head(LOG, s) for s in found]
        picked = trailer_heads(heads, None if latest is None else head(LOG, latest), first, last)
        return [h["tree_size"] for h in picked]

    assert sizes([5, 20, 36], 38, 10, 30) == [20, 36]  # 36 covers all: the latest is not needed
    assert sizes([20], 25, 10, 30) == [20, 25]  # none covers all yet: the latest closes it
    assert sizes([25], 25, 10, 30) == [25]
    assert sizes([], 8, 10, 30) == []  # heads that cover none of it are left out
    assert sizes([], None, 0, 5) == []
