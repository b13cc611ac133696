"""An export's lines hashed into a Merkle tree, in one process or in forked worker processes.

The entries come first, with contiguous indexes from the first line's (line n holds index
first + n - 1), each leaf_hash the hash of its event; then the trailer's tree-head lines
(domain/export.py), which are collected; blank lines may only end the export. The first line
that breaks this ends the work with a BadEntry naming its index and line.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any, NamedTuple

import orjson

from services.audit.domain.memory_tree import MemoryTree, complete_subtrees
from services.audit.verifier.lines import (
    BadEntry,
    EntryError,
    HeadLineFound,
    after_the_trailer,
    head_line_of,
    leaf_hash_of,
)

CHUNK_LINES = 16384
SPAN_BYTES = 4 * 1024 * 1024
CAN_FORK = "fork" in multiprocessing.get_all_start_methods()


class TrailerLine(NamedTuple):
    """A tree-head line of the export's trailer, parsed, and its line number."""

    line: int
    fields: dict[str, Any]


class Chunk(NamedTuple):
    """Consecutive lines of the export, the line number of the first, and the index the
    export's first line holds."""

    lines: list[bytes]
    first_line: int
    first_index: int


class Span(NamedTuple):
    """Whole lines of the export as a byte range [start, stop), for a forked worker."""

    start: int
    stop: int
    first_line: int
    first_index: int


class Hashed(NamedTuple):
    """A chunk's or span's leaf hashes and, when its workers went further, the complete subtrees
    above them (levels[k]: level-k nodes lying wholly within it, MemoryTree.extend_levels); its
    trailer lines; the first bad entry, if any; the line number of a trailing run of blank lines
    (0 if none)."""

    levels: list[bytes]
    first_line: int
    trailer: list[TrailerLine]
    bad: BadEntry | None
    trailing_blank: int


@dataclass(frozen=True)
class Hashing:
    """An export read: its entries as a tree (from the first entry's index), and its trailer."""

    tree: MemoryTree
    trailer: list[TrailerLine]


def build_tree(export: bytes | Iterable[bytes], workers: int) -> Hashing:
    """Hash the export's lines (in processes if workers > 1) into a tree; EntryError at a bad one.

    `export` is the whole export (bytes) or its lines; the bytes of a whole export are shared
    with forked workers where the platform forks, lines are sent to the workers in chunks."""
    first_index, export = _opening(export)
    tree = MemoryTree(first=first_index)
    trailer: list[TrailerLine] = []
    with ExitStack() as stack:
        blank_before = 0  # a blank line is only allowed where nothing but blank lines follows
        for hashed in _hashed(stack, export, first_index, workers):
            levels = hashed.levels
            if blank_before and (levels[0] or hashed.trailer or hashed.bad):
                empty = f"line {blank_before}: empty"
                raise EntryError(BadEntry(empty, first_index + blank_before - 1, blank_before))
            if trailer and (levels[0] or hashed.bad):  # only tree heads may follow the first
                line = hashed.bad.line if hashed.bad and not levels[0] else hashed.first_line
                raise EntryError(after_the_trailer(line, first_index - 1))
            at = first_index + hashed.first_line - 1 if len(levels) > 1 else tree.end
            tree.extend_levels(levels, at)
            if hashed.bad is not None:
                raise EntryError(hashed.bad)
            trailer += hashed.trailer
            blank_before = blank_before or hashed.trailing_blank
    return Hashing(tree, trailer)


def _opening(export: bytes | Iterable[bytes]) -> tuple[int, bytes | Iterable[bytes]]:
    """The index the export's first line holds, and the export (its lines again, if peeked)."""
    if isinstance(export, bytes):
        newline = export.find(b"\n")
        return _first_index(export if newline < 0 else export[:newline]), export
    lines = iter(export)
    opening = next(lines, b"")
    return _first_index(opening), chain([opening], lines) if opening else lines


def _hashed(
    stack: ExitStack, export: bytes | Iterable[bytes], first_index: int, workers: int
) -> Iterable[Hashed]:
    """The export's chunks (or spans) hashed, in order."""
    if isinstance(export, bytes) and workers > 1 and CAN_FORK:
        return _hash_in_forked_workers(stack, export, first_index, workers)
    chunks = _chunks(_split_lines(export) if isinstance(export, bytes) else export, first_index)
    if workers > 1:
        return _shut_down_with(stack, ProcessPoolExecutor(workers)).map(_hash_chunk, chunks)
    return map(_hash_chunk, chunks)


