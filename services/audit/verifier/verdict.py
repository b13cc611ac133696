"""The verdict on an export: every entry's index and leaf hash, and what the signed tree heads
(the export's own trailer, and any given) prove of its entries.

Four verdicts: OK (every entry is proven to be the signed log's); FAIL (an entry, a head or the
export's shape is wrong: it names the first bad entry, or the range it lies in); UNPROVEN (the
entries hash consistently but some are covered by no signed head, so nothing shows they are the
service's log); UNSIGNED (the same, accepted with allow_unsigned).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from services.audit.domain import merkle
from services.audit.domain.heads import load_public_key
from services.audit.domain.locate import InclusionAnswer, first_difference
from services.audit.domain.memory_tree import MemoryTree
from services.audit.verifier.claims import Checked, Claim, Outcome, check
from services.audit.verifier.hashing import build_tree
from services.audit.verifier.lines import BadEntry, EntryError

Prover = Callable[[int, int], InclusionAnswer]


@dataclass(frozen=True)
class Against:
    """The audit service asked for inclusion proofs when the export alone cannot say which entry
    differs from a signed head (`--against URL`)."""

    name: str
    prove: Prover


class Verdict(StrEnum):
    OK = "OK"
    FAIL = "FAIL"
    UNPROVEN = "UNPROVEN"
    UNSIGNED = "UNSIGNED"


@dataclass(frozen=True)
class VerifyResult:
    """The verdict; on failure, where: a log index and export line, or a tree head.

    ok: the export is proven, or only unproven and that was allowed; proven: every entry is
    covered by a signed tree head that holds."""

    ok: bool
    message: str
    entries: int = 0
    root_hash: str | None = None
    heads_checked: int = 0
    bad_index: int | None = None
    bad_line: int | None = None
    bad_head: int | None = None  # position among the given heads
    bad_head_line: int | None = None  # line of a trailer head
    proven: bool = False
    first_index: int = 0
    unproven: tuple[int, int] | None = None  # the first run of entries no head covers
    verdict: Verdict = Verdict.FAIL


def verify_export(
    export: bytes | Iterable[bytes],
    public_key_pem: bytes | None,
    heads: Sequence[dict[str, Any]],
    *,
    workers: int = 1,
    allow_unsigned: bool = False,
    against: Against | None = None,
) -> VerifyResult:
    """Check every entry's index and leaf hash, rebuild the tree and check every tree head: the
    given `heads` and those of the export's trailer.

    `export` is the whole export (bytes) or its lines; workers > 1 hashes chunks of lines in that
    many processes (forked over the bytes, where the platform forks); the verdict is the same.
    """
    public_key = load_public_key(public_key_pem) if public_key_pem is not None else None
    try:
        hashing = build_tree(export, workers)
    except EntryError as error:
        return _bad_entry(error.bad)
    tree = hashing.tree
    claims = [Claim(head, position=n) for n, head in enumerate(heads)]
    claims += [Claim(t.fields, line=t.line) for t in hashing.trailer]
    checked = [check(claim, tree, public_key) for claim in claims]
    root = tree.root().hex() if tree.first == 0 else None
    base = VerifyResult(False, "", len(tree), root, len(checked), first_index=tree.first)
    failed = [c for c in checked if c.outcome not in (Outcome.HOLDS, Outcome.UNCHECKABLE)]
    if failed:
        return _failure(base, _worst(failed), checked, tree, against)
    holding = [c for c in checked if c.outcome is Outcome.HOLDS]
    gaps = _uncovered(tree.first, tree.end, [(c.start, c.end) for c in holding])
    unchecked = [c for c in checked if c.outcome is Outcome.UNCHECKABLE]
    if gaps or unchecked or not holding:  # an empty export proves nothing either
        return _unproven(base, tree, gaps, holding, unchecked, allow_unsigned=allow_unsigned)
    message = f"OK: {_entries(tree)}, {_heads(holding)}"
    return replace(base, ok=True, proven=True, message=message, verdict=Verdict.OK)


def _bad_entry(bad: BadEntry) -> VerifyResult:
    return VerifyResult(
        False,
        f"FAIL: {bad.message}",
        entries=bad.line - 1,
        bad_index=bad.index,
        bad_line=bad.line,
        first_index=bad.index - bad.line + 1,
    )


def _worst(failed: list[Checked]) -> Checked:
    """The failure to report: a bad head first, then missing entries, then the tightest root."""
    for outcome in (Outcome.BAD_HEAD, Outcome.MISSING):
        found = [c for c in failed if c.outcome is outcome]
        if found:
            return min(found, key=lambda c: c.missing_from or 0)
    return min(failed, key=lambda c: (c.end, c.start))


def _failure(
    base: VerifyResult,
    failed: Checked,
    checked: list[Checked],
    tree: MemoryTree,
    against: Against | None,
) -> VerifyResult:
    claim = failed.claim
    base = replace(base, bad_head=claim.position, bad_head_line=claim.line)
    message = f"FAIL: {claim.name()}: {failed.problem}"
    if failed.outcome is Outcome.MISSING:
        at = failed.missing_from
        return replace(base, message=message, bad_index=at)
    if failed.outcome is not Outcome.ROOT or failed.start == failed.end:
        return replace(base, message=message)
    low = _proven_from(failed.start, [c for c in checked if c.outcome is Outcome.HOLDS])
    high = failed.end - 1
    if low > high:
        message += (
            "; yet other signed heads hold for every entry it covers: its root"
            f"{' or range proof' if failed.range_proof else ''} contradicts theirs"
        )
        return replace(base, message=message)
    low, high, how = _ask(failed, tree, low, high, against)
    if low == high:
        message += f"; entry {low} is the first that differs from the signed log{how}"
        line = low - tree.first + 1
        return replace(base, message=message, bad_index=low, bad_line=line)
    proof = " (or its range proof is false)" if failed.range_proof else ""
    message += (
        f"; the first entry that differs from the signed log{proof} is within indexes"
        f" {low}..{high}{how}"
    )
    return replace(base, message=message)


def _ask(
    failed: Checked, tree: MemoryTree, low: int, high: int, against: Against | None
) -> tuple[int, int, str]:
    """Where the first difference lies once the service's proofs were asked (when there is a
    range to narrow down and a service to ask), and how that was found."""
    if low == high:
        return low, high, ""
    if against is None:
        return low, high, " (--against <the audit service's URL> can say which)"
    found = first_difference(
        first=failed.start,
        end=failed.end,
        tree_size=failed.tree_size,
        root=failed.root,
        local=lambda a, b: merkle.subtree_hash(a, b, tree.node),
        ask=against.prove,
    )
    if found.index is not None:
        how = f" (shown by {found.proofs} inclusion proofs from {against.name})"
        return found.index, found.index, how
    how = f" ({against.name} could not say which: {found.why})"
    return max(low, found.low), min(high, found.high), how


def _proven_from(start: int, holding: list[Checked]) -> int:
    """Where the entries proven by holding heads, counted from start without a gap, end."""
    reach = start
    for c in sorted(holding, key=lambda c: c.start):
        if c.start <= reach:
            reach = max(reach, c.end)
    return reach


def _uncovered(first: int, end: int, covered: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The runs of first..end-1 that no range in covered holds, as (start, end) pairs."""
    gaps, reach = [], first
    for start, stop in sorted(covered):
        if start > reach:
            gaps.append((reach, min(start, end)))
        reach = max(reach, stop)
        if reach >= end:
            break
    if reach < end:
        gaps.append((reach, end))
    return [(a, b) for a, b in gaps if a < b]


