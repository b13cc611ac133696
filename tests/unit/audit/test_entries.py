"""What the writer accepts as a log entry, and what it dead-letters instead."""

from __future__ import annotations

import hashlib

import pytest
import rfc8785

from services.audit.domain.entries import MAX_DEPTH, NewEntry, NotAnEvent, entry_of


def parse_entry(data: bytes, subject: str = "vfund.disbursement.budget.reserved") -> NewEntry:
    return entry_of(data, nats_subject=subject, stream_seq=42)


def test_an_entry_keeps_the_bytes_and_hashes_the_canonical_form() -> None:
    body = b'{ "id": "e1", "type": "org.vfund.x.v1", "subject": "c1",\n "data": {"grant_id": "g"}}'
    entry = parse_entry(body)
    canonical = rfc8785.dumps(
        {"data": {"grant_id": "g"}, "id": "e1", "subject": "c1", "type": "org.vfund.x.v1"}
    )
    assert entry.event == body.decode()
    assert entry.leaf_hash == hashlib.sha256(b"\x00" + canonical).digest()
    assert (entry.event_id, entry.event_type, entry.subject, entry.grant_id, entry.stream_seq) == (
        "e1",
        "org.vfund.x.v1",
        "c1",
        "g",
        42,
    )


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1]",
        b'{"type": "x"}',
        b'{"id": 5}',
        b'{"id": ""}',
        b'{"id": "a", "n": 9007199254740993}',
    ],
)
def test_what_can_never_be_an_entry(body: bytes) -> None:
    with pytest.raises(NotAnEvent):
        parse_entry(body)


def nested(levels: int) -> bytes:
    """An event whose data nests so that the whole event is `levels` deep."""
    return b'{"id": "deep", "data": ' + b"[" * (levels - 1) + b"0.5" + b"]" * (levels - 1) + b"}"


def test_an_event_nested_deeper_than_readers_go_is_dead_lettered() -> None:
    assert parse_entry(nested(MAX_DEPTH)).event_id == "deep"
    with pytest.raises(NotAnEvent, match=f"nested deeper than {MAX_DEPTH} levels"):
        parse_entry(nested(MAX_DEPTH + 1))
    with pytest.raises(NotAnEvent):
        parse_entry(nested(1000))  # as deep as JSON parsers go
    # Brackets in strings are not nesting.
    brackets = b'{"id": "b", "data": {"text": "' + b"[{" * 200 + b'"}}'
    assert parse_entry(brackets).event_id == "b"
