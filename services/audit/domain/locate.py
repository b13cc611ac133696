"""The first exported entry that differs from a signed tree, found with the service's inclusion
proofs, trusting nothing the service says that does not hash up to the signed root.

The search walks the RFC 9162 recursion of the signed tree down from its root, whose hash the
signature vouches for. At a node whose hash is known (proven) and differs from the export's, it
needs the proven hashes of the node's two children: an inclusion proof of a leaf under the node
gives both (one is on the leaf's path, the other is its sibling), but only if folding the leaf
with the path reproduces the node's proven hash. The leaf hash folded is the export's or the
service's own; a service whose stored tree was changed cannot produce such a proof, and the
search then says where it had to stop. It descends left first, so the leaf it ends on is the
first that differs; about one proof per level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from services.audit.domain.merkle import inclusion_path_ranges, node_hash, split_point

Range = tuple[int, int]


@dataclass(frozen=True)
class InclusionAnswer:
    """What the service answered for GET /proofs/inclusion?index=&tree_size=."""

    leaf_hash: bytes
    audit_path: list[bytes]


class Unanswered(Exception):
    """The service gave no usable answer (unreachable, refused, or malformed)."""


@dataclass(frozen=True)
class Difference:
    """Where the export departs from the signed tree, as far as could be proven."""

    index: int | None  # the first differing entry, proven; None when not found exactly
    low: int  # otherwise it lies within low..high (both included)
    high: int
    why: str  # empty when exact; else why the search stopped
    proofs: int  # inclusion proofs asked for


@dataclass
class _Search:
    first: int
    end: int
    tree_size: int
    local: Callable[[int, int], bytes]
    ask: Callable[[int, int], InclusionAnswer]
    proven: dict[Range, bytes] = field(default_factory=dict)
    answers: dict[int, InclusionAnswer | Unanswered] = field(default_factory=dict)

    def differing(self, node: Range) -> int | None:
        """The first leaf under node (whose hash is proven) that differs; None if none does."""
        start, stop = node
        if stop <= self.first or start >= self.end:
            return None  # not in the export: nothing of it can differ
        inside = self.first <= start and stop <= self.end
        if inside and self.local(start, stop) == self.proven[node]:
            return None
        if inside and stop - start == 1:
            return start
        k = split_point(stop - start)
        left, right = (start, start + k), (start + k, stop)
        if left not in self.proven or right not in self.proven:
            self._learn(node, k)
        found = self.differing(left)
        return found if found is not None else self.differing(right)

    def _learn(self, node: Range, k: int) -> None:
        """Prove the hashes of node's children with the proof of a leaf under it; _Stuck if the
        service gives none that holds."""
        start, stop = node
        unanswered: list[Unanswered] = []
        for leaf in (start + k, start):
            answer = self._answer(leaf)
            if isinstance(answer, Unanswered):
                unanswered.append(answer)
                continue
            candidates = [answer.leaf_hash]
            if self.first <= leaf < self.end:
                candidates.insert(0, self.local(leaf, leaf + 1))
            if any(self._fold(leaf, value, answer.audit_path, node) for value in candidates):
                return
        low, high = max(start, self.first), min(stop, self.end) - 1
        if len(unanswered) == 2:
            raise _Stuck(low, high, f"the service gave no proof ({unanswered[0]})")
        raise _Stuck(
            low,
            high,
            f"the service's proofs do not hash up to its own signed root within {low}..{high}:"
            " its log there differs from what it signed",
        )

    def _answer(self, leaf: int) -> InclusionAnswer | Unanswered:
        if leaf not in self.answers:
            try:
                self.answers[leaf] = self.ask(leaf, self.tree_size)
            except Unanswered as error:
                self.answers[leaf] = error
        return self.answers[leaf]

    def _fold(self, leaf: int, value: bytes, path: list[bytes], node: Range) -> bool:
        """Hash value (as leaf's hash) up its path to node; if that gives node's proven hash,
        every hash met on the way is proven too."""
        ranges = inclusion_path_ranges(leaf, self.tree_size)
        if len(ranges) != len(path):
            return False
        current, met = (leaf, leaf + 1), [((leaf, leaf + 1), value)]
        for (s, e), sibling in zip(ranges, path, strict=True):
            if current == node:
                break
            met.append(((s, e), sibling))
            if s < current[0]:
                current, value = (s, current[1]), node_hash(sibling, value)
            else:
                current, value = (current[0], e), node_hash(value, sibling)
            met.append((current, value))
        if current != node or value != self.proven[node]:
            return False
        self.proven.update(met)
        return True


class _Stuck(Exception):
    def __init__(self, low: int, high: int, why: str) -> None:
        super().__init__(why)
        self.low, self.high, self.why = low, high, why


def first_difference(
    *,
    first: int,
    end: int,
    tree_size: int,
    root: bytes,
    local: Callable[[int, int], bytes],
    ask: Callable[[int, int], InclusionAnswer],
) -> Difference:
    """The first of the exported entries first..end-1 that differs from the signed tree of
    tree_size leaves and root `root`. `local(a, b)` is the export's MTH(D[a:b]) for a node within
    the export; `ask(index, tree_size)` asks the service for an inclusion proof."""
    search = _Search(first, end, tree_size, local, ask, {(0, tree_size): root})
    covered_high = min(end, tree_size) - 1
    try:
        found = search.differing((0, tree_size))
    except _Stuck as stuck:
        return Difference(None, stuck.low, stuck.high, stuck.why, len(search.answers))
    if found is None:
        why = "no exported entry differs from the signed tree: the trailer's range proof does"
        return Difference(None, first, covered_high, why, len(search.answers))
    return Difference(found, found, found, "", len(search.answers))