def _first_index(line: bytes) -> int:
    """The index the first line holds if it is an entry (0 otherwise: its error comes later)."""
    try:
        entry = orjson.loads(line)
    except orjson.JSONDecodeError:
        return 0
    index = entry.get("index") if type(entry) is dict else None
    return index if type(index) is int and index >= 0 else 0


def _split_lines(data: bytes) -> list[bytes]:
    """The lines of data; a final newline ends the last line, it does not start an empty one."""
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()
    return lines


def _chunks(lines: Iterable[bytes], first_index: int) -> Iterator[Chunk]:
    line_iter = iter(lines)
    chunks = iter(lambda: list(islice(line_iter, CHUNK_LINES)), [])
    return (Chunk(chunk, 1 + n * CHUNK_LINES, first_index) for n, chunk in enumerate(chunks))


def _shut_down_with(stack: ExitStack, executor: ProcessPoolExecutor) -> ProcessPoolExecutor:
    """Worker processes that the stack shuts down in order: pending tasks are cancelled, running
    ones finish. (multiprocessing.Pool's exit terminates its workers, which deadlocks when one is
    killed holding the result queue's lock: that happened when a bad entry ended the run early.)"""
    stack.callback(executor.shutdown, wait=True, cancel_futures=True)
    return executor


@dataclass
class WorkerExport:
    """The export a forked worker hashes spans of. Its bytes reach each worker once, as the
    pool's initargs, which a forked process inherits with the parent's memory: nothing is
    pickled, and the pages stay shared as long as no one writes them. One bytes object, so the
    workers only read its pages (a list of lines would be copied page by page as they touched
    every line's reference count); only spans and digests cross the pipes."""

    data: bytes = b""


# Filled in each forked worker by _receive_export, the pool's initializer; never in the parent.
IN_THIS_WORKER = WorkerExport()


def _receive_export(data: bytes) -> None:
    IN_THIS_WORKER.data = data


def _hash_in_forked_workers(
    stack: ExitStack, export: bytes, first_index: int, workers: int
) -> Iterator[Hashed]:
    spans, start, line = [], 0, 1
    while start < len(export):
        cut = export.find(b"\n", start + SPAN_BYTES)
        stop = len(export) if cut < 0 else cut + 1
        spans.append(Span(start, stop, line, first_index))
        line += export.count(b"\n", start, stop)
        start = stop
    fork = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(
        workers, mp_context=fork, initializer=_receive_export, initargs=(export,)
    )
    return _shut_down_with(stack, pool).map(_hash_span, spans)


def _hash_span(span: Span) -> Hashed:
    """A span's leaf hashes and, above them, every complete subtree within the span: the main
    process then hashes only the few nodes that straddle spans."""
    lines = _split_lines(IN_THIS_WORKER.data[span.start : span.stop])
    hashed = _hash_chunk(Chunk(lines, span.first_line, span.first_index))
    if hashed.bad is None:
        first = span.first_index + span.first_line - 1
        return hashed._replace(levels=complete_subtrees(hashed.levels[0], first))
    return hashed


def _hash_chunk(chunk: Chunk) -> Hashed:
    """The concatenated leaf hashes of consecutive lines and the trailer lines among them, up
    to the first bad entry if any."""
    first_line, offset = chunk.first_line, chunk.first_index - 1  # line n holds n + offset
    digests: list[bytes] = []
    trailer: list[TrailerLine] = []
    blank = 0
    for line_no, line in enumerate(chunk.lines, first_line):
        if not line or line.isspace():
            blank = blank or line_no
            continue
        if blank:
            bad = BadEntry(f"line {blank}: empty", blank + offset, blank)
            return Hashed([b"".join(digests)], first_line, trailer, bad, 0)
        try:
            if trailer:
                trailer.append(TrailerLine(line_no, head_line_of(line, line_no, offset)))
            else:
                digests.append(leaf_hash_of(line, line_no, offset))
        except HeadLineFound as head:
            trailer.append(TrailerLine(line_no, head.fields))
        except EntryError as error:
            return Hashed([b"".join(digests)], first_line, trailer, error.bad, 0)
    return Hashed([b"".join(digests)], first_line, trailer, None, blank)
