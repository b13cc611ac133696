"""Offline verification of an audit log export against signed tree heads (`vfund audit verify`)."""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import multiprocessing
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from typing import Any, TypeAlias

import orjson
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from services.audit.canonical import canonical_json
from services.audit.merkle import MemoryTree, complete_subtrees

_HEX64 = re.compile(r"[0-9a-f]{64}")
# Tree head timestamps are RFC 3339 in UTC with exactly three fractional digits and "Z": one
# spelling per instant, so the signed bytes never depend on who formatted the time.
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


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


class _EntryError(Exception):
    def __init__(self, message: str, *, index: int, line: int) -> None:
        super().__init__(message)
        self.index, self.line = index, line


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds, e.g. "2026-11-22T15:30:00.123Z"."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def tree_head_message(tree_size: int, root_hash_hex: str, timestamp: str) -> bytes:
    """The bytes a tree head signature covers: RFC 8785 JSON of root_hash, timestamp, tree_size."""
    return canonical_json(
        {"root_hash": root_hash_hex, "timestamp": timestamp, "tree_size": tree_size}
    )


def key_id(public_key: Ed25519PublicKey) -> str:
    """Lowercase hex SHA-256 of the key's DER SubjectPublicKeyInfo."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def sign_tree_head(
    private_key: Ed25519PrivateKey, tree_size: int, root_hash_hex: str, timestamp: str
) -> dict[str, Any]:
    """A signed tree head as the contract serves it: {tree_size, root_hash, timestamp, ...}."""
    if type(tree_size) is not int or tree_size < 0:
        raise ValueError(f"tree_size must be a non-negative integer, not {tree_size!r}")
    if not _HEX64.fullmatch(root_hash_hex):
        raise ValueError("root_hash must be 64 lowercase hex digits")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise ValueError(f"timestamp must look like 2026-11-22T15:30:00.123Z, not {timestamp!r}")
    signature = private_key.sign(tree_head_message(tree_size, root_hash_hex, timestamp))
    return {
        "tree_size": tree_size,
        "root_hash": root_hash_hex,
        "timestamp": timestamp,
        "signature": base64.b64encode(signature).decode("ascii"),
        "key_id": key_id(private_key.public_key()),
    }


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """An Ed25519 SubjectPublicKeyInfo PEM; ValueError or TypeError for anything else."""
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise TypeError("the public key is not an Ed25519 key")
    return key


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
        tree = _build_tree(export, workers)
    except _EntryError as error:
        return VerifyResult(
            False, f"FAIL: {error}", entries=error.index, bad_index=error.index, bad_line=error.line
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


_CHUNK_LINES = 16384
# Below this, starting processes costs more than it saves.
_PARALLEL_FROM_BYTES = 16 * 1024 * 1024


def _build_tree(export: bytes | Iterable[bytes], workers: int) -> MemoryTree:
    """Hash chunks of lines (in processes if workers > 1) into a tree; _EntryError at a bad one."""
    tree = MemoryTree()
    with ExitStack() as stack:
        results: Iterable[_Hashed]
        if isinstance(export, bytes) and workers > 1 and _CAN_FORK:
            results = _hash_in_forked_workers(stack, export, workers)
        else:
            tasks = _chunks(_lines_of(export))
            chunks = _pool(stack, workers, None).map(_hash_chunk, tasks) if workers > 1 else map(
                _hash_chunk, tasks)
            results = (([digests], first, error, blank) for digests, first, error, blank in chunks)
        blank_before = 0  # a blank line is only allowed where nothing but blank lines follows
        for levels, first_line, error, trailing_blank in results:
            if blank_before and (levels[0] or error):
                raise _EntryError(f"line {blank_before}: empty", index=len(tree), line=blank_before)
            tree.extend_levels(levels, first_line - 1 if len(levels) > 1 else len(tree))
            if error is not None:
                raise _EntryError(error[0], index=error[1], line=error[2])
            blank_before = blank_before or trailing_blank
    return tree


def _lines_of(export: bytes | Iterable[bytes]) -> Iterable[bytes]:
    return _split_lines(export) if isinstance(export, bytes) else export


def _split_lines(data: bytes) -> list[bytes]:
    """The lines of data; a final newline ends the last line, it does not start an empty one."""
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    return lines


def _chunks(lines: Iterable[bytes]) -> Iterator[tuple[list[bytes], int]]:
    """Consecutive chunks of lines, each with the line number of its first line."""
    line_iter = iter(lines)
    chunks = iter(lambda: list(islice(line_iter, _CHUNK_LINES)), [])
    return ((chunk, 1 + n * _CHUNK_LINES) for n, chunk in enumerate(chunks))


_CAN_FORK = "fork" in multiprocessing.get_all_start_methods()
_SPAN_BYTES = 4 * 1024 * 1024
# The export forked workers hash, inherited with the address space: one bytes object, so the
# workers only read its pages (a list of lines would be copied page by page as they touched
# every line's reference count), and only byte offsets and digests cross the pipes.
_FORKED_EXPORT = b""


def _hash_in_forked_workers(stack: ExitStack, export: bytes, workers: int) -> Iterator[_Hashed]:
    global _FORKED_EXPORT
    _FORKED_EXPORT = export
    stack.callback(_forget_forked_export)
    spans, start, line = [], 0, 1
    while start < len(export):
        cut = export.find(b"\n", start + _SPAN_BYTES)
        stop = len(export) if cut < 0 else cut + 1
        spans.append((start, stop, line))
        line += export.count(b"\n", start, stop)
        start = stop
    return _pool(stack, workers, multiprocessing.get_context("fork")).map(_hash_span, spans)


def _pool(
    stack: ExitStack, workers: int, context: multiprocessing.context.BaseContext | None
) -> ProcessPoolExecutor:
    """Worker processes that the stack shuts down in order: pending spans are cancelled, running
    ones finish. (multiprocessing.Pool's exit terminates its workers, which deadlocks when one is
    killed holding the result queue's lock: that happened when a bad entry ended the run early.)"""
    executor = ProcessPoolExecutor(workers, mp_context=context)
    stack.callback(executor.shutdown, wait=True, cancel_futures=True)
    return executor


def _forget_forked_export() -> None:
    global _FORKED_EXPORT
    _FORKED_EXPORT = b""


def _hash_span(span: tuple[int, int, int]) -> _Hashed:
    """A span's leaf hashes and, above them, every complete subtree within the span: the main
    process then hashes only the few nodes that straddle spans."""
    start, stop, first_line = span
    digests, _, error, blank = _hash_chunk((_split_lines(_FORKED_EXPORT[start:stop]), first_line))
    levels = [digests] if error else complete_subtrees(digests, first_line - 1)
    return levels, first_line, error, blank


# (leaf hashes, the line number of the chunk's first line, the first bad entry as (message,
# index, line) if any, the line number of a trailing run of blank lines or 0)
_Chunk: TypeAlias = tuple[bytes, int, tuple[str, int, int] | None, int]
# The same with the hashes as levels of complete subtrees (MemoryTree.extend_levels).
_Hashed: TypeAlias = tuple[list[bytes], int, tuple[str, int, int] | None, int]


def _hash_chunk(task: tuple[list[bytes], int]) -> _Chunk:
    """The concatenated leaf hashes of consecutive lines, the first bad entry (message, index,
    line) if any, and the line number of a trailing run of blank lines (0 if none)."""
    lines, first_line = task
    digests: list[bytes] = []
    blank = 0
    for line_no, line in enumerate(lines, first_line):
        if not line or line.isspace():
            blank = blank or line_no
            continue
        if blank:
            return b"".join(digests), first_line, (f"line {blank}: empty", blank - 1, blank), 0
        try:
            digests.append(_leaf_hash_of(line, line_no))
        except _EntryError as error:
            return b"".join(digests), first_line, (str(error), error.index, error.line), 0
    return b"".join(digests), first_line, None, blank


def _leaf_hash_of(line: bytes, line_no: int) -> bytes:
    """The leaf hash of the entry on a line that must hold index line_no - 1."""
    expected = line_no - 1
    try:
        entry = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise _EntryError(
            f"line {line_no}: not JSON ({error})", index=expected, line=line_no
        ) from error
    if type(entry) is not dict:
        raise _EntryError(f"line {line_no}: not a JSON object", index=expected, line=line_no)
    index = entry.get("index")
    if index != expected or type(index) is not int:
        raise _EntryError(_index_problem(expected, index, line_no), index=expected, line=line_no)
    event = entry.get("event")
    if type(event) is not dict:
        raise _EntryError(
            f"entry {index} (line {line_no}): event is not a JSON object", index=index, line=line_no
        )
    digest = hashlib.sha256(b"\x00" + canonical_json(event)).digest()
    if digest.hex() != entry.get("leaf_hash"):
        raise _EntryError(
            f"entry {index} (line {line_no}, event id {event.get('id')!r}): leaf_hash "
            f"{entry.get('leaf_hash')!r} is not the hash of the event, {digest.hex()}",
            index=index,
            line=line_no,
        )
    return digest


def _index_problem(expected: int, found: object, line_no: int) -> str:
    if type(found) is not int:
        return f"line {line_no}: index {found!r} is not an integer (expected {expected})"
    if found > expected:
        return f"entry {expected} is missing or out of order: line {line_no} holds index {found}"
    return (
        f"index {found} appears again at line {line_no} (expected {expected}):"
        " an entry was duplicated, inserted or moved"
    )


def _head_problem(
    head: object, tree: MemoryTree, public_key: Ed25519PublicKey | None
) -> str | None:
    """Why a tree head does not hold for this export, or None when it does."""
    if not isinstance(head, dict):
        return "not a JSON object"
    size, root, timestamp, signature = (
        head.get(k) for k in ("tree_size", "root_hash", "timestamp", "signature")
    )
    if type(size) is not int or size < 0:
        return f"tree_size {size!r} is not a non-negative integer"
    if not isinstance(root, str) or not _HEX64.fullmatch(root):
        return f"(tree_size {size}) root_hash {root!r} is not 64 lowercase hex digits"
    if not isinstance(timestamp, str) or not isinstance(signature, str):
        return f"(tree_size {size}) timestamp and signature must be strings"
    label = f"(tree_size {size}, timestamp {timestamp})"
    if public_key is None:
        return f"{label} cannot be checked without a public key"
    try:
        public_key.verify(
            base64.b64decode(signature, validate=True), tree_head_message(size, root, timestamp)
        )
    except (InvalidSignature, binascii.Error):
        other = head.get("key_id")
        hint = (
            f" (it names key {other}, not {key_id(public_key)})"
            if other != key_id(public_key)
            else ""
        )
        return f"{label} signature does not verify with the public key{hint}"
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


def main(argv: list[str] | None = None) -> int:
    """`vfund audit verify <export.jsonl> --public-key <pem> [--tree-head <json>]...`."""
    parser = argparse.ArgumentParser(
        prog="vfund audit verify", description="Verify an audit log export offline."
    )
    parser.add_argument("export", help="JSONL export from GET /export ('-' for stdin)")
    parser.add_argument("--public-key", required=True, help="PEM SubjectPublicKeyInfo (Ed25519)")
    parser.add_argument(
        "--tree-head", action="append", default=[], help="JSON file: one signed tree head or a list"
    )
    parser.add_argument(
        "--workers", type=int, default=0,
        help="processes hashing an export file of 16 MB or more (default: one per CPU)",
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return 0 if exit_.code == 0 else 2
    try:
        with open(args.public_key, "rb") as pem_file:
            pem = pem_file.read()
        load_public_key(pem)
        heads = [head for path in args.tree_head for head in _read_heads(path)]
        workers = args.workers or os.cpu_count() or 1
        if args.export == "-":  # streamed in one process: memory stays bounded by a chunk
            result = verify_export(sys.stdin.buffer, pem, heads, workers=1)
        else:
            with open(args.export, "rb") as export:
                small = os.fstat(export.fileno()).st_size < _PARALLEL_FROM_BYTES
                if small or workers == 1:
                    result = verify_export(export, pem, heads, workers=1)
                else:  # the workers share the file's bytes; reading them at once is the fastest
                    result = verify_export(export.read(), pem, heads, workers=workers)
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm) as error:
        print(f"vfund audit verify: {error}", file=sys.stderr)
        return 2
    print(result.message)
    return 0 if result.ok else 1


def _read_heads(path: str) -> list[dict[str, Any]]:
    with open(path, "rb") as file:
        content = orjson.loads(file.read())
    heads = content if isinstance(content, list) else [content]
    if not all(isinstance(head, dict) for head in heads):
        raise ValueError(f"{path}: expected a tree head object or a list of them")
    return heads
