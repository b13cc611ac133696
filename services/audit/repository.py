"""SQL of the audit log: entries, complete-subtree nodes and signed tree heads (append-only)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import asyncpg

from services.audit.domain.entries import NewEntry
from services.audit.domain.heads import TreeHead
from services.audit.domain.merkle import NodeId
from shared.db import Connection

# pg_advisory_xact_lock keys: one logical writer of the log, one signer of tree heads.
WRITER_LOCK = 0x41554449544C  # "AUDITL"
SIGNER_LOCK = 0x415544495448  # "AUDITH"

_ENTRY_COLUMNS = (
    "idx",
    "event_id",
    "nats_subject",
    "event_type",
    "subject",
    "grant_id",
    "event",
    "leaf_hash",
    "stream_seq",
)
_ITEM = "SELECT idx, event, recorded_at, leaf_hash FROM log_entries"
_HEAD = "SELECT tree_size, root_hash, timestamp, signature, key_id FROM tree_heads"


async def last_entry(conn: Connection) -> tuple[int, bytes] | None:
    """(index, leaf hash) of the newest entry, or None for an empty log."""
    row = await conn.fetchrow("SELECT idx, leaf_hash FROM log_entries ORDER BY idx DESC LIMIT 1")
    return None if row is None else (row["idx"], bytes(row["leaf_hash"]))


async def log_size(conn: Connection) -> int:
    last = await last_entry(conn)
    return 0 if last is None else last[0] + 1


async def known_event_ids(conn: Connection, event_ids: Sequence[str]) -> set[str]:
    rows = await conn.fetch(
        "SELECT event_id FROM log_entries WHERE event_id = ANY($1::text[])", list(event_ids)
    )
    return {r["event_id"] for r in rows}


async def insert_entries(
    conn: Connection, *, first_index: int, entries: Sequence[NewEntry]
) -> None:
    records = [(first_index + n, *_values(e)) for n, e in enumerate(entries)]
    await conn.copy_records_to_table("log_entries", records=records, columns=_ENTRY_COLUMNS)


def _values(e: NewEntry) -> tuple[object, ...]:
    return (
        e.event_id,
        e.nats_subject,
        e.event_type,
        e.subject,
        e.grant_id,
        e.event,
        e.leaf_hash,
        e.stream_seq,
    )


async def insert_nodes(conn: Connection, nodes: Iterable[tuple[int, int, bytes]]) -> None:
    """Store complete subtrees above the leaves (leaves live in log_entries)."""
    records = [node for node in nodes if node[0] > 0]
    if records:
        await conn.copy_records_to_table(
            "tree_nodes", records=records, columns=("level", "idx", "hash")
        )


async def fetch_nodes(conn: Connection, ids: Iterable[NodeId]) -> dict[NodeId, bytes]:
    """Complete-subtree hashes, leaves included, in one query; missing ones are left out."""
    wanted = set(ids)
    leaves = [index for level, index in wanted if level == 0]
    inner = [(level, index) for level, index in wanted if level > 0]
    rows = await conn.fetch(
        "SELECT n.level, n.idx, n.hash FROM tree_nodes n"
        " JOIN unnest($1::smallint[], $2::bigint[]) AS w(level, idx)"
        " ON n.level = w.level AND n.idx = w.idx"
        " UNION ALL SELECT 0, idx, leaf_hash FROM log_entries WHERE idx = ANY($3::bigint[])",
        [level for level, _ in inner],
        [index for _, index in inner],
        leaves,
    )
    return {(r["level"], r["idx"]): bytes(r["hash"]) for r in rows}


async def log_page(
    conn: Connection, *, after: int, limit: int, event_type: str | None, subject: str | None
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            f"{_ITEM} WHERE idx > $1 AND ($2::text IS NULL OR event_type = $2)"
            " AND ($3::text IS NULL OR subject = $3) ORDER BY idx LIMIT $4",
            after,
            event_type,
            subject,
            limit,
        )
    )


async def entries_between(conn: Connection, *, first: int, last: int) -> list[asyncpg.Record]:
    return list(await conn.fetch(f"{_ITEM} WHERE idx BETWEEN $1 AND $2 ORDER BY idx", first, last))


async def grant_entries(
    conn: Connection, *, grant_id: str, event_types: Sequence[str]
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            "SELECT idx, event FROM log_entries WHERE grant_id = $1"
            " AND event_type = ANY($2::text[]) ORDER BY idx",
            grant_id,
            list(event_types),
        )
    )


async def latest_head(conn: Connection) -> TreeHead | None:
    row = await conn.fetchrow(f"{_HEAD} ORDER BY tree_size DESC LIMIT 1")
    return None if row is None else _head(row)


async def heads_page(conn: Connection, *, before: int | None, limit: int) -> list[TreeHead]:
    """Signed tree heads, newest first, smaller than `before` when given."""
    rows = await conn.fetch(
        f"{_HEAD} WHERE ($1::bigint IS NULL OR tree_size < $1) ORDER BY tree_size DESC LIMIT $2",
        before,
        limit,
    )
    return [_head(r) for r in rows]


async def heads_at_or_above(conn: Connection, sizes: Sequence[int]) -> list[TreeHead]:
    """For each size, the smallest head of at least that size (when there is one); each head
    once, smallest first."""
    rows = await conn.fetch(
        "SELECT DISTINCT h.tree_size, h.root_hash, h.timestamp, h.signature, h.key_id"
        " FROM unnest($1::bigint[]) AS c(size) CROSS JOIN LATERAL ("
        f" {_HEAD} WHERE tree_size >= c.size ORDER BY tree_size LIMIT 1) h ORDER BY h.tree_size",
        list(sizes),
    )
    return [_head(r) for r in rows]


async def grew_since(conn: Connection, *, tree_size: int, except_type: str) -> bool:
    """Did anything but `except_type` events join the log at or after index tree_size?"""
    return bool(
        await conn.fetchval(
            "SELECT EXISTS (SELECT 1 FROM log_entries WHERE idx >= $1 AND event_type <> $2)",
            tree_size,
            except_type,
        )
    )


async def insert_head(conn: Connection, head: TreeHead) -> bool:
    """Store a signed head; False when a head of its size exists already."""
    status = await conn.execute(
        "INSERT INTO tree_heads (tree_size, root_hash, timestamp, signature, key_id)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tree_size) DO NOTHING",
        head["tree_size"],
        head["root_hash"],
        head["timestamp"],
        head["signature"],
        head["key_id"],
    )
    return bool(status == "INSERT 0 1")


def _head(row: asyncpg.Record) -> TreeHead:
    return TreeHead(
        tree_size=row["tree_size"],
        root_hash=row["root_hash"],
        timestamp=row["timestamp"],
        signature=row["signature"],
        key_id=row["key_id"],
    )