def _unproven(
    base: VerifyResult,
    tree: MemoryTree,
    gaps: list[tuple[int, int]],
    holding: list[Checked],
    unchecked: list[Checked],
    *,
    allow_unsigned: bool,
) -> VerifyResult:
    if not holding:
        said = (
            f"{_entries(tree)} hash consistently, but no signed tree head covers them:"
            " nothing shows they are the audit service's log"
        )
        if not unchecked:
            said += " (the export has no tree heads: GET /export adds them; or give --tree-head)"
    else:
        runs = ", ".join(f"{a}..{b - 1}" for a, b in gaps)
        said = f"{_entries(tree)}, {_heads(holding)}; no signed tree head covers entries {runs}"
    for c in unchecked:
        said += f"; {c.claim.name()}: {c.problem}"
    first_gap = gaps[0] if gaps else None
    if allow_unsigned:
        message = f"UNSIGNED: {said} (accepted: --allow-unsigned)"
        return replace(base, ok=True, message=message, unproven=first_gap, verdict=Verdict.UNSIGNED)
    message = f"UNPROVEN: {said}"
    return replace(base, message=message, unproven=first_gap, verdict=Verdict.UNPROVEN)


def _entries(tree: MemoryTree) -> str:
    if tree.first:
        return f"{len(tree)} entries (indexes {tree.first}..{tree.end - 1})"
    return f"{len(tree)} entries, root {tree.root().hex()}"


def _heads(holding: list[Checked]) -> str:
    largest = max(holding, key=lambda c: c.tree_size)
    count = len(holding)
    return (
        f"{count} signed tree head{'s' * (count != 1)} verified (the largest signs"
        f" {largest.tree_size} entries)"
    )
