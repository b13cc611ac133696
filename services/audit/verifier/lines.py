"""One line of an export read: an entry's leaf hash after checking its index and hash, or a
line of the trailer (domain/export.py); a BadEntry naming what is wrong otherwise."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import orjson

from services.audit.domain.canonical import canonical_json
from services.audit.domain.export import is_head_line


@dataclass(frozen=True, slots=True)
class BadEntry:
    """The first line that is not the entry it should be: why, the index it should hold (the
    first entry's index + line - 1), and its line."""

    message: str
    index: int
    line: int


class EntryError(Exception):
    def __init__(self, bad: BadEntry) -> None:
        super().__init__(bad.message)
        self.bad = bad


class HeadLineFound(Exception):
    """Not an error: the line that starts the trailer, raised out of the entries' hot path."""

    def __init__(self, fields: dict[str, Any]) -> None:
        super().__init__()
        self.fields = fields


def head_line_of(line: bytes, line_no: int, offset: int) -> dict[str, Any]:
    """A line of the trailer: nothing but a tree-head line may follow the first."""
    try:
        read = orjson.loads(line)
    except orjson.JSONDecodeError:
        read = None
    if type(read) is dict and is_head_line(read):
        return read
    raise EntryError(after_the_trailer(line_no, offset))


def after_the_trailer(line_no: int, offset: int) -> BadEntry:
    """A line after the first tree-head line that is not one."""
    message = f"line {line_no}: only tree heads may follow the tree heads that end the export"
    return BadEntry(message, line_no + offset, line_no)


def leaf_hash_of(line: bytes, line_no: int, offset: int) -> bytes:
    """The leaf hash of the entry on a line that must hold index line_no + offset; HeadLineFound
    if the line is the trailer's first."""
    expected = line_no + offset
    try:
        entry = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        message = f"line {line_no}: not JSON ({error})"
        raise EntryError(BadEntry(message, expected, line_no)) from error
    if type(entry) is not dict:
        raise EntryError(BadEntry(f"line {line_no}: not a JSON object", expected, line_no))
    index = entry.get("index")
    if index != expected or type(index) is not int:
        if index is None and is_head_line(entry):
            raise HeadLineFound(entry)
        raise EntryError(BadEntry(_index_problem(expected, index, line_no), expected, line_no))
    event = entry.get("event")
    if type(event) is not dict:
        message = f"entry {index} (line {line_no}): event is not a JSON object"
        raise EntryError(BadEntry(message, index, line_no))
    try:
        digest = hashlib.sha256(b"\x00" + canonical_json(event)).digest()
    except ValueError as error:  # what RFC 8785 cannot represent: the service never logs it
        message = f"entry {index} (line {line_no}): the event has no RFC 8785 form ({error})"
        raise EntryError(BadEntry(message, index, line_no)) from error
    if digest.hex() != entry.get("leaf_hash"):
        message = (
            f"entry {index} (line {line_no}, event id {event.get('id')!r}): leaf_hash "
            f"{entry.get('leaf_hash')!r} is not the hash of the event, {digest.hex()}"
        )
        raise EntryError(BadEntry(message, index, line_no))
    return digest


def _index_problem(expected: int, found: object, line_no: int) -> str:
    if type(found) is not int:
        return f"line {line_no}: index {found!r} is not an integer (expected {expected})"
    if found < 0:
        return f"line {line_no}: index {found} is negative (expected {expected})"
    if found > expected:
        return f"entry {expected} is missing or out of order: line {line_no} holds index {found}"
    return (
        f"index {found} appears again at line {line_no} (expected {expected}):"
        " an entry was duplicated, inserted or moved"
    )
