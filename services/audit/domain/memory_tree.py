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
    """All complete-subtree hashes in memory, one bytearray of 32-byte hashes per level."""

    def __init__(self, leaf_hashes: Iterable[bytes] = ()) -> None:
        self._levels: list[bytearray] = [bytearray()]
        self.extend(leaf_hashes)

    def __len__(self) -> int:
        return len(self._levels[0]) // 32

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append leaf hashes, completing every parent they complete, a level at a time."""
        self.extend_levels([b"".join(leaf_hashes)], len(self))

    def extend_levels(self, levels: Sequence[bytes], first_index: int) -> None:
        """Append leaf hashes (levels[0]) together with the nodes above them that were already
        hashed (levels[k]: the level-k nodes lying wholly within the new leaves, in order, as
        `complete_subtrees(levels[0], first_index)` gives them); only the other parents they
        complete are hashed here. first_index must be the tree's size."""
        store = self._levels
        first_leaf = len(store[0]) // 32
        if first_index != first_leaf:
            raise ValueError(f"leaves from {first_index} cannot extend a tree of {first_leaf}")
        store[0] += levels[0]
        level = 0
        while True:
            below = store[level]
            if level + 1 == len(store):
                store.append(bytearray())
            above = store[level + 1]
            given = levels[level + 1] if level + 1 < len(levels) else b""
            first, last = len(above) * 2, len(below) // 64 * 64  # byte offsets in below
            if given:  # hash only up to the first given node: the one straddling old and new
                last = -(-first_leaf >> (level + 1)) * 64
            if first >= last and not given:
                break
            above += b"".join(
                [_sha256(b"\x01" + below[i : i + 64]).digest() for i in range(first, last, 64)]
            )
            above += given
            level += 1

    def node(self, level: int, index: int) -> bytes:
        """The hash of the complete subtree (level, index); IndexError if it is not complete."""
        if not (0 <= level < len(self._levels) and 0 <= index < len(self._levels[level]) // 32):
            raise IndexError(f"node ({level}, {index}) is not complete")
        return bytes(self._levels[level][index * 32 : index * 32 + 32])

    def root(self, tree_size: int | None = None) -> bytes:
        size = len(self) if tree_size is None else tree_size
        self._check_size(size)
        return root_hash(size, self.node)

    def inclusion_proof(self, index: int, tree_size: int | None = None) -> list[bytes]:
        size = len(self) if tree_size is None else tree_size
        self._check_size(size)
        return inclusion_proof(index, size, self.node)

    def consistency_proof(self, first: int, second: int | None = None) -> list[bytes]:
        size = len(self) if second is None else second
        self._check_size(size)
        return consistency_proof(first, size, self.node)

    def _check_size(self, tree_size: int) -> None:
        if not 0 <= tree_size <= len(self):
            raise ValueError(f"tree size {tree_size} is not within 0..{len(self)}")
