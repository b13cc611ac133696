"""The Merkle tree against a naive transcription of RFC 9162 section 2.1, and against pymerkle."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pymerkle import InmemoryTree

from services.audit.domain import merkle
from services.audit.domain.memory_tree import MemoryTree, complete_subtrees

SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129]
SMALL = [n for n in SIZES if n <= 33]


# --- RFC 9162 2.1, written out from the recursive definitions, from the leaves ---------------


def ref_leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def ref_node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(d: list[bytes]) -> bytes:
    if not d:
        return hashlib.sha256(b"").digest()
    if len(d) == 1:
        return ref_leaf(d[0])
    k = largest_power_of_two_below(len(d))
    return ref_node(ref_mth(d[:k]), ref_mth(d[k:]))


def ref_path(m: int, d: list[bytes]) -> list[bytes]:
    if len(d) == 1:
        return []
    k = largest_power_of_two_below(len(d))
    if m < k:
        return [*ref_path(m, d[:k]), ref_mth(d[k:])]
    return [*ref_path(m - k, d[k:]), ref_mth(d[:k])]


def ref_subproof(m: int, d: list[bytes], b: bool) -> list[bytes]:
    if m == len(d):
        return [] if b else [ref_mth(d)]
    k = largest_power_of_two_below(len(d))
    if m <= k:
        return [*ref_subproof(m, d[:k], b), ref_mth(d[k:])]
    return [*ref_subproof(m - k, d[k:], False), ref_mth(d[:k])]


def ref_proof(m: int, d: list[bytes]) -> list[bytes]:
    return ref_subproof(m, d, True)


# --- helpers -----------------------------------------------------------------------------------


def entries(n: int) -> list[bytes]:
    return [f'{{"n":{i}}}'.encode() for i in range(n)]


def tree_of(n: int) -> MemoryTree:
    return MemoryTree(merkle.leaf_hash(e) for e in entries(n))


# --- tests -------------------------------------------------------------------------------------


def test_hashes_use_the_rfc_prefixes() -> None:
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    left, right = b"a" * 32, b"b" * 32
    assert merkle.node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT
    assert MemoryTree().root() == merkle.EMPTY_ROOT


@pytest.mark.parametrize("n", SIZES)
def test_root_matches_the_rfc_definition(n: int) -> None:
    tree = tree_of(n)
    data = entries(n)
    for size in range(n + 1):
        assert tree.root(size) == ref_mth(data[:size])


@pytest.mark.parametrize("n", SIZES)
def test_root_matches_pymerkle(n: int) -> None:
    # pymerkle's default (sha256, security on) prefixes leaves with 0x00 and nodes with 0x01
    # and hashes the empty tree as SHA-256(""), which is RFC 9162's MTH.
    reference = InmemoryTree.init_from_entries(entries(n))
    tree = tree_of(n)
    for size in range(n + 1):
        assert tree.root(size) == reference.get_root(size)


@pytest.mark.parametrize("n", SIZES)
def test_inclusion_proofs_match_the_rfc_and_verify(n: int) -> None:
    tree = tree_of(n)
    data = entries(n)
    sizes = range(1, n + 1) if n in SMALL else [n]
    for size in sizes:
        root = ref_mth(data[:size])
        for index in range(size):
            proof = tree.inclusion_proof(index, size)
            assert proof == ref_path(index, data[:size])
            leaf = ref_leaf(data[index])
            assert merkle.verify_inclusion(leaf, index, size, proof, root)
            assert not merkle.verify_inclusion(leaf, index, size, proof, ref_mth(data[: size - 1]))
            assert not merkle.verify_inclusion(ref_leaf(b"other"), index, size, proof, root)
            if size > 1:
                assert not merkle.verify_inclusion(leaf, (index + 1) % size, size, proof, root)
                assert not merkle.verify_inclusion(leaf, index, size, proof[:-1], root)
                assert not merkle.verify_inclusion(leaf, index, size, [*proof, root], root)


@pytest.mark.parametrize("n", SIZES)
def test_consistency_proofs_match_the_rfc_and_verify(n: int) -> None:
    tree = tree_of(n)
    data = entries(n)
    pairs = (
        [(m, s) for s in range(1, n + 1) for m in range(1, s)]
        if n in SMALL
        else [(m, n) for m in range(1, n)]
    )
    for first, second in pairs:
        proof = tree.consistency_proof(first, second)
        assert proof == ref_proof(first, data[:second])
        first_root, second_root = ref_mth(data[:first]), ref_mth(data[:second])
        assert merkle.verify_consistency(first, second, first_root, second_root, proof)
        assert not merkle.verify_consistency(first, second, second_root, second_root, proof)
        assert not merkle.verify_consistency(first, second, first_root, first_root, proof)
        assert not merkle.verify_consistency(first, second, first_root, second_root, proof[:-1])
        if second > first + 1:
            assert not merkle.verify_consistency(first + 1, second, first_root, second_root, proof)


def test_trivial_consistency() -> None:
    tree = tree_of(5)
    assert tree.consistency_proof(5, 5) == []
    assert tree.consistency_proof(0, 5) == []
    assert merkle.verify_consistency(5, 5, tree.root(5), tree.root(5), [])
    assert not merkle.verify_consistency(5, 5, tree.root(5), tree.root(4), [])
    assert merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, tree.root(5), [])
    assert not merkle.verify_consistency(3, 2, tree.root(3), tree.root(2), [])
    assert not merkle.verify_consistency(2, 3, tree.root(2), tree.root(3), [])


@pytest.mark.parametrize("n", SIZES)
def test_appending_in_batches_yields_every_complete_node_and_the_frontier(n: int) -> None:
    tree = tree_of(n)
    leaves = [merkle.leaf_hash(e) for e in entries(n)]
    store: dict[tuple[int, int], bytes] = {}
    size, frontier = 0, []
    for batch_start in range(0, n, 3):
        appended = merkle.append_leaves(size, frontier, leaves[batch_start : batch_start + 3])
        size, frontier = appended.tree_size, appended.frontier
        for level, index, digest in appended.nodes:
            assert (level, index) not in store
            store[level, index] = digest
        assert merkle.root_from_frontier(frontier) == tree.root(size)
        assert frontier == [store[node] for node in merkle.frontier_nodes(size)]
    # exactly the complete subtrees, each equal to the in-memory tree's
    expected = {(level, index) for level in range(n.bit_length()) for index in range(n >> level)}
    assert set(store) == expected
    assert all(tree.node(level, index) == digest for (level, index), digest in store.items())


@pytest.mark.parametrize("n", SIZES)
def test_proofs_need_only_the_nodes_they_name(n: int) -> None:
    tree = tree_of(n)
    for index in range(n):
        needed = merkle.inclusion_proof_nodes(index, n)
        assert len(needed) <= 2 * n.bit_length()
        fetched = {node: tree.node(*node) for node in needed}
        assert merkle.inclusion_proof(index, n, fetched) == tree.inclusion_proof(index, n)
    for first in range(n + 1):
        needed = merkle.consistency_proof_nodes(first, n)
        assert len(needed) <= 2 * n.bit_length()
        fetched = {node: tree.node(*node) for node in needed}
        assert merkle.consistency_proof(first, n, fetched) == tree.consistency_proof(first, n)
    fetched = {node: tree.node(*node) for node in merkle.frontier_nodes(n)}
    assert merkle.root_hash(n, fetched) == tree.root()


def test_incomplete_nodes_and_bad_sizes_are_refused() -> None:
    tree = tree_of(5)
    with pytest.raises(IndexError):
        tree.node(1, 2)  # leaves 4..5: only leaf 4 exists
    with pytest.raises(IndexError):
        tree.node(3, 0)
    with pytest.raises(ValueError):
        tree.root(6)
    with pytest.raises(ValueError):
        merkle.inclusion_proof_nodes(5, 5)
    with pytest.raises(ValueError):
        merkle.consistency_proof_nodes(6, 5)
    with pytest.raises(ValueError):
        merkle.append_leaves(5, [], [])


def test_extend_continues_a_partial_tree() -> None:
    leaves = [merkle.leaf_hash(e) for e in entries(100)]
    tree = MemoryTree()
    for start in range(0, 100, 7):
        tree.extend(leaves[start : start + 7])
        assert tree.root() == ref_mth(entries(100)[: len(tree)])


@given(st.lists(st.integers(min_value=1, max_value=40), max_size=12), st.data())
def test_subtrees_hashed_elsewhere_give_the_same_tree(
    parts: list[int], data: st.DataObject
) -> None:
    """Pieces of any sizes, each extended either leaf by leaf or with the complete subtrees a
    worker hashed for it: every stored node, hence every root and proof, is the same."""
    leaves = [merkle.leaf_hash(e) for e in entries(sum(parts))]
    whole = MemoryTree(leaves)
    pieces = MemoryTree()
    start = 0
    for size in parts:
        piece = b"".join(leaves[start : start + size])
        if data.draw(st.booleans()):
            pieces.extend_levels(complete_subtrees(piece, start), start)
        else:
            pieces.extend([piece])
        start += size
        assert pieces.root() == ref_mth(entries(sum(parts))[:start])
    assert len(pieces) == len(whole)
    for level in range(max(1, len(leaves)).bit_length()):
        count = len(leaves) >> level
        assert [pieces.node(level, i) for i in range(count)] == [
            whole.node(level, i) for i in range(count)
        ]


def test_subtrees_must_start_where_the_tree_ends() -> None:
    tree = MemoryTree([merkle.leaf_hash(b"a")])
    with pytest.raises(ValueError):
        tree.extend_levels(complete_subtrees(merkle.leaf_hash(b"b") * 2, 2), 2)
