"""The audit log's units of work, the only places a write transaction opens: appending a batch of
entries (one logical writer) and signing a tree head (one signer), each under its advisory lock.

Head cadence: the signer heads the whole log if anything other than `tree_head.signed` events
joined it since the last head. A head's own event is logged too, but alone it never causes
another head, so an idle log stays quiet and the work stays bounded (at most one head per
interval); the next real event's head covers those entries as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client import Counter, Gauge

from services.audit import repository
from services.audit.domain import merkle
from services.audit.domain.entries import EMPTY, NewEntry, TreeState, grow, once_each
from services.audit.domain.heads import TreeHead, format_timestamp, sign_tree_head
from shared import outbox
from shared.db import Connection, Db
from shared.events import subjects
from shared.events.audit import TreeHeadSigned
from shared.events.envelope import event_type, new_event
from shared.faults import crash_point

ENTRIES_APPENDED = Counter("vfund_audit_entries_appended_total", "Events appended to the audit log")
TREE_SIZE = Gauge("vfund_audit_tree_size", "Entries in the audit log (the tree size)")
HEAD_EVENT_TYPE = event_type(subjects.TREE_HEAD_SIGNED)


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
        unique = once_each(entries)
        async with self._db.transaction() as tx:
            # One logical writer: replicas wait here rather than interleave indexes.
            await tx.execute("SELECT pg_advisory_xact_lock($1)", repository.WRITER_LOCK)
            state = await self._current(tx)
            known = await repository.known_event_ids(tx, [e.event_id for e in unique])
            fresh = [e for e in unique if e.event_id not in known]
            if not fresh:
                return 0
            grown = grow(state, fresh)
            await repository.insert_entries(tx, first_index=state.size, entries=fresh)
            await repository.insert_nodes(tx, grown.nodes)
            crash_point("audit.before_commit")
        self.state = grown.state
        ENTRIES_APPENDED.inc(len(fresh))
        TREE_SIZE.set(grown.state.size)
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


class HeadSigner:
    def __init__(self, db: Db, key: Ed25519PrivateKey) -> None:
        self._db = db
        self._key = key

    def public_key_pem(self) -> bytes:
        """The PEM SubjectPublicKeyInfo that verifies the heads (its SHA-256 is their key_id)."""
        return self._key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    async def sign_if_grown(self, now: datetime | None = None) -> TreeHead | None:
        """Sign, store and publish a head of the whole log if it grew; None if it did not."""
        async with self._db.transaction() as tx:
            await tx.execute("SELECT pg_advisory_xact_lock($1)", repository.SIGNER_LOCK)
            latest = await repository.latest_head(tx)
            size = await repository.log_size(tx)
            if size == 0 or (latest is not None and size <= latest["tree_size"]):
                return None
            if latest is not None and not await repository.grew_since(
                tx, tree_size=latest["tree_size"], except_type=HEAD_EVENT_TYPE
            ):
                return None
            nodes = await repository.fetch_nodes(tx, merkle.frontier_nodes(size))
            root = merkle.root_hash(size, nodes).hex()
            stamp = format_timestamp(now or datetime.now(UTC))
            head = sign_tree_head(self._key, size, root, stamp)
            if not await repository.insert_head(tx, head):
                return None
            event = new_event(
                subjects.TREE_HEAD_SIGNED,
                TreeHeadSigned(**head),
                service="audit",
                subject="audit-log",
                actor="audit",
            )
            await outbox.add(tx, [(subjects.TREE_HEAD_SIGNED, event)], service="audit")
            crash_point("audit.head_before_commit")
        return head
