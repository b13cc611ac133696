"""Log entries: what a received message becomes, and the tree the appended entries grow."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import orjson

from services.audit.domain import merkle
from services.audit.domain.canonical import canonical_json


class NotAnEvent(ValueError):
    """A message that can never be logged: not a JSON object with a string id, or not JCS-able."""


@dataclass(frozen=True, slots=True)
class NewEntry:
    """An event about to be appended, as received, with what the log indexes it by."""

    event_id: str
    nats_subject: str
    event_type: str
    subject: str
    grant_id: str | None
    event: str
    leaf_hash: bytes
    stream_seq: int


# vfund's events nest five levels deep. Readers of the log give up somewhere past a few hundred
# (Python's json, pydantic, a browser's stack), so an event nested deeper would break every page
# and client that lists it: it is dead-lettered instead (kept on vfund.deadletter.audit).
MAX_DEPTH = 64


def entry_of(body: bytes, *, nats_subject: str, stream_seq: int) -> NewEntry:
    """The entry for one message's body; NotAnEvent if it can never be one (dead-letter it)."""
    try:
        event = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise NotAnEvent("not JSON") from exc
    if type(event) is not dict or type(event.get("id")) is not str or not event["id"]:
        raise NotAnEvent("not a CloudEvent")
    if body.count(b"[") + body.count(b"{") > MAX_DEPTH and _depth(event) > MAX_DEPTH:
        raise NotAnEvent(f"nested deeper than {MAX_DEPTH} levels")
    try:
        leaf = merkle.leaf_hash(canonical_json(event))
    except ValueError as exc:  # numbers or strings RFC 8785 cannot represent
        raise NotAnEvent("no RFC 8785 form") from exc
    data = event.get("data")
    grant = data.get("grant_id") if type(data) is dict else None
    return NewEntry(
        event_id=event["id"],
        nats_subject=nats_subject,
        event_type=str(event.get("type", "")),
        subject=str(event.get("subject", "")),
        grant_id=grant if type(grant) is str else None,
        event=body.decode(),
        leaf_hash=leaf,
        stream_seq=stream_seq,
    )


def _depth(value: dict[str, object] | list[object]) -> int:
    """How many arrays and objects deep value nests (without recursion: it may be deep)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        container, depth = pending.pop()
        deepest = max(deepest, depth)
        items = container.values() if isinstance(container, dict) else container
        pending += [(v, depth + 1) for v in items if isinstance(v, dict | list)]
    return deepest


def once_each(entries: Iterable[NewEntry]) -> list[NewEntry]:
    """Each event id once: at the place of its last copy in the batch, with its first copy."""
    return list({e.event_id: e for e in reversed(list(entries))}.values())[::-1]


@dataclass(frozen=True)
class TreeState:
    """The committed tree as a writer last saw it: size, right edge, newest leaf."""

    size: int
    frontier: list[bytes]
    last_leaf: bytes | None


EMPTY = TreeState(0, [], None)


@dataclass(frozen=True)
class Grown:
    """A tree after an append, and the complete subtrees the append produced (to store)."""

    state: TreeState
    nodes: list[tuple[int, int, bytes]]


def grow(state: TreeState, fresh: Sequence[NewEntry]) -> Grown:
    """Append fresh entries (at least one) to the tree in state."""
    appended = merkle.append_leaves(state.size, state.frontier, [e.leaf_hash for e in fresh])
    return Grown(
        TreeState(appended.tree_size, appended.frontier, fresh[-1].leaf_hash), appended.nodes
    )
