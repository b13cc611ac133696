"""What each signed tree head proves about an export's entries, or why it does not hold."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.audit.domain import merkle
from services.audit.domain.export import HeadLine, read_head_line
from services.audit.domain.heads import head_label, signature_problem
from services.audit.domain.memory_tree import MemoryTree


@dataclass(frozen=True)
class Claim:
    """A tree head to check: given with --tree-head (its position), or from the trailer."""

    head: dict[str, Any]
    position: int | None = None  # among the given heads, from 0
    line: int | None = None  # the trailer line

    def name(self) -> str:
        if self.line is not None:
            return f"the tree head on line {self.line}"
        return f"tree head #{(self.position or 0) + 1}"


class Outcome(Enum):
    HOLDS = "holds"  # its signature verifies and the entries it covers give its root
    BAD_HEAD = "bad head"  # malformed, or not signed by the key
    MISSING = "missing"  # it covers entries the export does not hold
    ROOT = "root"  # the entries it covers (with its range proof) do not give its root
    UNCHECKABLE = "uncheckable"  # it cannot be checked against this export


@dataclass(frozen=True)
class Checked:
    claim: Claim
    outcome: Outcome
    problem: str = ""
    start: int = 0  # the exported entries it covers: start..end-1
    end: int = 0
    missing_from: int | None = None
    tree_size: int = 0
    root: bytes = b""
    range_proof: bool = False  # whether hashes from outside the export went into its root


def check(claim: Claim, tree: MemoryTree, public_key: Ed25519PublicKey | None) -> Checked:
    """What the claim's head proves about the entries in tree."""
    if claim.line is None:
        return _given(claim, tree, public_key)
    try:
        line = read_head_line(claim.head, claim.line)
    except ValueError as error:
        return Checked(claim, Outcome.BAD_HEAD, str(error))
    return _trailer(claim, line, tree, public_key)


def _given(claim: Claim, tree: MemoryTree, public_key: Ed25519PublicKey | None) -> Checked:
    problem = signature_problem(claim.head, public_key)
    if problem is not None:
        return Checked(claim, Outcome.BAD_HEAD, problem)
    head = claim.head
    size, root, label = head["tree_size"], bytes.fromhex(head["root_hash"]), head_label(head)
    if size == 0:  # the empty tree: nothing to cover, only its root to check
        if root != merkle.EMPTY_ROOT:
            problem = f"{label} signs root {root.hex()} for no entries, not the empty root"
            return Checked(claim, Outcome.ROOT, problem, tree_size=0, root=root)
        return Checked(claim, Outcome.HOLDS, tree_size=0, root=root)
    if tree.first:
        problem = (
            f"{label} cannot be checked against an export that starts at index {tree.first}:"
            " only the export's own tree heads carry the range proof that needs"
        )
        return Checked(claim, Outcome.UNCHECKABLE, problem)
    if size > tree.end:
        problem = f"{label} signs {size} entries but the export holds only {tree.end}"
        return Checked(claim, Outcome.MISSING, problem, missing_from=tree.end)
    actual = tree.root(size)
    if actual != root:
        problem = (
            f"{label} signs root {root.hex()} but the export's first {size} entries give"
            f" {actual.hex()}"
        )
        return Checked(claim, Outcome.ROOT, problem, 0, size, None, size, root)
    return Checked(claim, Outcome.HOLDS, "", 0, size, None, size, root)


def _trailer(
    claim: Claim, line: HeadLine, tree: MemoryTree, public_key: Ed25519PublicKey | None
) -> Checked:
    problem = signature_problem(line.head, public_key)
    if problem is not None:
        return Checked(claim, Outcome.BAD_HEAD, problem)
    size, label = line.head["tree_size"], head_label(line.head)
    root = bytes.fromhex(line.head["root_hash"])
    first, last = line.from_index, line.to_index
    if last >= size:
        problem = f"{label} is said to cover entries {first}..{last}, beyond its {size} entries"
        return Checked(claim, Outcome.BAD_HEAD, problem)
    if first < tree.first:
        problem = (
            f"{label} covers entries {first}..{last} but the export starts at index"
            f" {tree.first}: entries {first}..{tree.first - 1} are missing"
        )
        return Checked(claim, Outcome.MISSING, problem, missing_from=first)
    if last >= tree.end:
        gap = max(first, tree.end)
        problem = (
            f"{label} covers entries {first}..{last} but the export holds entries only up to"
            f" index {tree.end - 1}: entries {gap}..{last} are missing (the export was cut short)"
        )
        return Checked(claim, Outcome.MISSING, problem, missing_from=gap)
    try:
        actual = merkle.root_from_range(first, last + 1, size, tree.node, line.range_proof)
    except ValueError as error:
        return Checked(claim, Outcome.BAD_HEAD, f"{label}: {error}")
    outside = bool(line.range_proof)
    if actual != root:
        proof = " with its range proof" if outside else ""
        problem = (
            f"{label} signs root {root.hex()} but the export's entries {first}..{last}{proof}"
            f" give {actual.hex()}"
        )
        return Checked(claim, Outcome.ROOT, problem, first, last + 1, None, size, root, outside)
    return Checked(claim, Outcome.HOLDS, "", first, last + 1, None, size, root, outside)
