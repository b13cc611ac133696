"""All the complete-subtree hashes of a tree in memory: what the offline verifier builds."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from services.audit.domain.merkle import consistency_proof, inclusion_proof, root_hash

_sha256 = hashlib.sha256


def complete_subtrees(leaf_hashes: bytes, first_index: int) -> list[bytes]:
    """Per level, from the leaves up, the concatenated hashes of every complete subtree lying
    wholly within leaves [first_index, first_index + n): what `MemoryTree.extend_levels` takes."""
    levels = [leaf_hashes]
    below, low, high = leaf_hashes, first_index, first_index + len(leaf_hashes) // 32
    while (up_low := -(-low // 2)) < (up_high := high // 2):
        start = (2 * up_low - low) * 32
        stop = start + (up_high - up_low) * 64
        below = b"".join(
            [_sha256(b"\x01" + below[i : i + 64]).digest() for i in range(start, stop, 64)]
        )
        levels.append(below)
        low, high = up_low, up_high
    return levels


class MemoryTree:
    """All complete-subtree hashes of leaves [first, end) in memory: one bytearray of 32-byte
    hashes per level, level k holding the level-k nodes that lie wholly within those leaves.

    A tree held from leaf 0 answers roots and proofs itself; one held from a later leaf (an
    export of part of the log) serves its nodes to `merkle.root_from_range`."""

    def __init__(self, leaf_hashes: Iterable[bytes] = (), *, first: int = 0) -> None:
        if first < 0:
            raise ValueError(f"a tree cannot start at leaf {first}")
        self.first = first
        self._levels: list[bytearray] = [bytearray()]
        self.extend(leaf_hashes)

    def __len__(self) -> int:
        """How many leaves the tree holds."""
        return len(self._levels[0]) // 32

    @property
    def end(self) -> int:
        """The index after the last leaf held."""
        return self.first + len(self)

    def _base(self, level: int) -> int:
        """The index of the first level-`level` node lying wholly at or after leaf `first`."""
        return -(-self.first >> level)

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append leaf hashes, completing every parent they complete, a level at a time."""
        self.extend_levels([b"".join(leaf_hashes)], self.end)

    def extend_levels(self, levels: Sequence[bytes], first_index: int) -> None:
        """Append leaf hashes (levels[0]) together with the nodes above them that were already
        hashed (levels[k]: the level-k nodes lying wholly within the new leaves, in order, as
        `complete_subtrees(levels[0], first_index)` gives them); only the other parents they
        complete are hashed here. first_index must be the tree's end."""
        store = self._levels
        old_end = self.end
        if first_index != old_end:
            raise ValueError(f"leaves from {first_index} cannot extend a tree ending at {old_end}")
        store[0] += levels[0]
        level = 0
        while True:
            below = store[level]
            if level + 1 == len(store):
                store.append(bytearray())
            above = store[level + 1]
            given = levels[level + 1] if level + 1 < len(levels) else b""
            below_base, above_base = self._base(level), self._base(level + 1)
            # Byte offsets in `below` of the children of the next node `above` lacks, and of
            # the end of the pairs to hash: every complete pair, or, when a worker hashed the
            # new nodes, only up to the first of them (the one straddling old and new leaves).
            start = (2 * (above_base + len(above) // 32) - below_base) * 32
            if given:
                stop = (2 * -(-old_end >> (level + 1)) - below_base) * 32
            else:
                stop = (2 * ((below_base + len(below) // 32) // 2) - below_base) * 32
            if start >= stop and not given:
                break
            above += b"".join(
                [_sha256(b"\x01" + below[i : i + 64]).digest() for i in range(start, stop, 64)]
            )
            above += given
            level += 1

    def node(self, level: int, index: int) -> bytes:
        """The hash of the complete subtree (level, index); IndexError if it is not held."""
        at = index - self._base(level) if 0 <= level < len(self._levels) else -1
        if not 0 <= at < len(self._levels[level]) // 32:
            raise IndexError(f"node ({level}, {index}) is not complete")
        return bytes(self._levels[level][at * 32 : at * 32 + 32])

    def root(self, tree_size: int | None = None) -> bytes:
        size = self.end if tree_size is None else tree_size
        self._check_size(size)
        return root_hash(size, self.node)

    def inclusion_proof(self, index: int, tree_size: int | None = None) -> list[bytes]:
        size = self.end if tree_size is None else tree_size
        self._check_size(size)
        return inclusion_proof(index, size, self.node)

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        size = self.end if second is None else second
        self._check_size(size)
        return consistency_proof(first, size, self.node)

    def _check_size(self, tree_size: int) -> None:
        if self.first:
            raise ValueError(f"a tree held from leaf {self.first} needs a range proof for roots")
        if not 0 <= tree_size <= self.end:
            raise ValueError(f"tree size {tree_size} is not within 0..{self.end}")
