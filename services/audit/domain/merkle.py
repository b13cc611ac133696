"""RFC 9162 Merkle tree hashes and proofs, computed from stored hashes of complete subtrees."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

# A complete subtree is addressed as (level, index): the hash of leaves
# [index * 2**level, (index + 1) * 2**level). Level 0 holds the leaf hashes.
NodeId: TypeAlias = tuple[int, int]
NodeSource: TypeAlias = Callable[[int, int], bytes] | Mapping[NodeId, bytes]

EMPTY_ROOT = hashlib.sha256(b"").digest()
_sha256 = hashlib.sha256


def leaf_hash(data: bytes) -> bytes:
    """SHA-256(0x00 ‖ data)."""
    return _sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right)."""
    return _sha256(b"\x01" + left + right).digest()


@dataclass(frozen=True)
class Appended:
    """What appending leaves produced: complete nodes to persist and the new right edge."""

    tree_size: int
    frontier: list[bytes]
    nodes: list[tuple[int, int, bytes]]


def frontier_nodes(tree_size: int) -> list[NodeId]:
    """The maximal complete subtrees of a tree of tree_size leaves, largest (leftmost) first."""
    return subtree_nodes(0, tree_size)


def append_leaves(
    tree_size: int, frontier: Sequence[bytes], leaf_hashes: Iterable[bytes]
) -> Appended:
    """Append leaf hashes to a tree given by its size and frontier (see frontier_nodes)."""
    if len(frontier) != tree_size.bit_count():
        raise ValueError(
            f"a tree of {tree_size} leaves has {tree_size.bit_count()} frontier hashes"
        )
    edge = list(frontier)
    nodes: list[tuple[int, int, bytes]] = []
    size = tree_size
    for digest in leaf_hashes:
        nodes.append((0, size, digest))
        level, index, current = 0, size, digest
        while index & 1:  # a right child completes its parent, which may complete its own
            current = node_hash(edge.pop(), current)
            level, index = level + 1, index >> 1
            nodes.append((level, index, current))
        edge.append(current)
        size += 1
    return Appended(size, edge, nodes)


def root_from_frontier(frontier: Sequence[bytes]) -> bytes:
    """MTH of the tree whose maximal complete subtrees are frontier (largest first)."""
    if not frontier:
        return EMPTY_ROOT
    root = frontier[-1]
    for digest in reversed(frontier[:-1]):
        root = node_hash(digest, root)
    return root


def subtree_nodes(start: int, end: int) -> list[NodeId]:
    """The complete subtrees that make up the RFC 9162 subtree D[start:end], largest first.

    Every subtree met in the RFC's recursion starts at a multiple of a power of two no
    smaller than its width, so its maximal complete parts follow the bits of end - start.
    """
    nodes: list[NodeId] = []
    offset, width = start, end - start
    for level in range(width.bit_length() - 1, -1, -1):
        if width >> level & 1:
            nodes.append((level, offset >> level))
            offset += 1 << level
    return nodes


def subtree_hash(start: int, end: int, source: NodeSource) -> bytes:
    """MTH(D[start:end]) from stored complete-subtree hashes."""
    get = _getter(source)
    return root_from_frontier([get(level, index) for level, index in subtree_nodes(start, end)])


def root_hash(tree_size: int, source: NodeSource) -> bytes:
    """MTH of the first tree_size leaves."""
    return subtree_hash(0, tree_size, source)


