"""Range proofs: a part of the log and the hashes outside it give the signed root, and nothing
else does; a tree held from a later leaf keeps exactly the nodes a whole tree has there."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.audit.domain import merkle
from services.audit.domain.memory_tree import MemoryTree, complete_subtrees


def leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"leaf {i}".encode()) for i in range(n)]


def ref_mth(d: list[bytes]) -> bytes:
    """RFC 9162 MTH over leaf hashes, written from the definition."""
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return d[0]
    k = 1 << ((len(d) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + ref_mth(d[:k]) + ref_mth(d[k:])).digest()


@st.composite
def parts(draw: st.DrawFn) -> tuple[int, int, int]:
    """(first, end, tree_size) with 0 <= first < end <= tree_size."""
    size = draw(st.integers(min_value=1, max_value=300))
    first = draw(st.integers(min_value=0, max_value=size - 1))
    end = draw(st.integers(min_value=first + 1, max_value=size))
    return first, end, size


@given(parts())
def test_a_part_and_its_range_proof_give_the_root(part: tuple[int, int, int]) -> None:
    first, end, size = part
    all_leaves = leaves(size)
    whole = MemoryTree(all_leaves)
    held = MemoryTree(all_leaves[first:end], first=first)
    proof = merkle.range_proof(first, end, size, whole.node)
    assert merkle.root_from_range(first, end, size, held.node, proof) == ref_mth(all_leaves)
    # At most two subtrees a level; none when the part is the whole tree.
    assert len(proof) <= 2 * size.bit_length()
    assert (proof == []) == (first == 0 and end == size)
    assert len(merkle.range_proof_nodes(first, end, size)) >= len(proof)


@given(parts(), st.data())
def test_changing_any_leaf_or_hash_changes_the_root(
    part: tuple[int, int, int], data: st.DataObject
) -> None:
    first, end, size = part
    all_leaves = leaves(size)
    proof = merkle.range_proof(first, end, size, MemoryTree(all_leaves).node)
    root = ref_mth(all_leaves)
    changed = list(all_leaves)
    at = data.draw(st.integers(min_value=first, max_value=end - 1))
    changed[at] = merkle.leaf_hash(b"forged")
    held = MemoryTree(changed[first:end], first=first)
    assert merkle.root_from_range(first, end, size, held.node, proof) != root
    if proof:
        n = data.draw(st.integers(min_value=0, max_value=len(proof) - 1))
        bad = [*proof[:n], merkle.leaf_hash(b"x"), *proof[n + 1 :]]
        held = MemoryTree(all_leaves[first:end], first=first)
        assert merkle.root_from_range(first, end, size, held.node, bad) != root


def test_a_proof_of_the_wrong_length_is_refused() -> None:
    all_leaves = leaves(10)
    proof = merkle.range_proof(3, 7, 10, MemoryTree(all_leaves).node)
    held = MemoryTree(all_leaves[3:7], first=3)
    for bad in (proof[:-1], [*proof, proof[0]], []):
        with pytest.raises(ValueError, match="hashes"):
            merkle.root_from_range(3, 7, 10, held.node, bad)
    for first, end, size in ((3, 3, 10), (5, 4, 10), (0, 11, 10), (-1, 2, 3)):
        with pytest.raises(ValueError):
            merkle.range_proof_ranges(first, end, size)


@given(
    st.integers(min_value=0, max_value=200),
    st.lists(st.integers(min_value=1, max_value=40), max_size=8),
    st.data(),
)
def test_a_tree_held_from_a_later_leaf_has_the_whole_trees_nodes(
    first: int, pieces: list[int], data: st.DataObject
) -> None:
    """Extended leaf by leaf or with the complete subtrees a worker hashed, from any first leaf:
    every node lying wholly within the held leaves is the whole tree's, and no other is held."""
    total = first + sum(pieces)
    all_leaves = leaves(total)
    whole = MemoryTree(all_leaves)
    held = MemoryTree(first=first)
    start = first
    for size in pieces:
        piece = b"".join(all_leaves[start : start + size])
        if data.draw(st.booleans()):
            held.extend_levels(complete_subtrees(piece, start), start)
        else:
            held.extend([piece])
        start += size
    assert (held.first, held.end, len(held)) == (first, total, total - first)
    for level in range(max(total, 1).bit_length() + 1):
        for index in range(total >> level):
            inside = index << level >= first
            if inside:
                assert held.node(level, index) == whole.node(level, index)
            else:
                with pytest.raises(IndexError):
                    held.node(level, index)


def test_a_tree_held_from_a_later_leaf_has_no_root_of_its_own() -> None:
    held = MemoryTree(leaves(4), first=4)
    with pytest.raises(ValueError, match="range proof"):
        held.root()
    with pytest.raises(ValueError):
        held.extend_levels([leaves(1)[0]], 7)  # it ends at 8
    with pytest.raises(ValueError):
        MemoryTree(first=-1)
