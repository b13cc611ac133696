"""The verdict on an export: every entry's index and leaf hash, the tree, every signed head."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from services.audit.domain.heads import head_label, load_public_key, signature_problem
from services.audit.domain.memory_tree import MemoryTree
from services.audit.verifier.hashing import EntryError, build_tree


@dataclass(frozen=True)
class VerifyResult:
    """The verdict; on failure, where: a log index and export line, or a tree head's position."""

    ok: bool
    message: str
    entries: int = 0
    root_hash: str | None = None
    heads_checked: int = 0
    bad_index: int | None = None
    bad_line: int | None = None
    bad_head: int | None = None


def verify_export(
    export: bytes | Iterable[bytes],
    public_key_pem: bytes | None,
    heads: Sequence[dict[str, Any]],
    *,
    workers: int = 1,
) -> VerifyResult:
    """Check every entry's index and leaf hash, rebuild the tree and check every tree head.

    `export` is the whole export (bytes) or its lines; workers > 1 hashes chunks of lines in that
    many processes (forked over the bytes, where the platform forks); the verdict is the same.
    """
    public_key = load_public_key(public_key_pem) if public_key_pem is not None else None
    try:
        tree = build_tree(export, workers)
    except EntryError as error:
        bad = error.bad
        return VerifyResult(
            False, f"FAIL: {bad.message}", entries=bad.index, bad_index=bad.index, bad_line=bad.line
        )
    count, root = len(tree), tree.root().hex()
    problems = [_head_problem(head, tree, public_key) for head in heads]
    for position, problem in enumerate(problems):
        if problem is not None:
            where = _narrow_down(heads, problems, position)
            return VerifyResult(
                False,
                f"FAIL: tree head #{position + 1}: {problem}{where}",
                entries=count,
                root_hash=root,
                heads_checked=position,
                bad_head=position,
            )
    signed = f", {len(heads)} signed tree head{'s' * (len(heads) != 1)} verified"
    return VerifyResult(
        True,
        f"OK: {count} entries, root {root}{signed if heads else ''}",
        entries=count,
        root_hash=root,
        heads_checked=len(heads),
    )


def _head_problem(
    head: object, tree: MemoryTree, public_key: Ed25519PublicKey | None
) -> str | None:
    """Why a tree head does not hold for this export, or None when it does."""
    problem = signature_problem(head, public_key)
    if problem is not None or not isinstance(head, dict):
        return problem
    size, root, label = head["tree_size"], head["root_hash"], head_label(head)
    if size > len(tree):
        return f"{label} signs {size} entries but the export holds only {len(tree)}"
    actual = tree.root(size).hex()
    if actual != root:
        return f"{label} signs root {root} but the export's first {size} entries give {actual}"
    return None


def _narrow_down(heads: Sequence[dict[str, Any]], problems: list[str | None], bad: int) -> str:
    """Where a root mismatch lies, from the largest smaller head that does hold."""
    size = heads[bad].get("tree_size") if isinstance(heads[bad], dict) else None
    if type(size) is not int:
        return ""
    good = [h["tree_size"] for h, p in zip(heads, problems, strict=True) if p is None]
    below = max((s for s in good if s < size), default=0)
    return f"; the entries differ from the signed log within indexes {below}..{size - 1}"