def inclusion_path_ranges(index: int, tree_size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs form PATH(index, D[tree_size]) (RFC 9162 2.1.3.1), in order."""
    if not 0 <= index < tree_size:
        raise ValueError(f"index {index} is not in a tree of {tree_size} leaves")
    ranges: list[tuple[int, int]] = []
    start, end = 0, tree_size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start += k
    ranges.reverse()  # the recursion appends its outermost sibling last
    return ranges


def consistency_path_ranges(first: int, second: int) -> list[tuple[int, int]]:
    """The leaf ranges whose MTHs form PROOF(first, D[second]) (RFC 9162 2.1.4.1), in order.

    Sizes 0 and first == second give the empty proof: every tree extends the empty one and
    itself (the RFC defines proofs for 0 < first < second only).
    """
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from {first} leaves to {second}")
    if first in (0, second):
        return []
    ranges: list[tuple[int, int]] = []
    start, end, m, starting = 0, second, first, True
    while m != end - start:
        k = split_point(end - start)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, starting = start + k, m - k, False
    if not starting:
        ranges.append((start, end))
    ranges.reverse()
    return ranges


def inclusion_proof_nodes(index: int, tree_size: int) -> list[NodeId]:
    """Every stored node inclusion_proof reads, so a caller can fetch them in one query."""
    return [
        n
        for start, end in inclusion_path_ranges(index, tree_size)
        for n in subtree_nodes(start, end)
    ]


def consistency_proof_nodes(first: int, second: int) -> list[NodeId]:
    """Every stored node consistency_proof reads, so a caller can fetch them in one query."""
    return [
        n
        for start, end in consistency_path_ranges(first, second)
        for n in subtree_nodes(start, end)
    ]


def inclusion_proof(index: int, tree_size: int, source: NodeSource) -> list[bytes]:
    """The RFC 9162 audit path of leaf index in the tree of tree_size leaves."""
    return [subtree_hash(s, e, source) for s, e in inclusion_path_ranges(index, tree_size)]


def consistency_proof(first: int, second: int, source: NodeSource) -> list[bytes]:
    """The RFC 9162 consistency path from the tree of first leaves to that of second."""
    return [subtree_hash(s, e, source) for s, e in consistency_path_ranges(first, second)]


def range_proof_ranges(first: int, end: int, tree_size: int) -> list[tuple[int, int]]:
    """The leaf ranges, left to right, of the largest RFC 9162 subtrees of D[0:tree_size] lying
    wholly outside leaves [first, end): with those leaves, their hashes give the tree's root.

    This is what proves that a part of the log (an export of entries first..end-1) is where a
    signed tree head says: at most two subtrees per level, none when the part is the tree."""
    if not 0 <= first < end <= tree_size:
        raise ValueError(f"no range proof for leaves {first}..{end - 1} in {tree_size} leaves")
    ranges: list[tuple[int, int]] = []
    pending = [(0, tree_size)]
    while pending:
        start, stop = pending.pop()
        if stop <= first or start >= end:
            ranges.append((start, stop))
        elif not (first <= start and stop <= end):
            k = split_point(stop - start)
            pending += [(start + k, stop), (start, start + k)]  # the left one is taken first
    return ranges


def range_proof_nodes(first: int, end: int, tree_size: int) -> list[NodeId]:
    """Every stored node range_proof reads, so a caller can fetch them in one query."""
    return [
        n
        for start, stop in range_proof_ranges(first, end, tree_size)
        for n in subtree_nodes(start, stop)
    ]


def range_proof(first: int, end: int, tree_size: int, source: NodeSource) -> list[bytes]:
    """The hashes of range_proof_ranges(first, end, tree_size), in order."""
    return [subtree_hash(s, e, source) for s, e in range_proof_ranges(first, end, tree_size)]


def root_from_range(
    first: int, end: int, tree_size: int, inner: NodeSource, proof: Sequence[bytes]
) -> bytes:
    """MTH(D[0:tree_size]) from the complete subtrees of leaves [first, end) (inner) and the
    hashes of everything else (proof, as range_proof gives it); ValueError if proof has the
    wrong number of hashes."""
    expected = len(range_proof_ranges(first, end, tree_size))
    if len(proof) != expected:
        raise ValueError(
            f"a range proof of leaves {first}..{end - 1} in a tree of {tree_size}"
            f" has {expected} hashes, not {len(proof)}"
        )
    outside = iter(proof)

    def mth(start: int, stop: int) -> bytes:
        if stop <= first or start >= end:
            return next(outside)
        if first <= start and stop <= end:
            return subtree_hash(start, stop, inner)
        k = split_point(stop - start)
        left = mth(start, start + k)
        return node_hash(left, mth(start + k, stop))

    return mth(0, tree_size)


def verify_inclusion(
    leaf: bytes, index: int, tree_size: int, path: Sequence[bytes], root: bytes
) -> bool:
    """RFC 9162 2.1.3.2: does path prove that leaf (a leaf hash) is at index under root?"""
    if not 0 <= index < tree_size:
        return False
    fn, sn, r = index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, path: Sequence[bytes]
) -> bool:
    """RFC 9162 2.1.4.2: does path prove the tree of second leaves extends that of first?"""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not path and first_root == second_root
    if first == 0:
        return not path
    if not path:
        return False
    chain = [first_root, *path] if first & (first - 1) == 0 else list(path)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = chain[0]
    for c in chain[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first_root and sr == second_root and sn == 0


def split_point(width: int) -> int:
    """The largest power of two smaller than width (width > 1): where RFC 9162 splits a tree."""
    return 1 << ((width - 1).bit_length() - 1)


def _getter(source: NodeSource) -> Callable[[int, int], bytes]:
    if isinstance(source, Mapping):
        return lambda level, index: source[(level, index)]
    return source
