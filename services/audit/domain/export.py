"""The export's format, written by GET /export and read by `vfund audit verify`.

JSONL. First the entries, one per line, with the fields of a /log item and contiguous indexes:

    {"index": 7, "event": {...}, "recorded_at": "...", "leaf_hash": "<hex>"}

then a trailer of signed tree heads, one per line, each with the proof that ties the exported
entries to its root:

    {"tree_head": {"tree_size", "root_hash", "timestamp", "signature", "key_id"},
     "from_index": 7, "to_index": 99, "range_proof": ["<hex>", ...]}

`from_index..to_index` are the exported entries the head covers (the export's first entry to its
last, or to the head's last entry when the head is smaller); `range_proof` holds the hashes of
the largest subtrees of the head's tree outside those entries, left to right
(`merkle.range_proof_ranges`): empty when the export starts at index 0 and reaches the head's
size. The trailer holds the smallest head covering the whole export (or, when none does yet, the
latest) and up to HEADS_PER_EXPORT others spread over the range, so that a mismatch can be
narrowed down from the export alone. An export without a trailer (as made before it existed)
still reads; it proves nothing by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.audit.domain import merkle
from services.audit.domain.heads import HEX64, TreeHead

HEADS_PER_EXPORT = 64


def head_cuts(first: int, last: int, count: int = HEADS_PER_EXPORT) -> list[int]:
    """The tree sizes an export of entries first..last wants a head at (or just above), spread
    evenly; the last is last + 1, the size that covers the whole export."""
    span = last + 1 - first
    return sorted({first + max(1, span * i // count) for i in range(1, count + 1)})


def trailer_heads(
    found: list[TreeHead], latest: TreeHead | None, first: int, last: int
) -> list[TreeHead]:
    """The heads of an export of entries first..last: those found at or above head_cuts (the
    smallest covering the whole export among them) and, when none covers it all yet, the
    latest; each covering at least the first entry, smallest first."""
    heads = sorted((h for h in found if h["tree_size"] > first), key=lambda h: h["tree_size"])
    covered = bool(heads) and heads[-1]["tree_size"] > last
    if latest is not None and latest["tree_size"] > first and not covered and latest not in heads:
        heads.append(latest)
    return heads


def proof_nodes(heads: list[TreeHead], first: int, last: int) -> list[merkle.NodeId]:
    """Every stored node the range proofs of these heads read."""
    return [
        node
        for h in heads
        for node in merkle.range_proof_nodes(
            first, covered_end(last, h["tree_size"]), h["tree_size"]
        )
    ]


def head_line(head: TreeHead, first: int, last: int, nodes: merkle.NodeSource) -> dict[str, Any]:
    """The trailer line of a head in an export of entries first..last (nodes: proof_nodes')."""
    size = head["tree_size"]
    end = covered_end(last, size)
    return {
        "tree_head": head,
        "from_index": first,
        "to_index": end - 1,
        "range_proof": [h.hex() for h in merkle.range_proof(first, end, size, nodes)],
    }


def covered_end(last: int, tree_size: int) -> int:
    """The index after the last exported entry a head of tree_size covers."""
    return min(last + 1, tree_size)


def is_head_line(line: dict[str, Any]) -> bool:
    return "tree_head" in line and "index" not in line


@dataclass(frozen=True)
class HeadLine:
    """A trailer line as read: the head (checked apart), the entries it covers, its proof."""

    head: dict[str, Any]
    from_index: int
    to_index: int
    range_proof: list[bytes]
    line: int


def read_head_line(line: dict[str, Any], line_no: int) -> HeadLine:
    """A trailer line's fields, typed; ValueError naming what is malformed."""
    head, first, last, proof = (
        line.get(k) for k in ("tree_head", "from_index", "to_index", "range_proof")
    )
    if not isinstance(head, dict):
        raise ValueError(f"line {line_no}: tree_head is not a JSON object")
    if type(first) is not int or type(last) is not int or not 0 <= first <= last:
        raise ValueError(
            f"line {line_no}: from_index {first!r} and to_index {last!r} are not a range of indexes"
        )
    if not isinstance(proof, list) or not all(
        isinstance(h, str) and HEX64.fullmatch(h) for h in proof
    ):
        raise ValueError(f"line {line_no}: range_proof is not a list of 64-digit lowercase hex")
    return HeadLine(head, first, last, [bytes.fromhex(h) for h in proof], line_no)
