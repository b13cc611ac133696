"""The log writer: batches appended once each, under one advisory lock, with their tree nodes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from nats.aio.msg import Msg
from prometheus_client import Counter, Gauge

from services.audit import merkle, repository
from services.audit.canonical import canonical_json
from services.audit.repository import NewEntry
from shared.db import Connection, Db
from shared.faults import crash_point

ENTRIES_APPENDED = Counter("vfund_audit_entries_appended_total", "Events appended to the audit log")
TREE_SIZE = Gauge("vfund_audit_tree_size", "Entries in the audit log (the tree size)")


class NotAnEvent(ValueError):
    """A message that can never be logged: not a JSON object with a string id, or not JCS-able."""


def parse_entry(msg: Msg) -> NewEntry:
    """The entry for one message; NotAnEvent if it can never be one (dead-letter it)."""
    try:
        event = orjson.loads(msg.data)
    except orjson.JSONDecodeError as exc:
        raise NotAnEvent("not JSON") from exc
    if type(event) is not dict or type(event.get("id")) is not str or not event["id"]:
        raise NotAnEvent("not a CloudEvent")
    try:
        leaf = merkle.leaf_hash(canonical_json(event))
    except ValueError as exc:  # numbers or strings RFC 8785 cannot represent
        raise NotAnEvent("no RFC 8785 form") from exc
    data = event.get("data")
    grant = data.get("grant_id") if type(data) is dict else None
    return NewEntry(
        event_id=event["id"],
        nats_subject=msg.subject,
        event_type=str(event.get("type", "")),
        subject=str(event.get("subject", "")),
        grant_id=grant if type(grant) is str else None,
        event=msg.data.decode(),
        leaf_hash=leaf,
        stream_seq=msg.metadata.sequence.stream,
    )


@dataclass(frozen=True)
class TreeState:
    """The committed tree as this process last saw it: size, right edge, newest leaf."""

    size: int
    frontier: list[bytes]
    last_leaf: bytes | None


EMPTY = TreeState(0, [], None)


class LogWriter:
    """Appends batches; the frontier stays in memory and is reloaded only when another writer
    (a replica, or this process's own lost commit) moved the log meanwhile."""

    def __init__(self, db: Db) -> None:
        self._db = db
        self.state = EMPTY

    async def load(self) -> TreeState:
        async with self._db.connection() as conn:
            self.state = await _load(conn)
        TREE_SIZE.set(self.state.size)
        return self.state

    async def append(self, entries: Sequence[NewEntry]) -> int:
        """Append the entries not yet logged, in the given order; returns how many were new."""
        unique = list({e.event_id: e for e in reversed(entries)}.values())[::-1]
        async with self._db.transaction() as tx:
            # One logical writer: replicas wait here rather than interleave indexes.
            await tx.execute("SELECT pg_advisory_xact_lock($1)", repository.WRITER_LOCK)
            state = await self._current(tx)
            known = await repository.known_event_ids(tx, [e.event_id for e in unique])
            fresh = [e for e in unique if e.event_id not in known]
            if not fresh:
                return 0
            grown = merkle.append_leaves(state.size, state.frontier, [e.leaf_hash for e in fresh])
            await repository.insert_entries(tx, first_index=state.size, entries=fresh)
            await repository.insert_nodes(tx, grown.nodes)
            crash_point("audit.before_commit")
        self.state = TreeState(grown.tree_size, grown.frontier, fresh[-1].leaf_hash)
        ENTRIES_APPENDED.inc(len(fresh))
        TREE_SIZE.set(grown.tree_size)
        return len(fresh)

    async def _current(self, tx: Connection) -> TreeState:
        last = await repository.last_entry(tx)
        size, leaf = (0, None) if last is None else (last[0] + 1, last[1])
        if (size, leaf) == (self.state.size, self.state.last_leaf):
            return self.state
        return await _load(tx)


async def _load(conn: Connection) -> TreeState:
    last = await repository.last_entry(conn)
    if last is None:
        return EMPTY
    size = last[0] + 1
    ids = merkle.frontier_nodes(size)
    nodes = await repository.fetch_nodes(conn, ids)
    missing = [node for node in ids if node not in nodes]
    if missing:
        raise RuntimeError(f"the tree of {size} entries lacks stored nodes {missing}")
    return TreeState(size, [nodes[node] for node in ids], last[1])

