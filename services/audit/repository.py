"""SQL of the audit log: entries, complete-subtree nodes and signed tree heads (append-only)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.audit.domain.donors import SUBMITTED, Scope
from services.audit.domain.entries import NewEntry
from services.audit.domain.heads import TreeHead
from services.audit.domain.merkle import NodeId
from services.audit.domain.reports import REPORT_TYPES
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


@dataclass(frozen=True)
class LogFilter:
    """What a /log page holds: entries after an index, of a type, about a subject, recorded
    in [since, until)."""

    after: int = -1
    event_type: str | None = None
    subject: str | None = None
    since: datetime | None = None
    until: datetime | None = None


async def log_page(
    conn: Connection, *, where: LogFilter, scope: Scope, limit: int
) -> list[asyncpg.Record]:
    """A page of entries in append order; of those the scope sees (donors.Scope.sees_entry)."""
    return list(
        await conn.fetch(
            f"{_ITEM} WHERE idx > $1 AND ($2::text IS NULL OR event_type = $2)"
            " AND ($3::text IS NULL OR subject = $3)"
            " AND ($4::timestamptz IS NULL OR recorded_at >= $4)"
            " AND ($5::timestamptz IS NULL OR recorded_at < $5)"
            " AND ($6::text[] IS NULL"
            "  OR (grant_id = ANY($6::text[]) AND event_type = ANY($7::text[]))"
            "  OR (event_type = $8 AND subject = ANY($9::text[])))"
            " ORDER BY idx LIMIT $10",
            where.after,
            where.event_type,
            where.subject,
            where.since,
            where.until,
            None if scope.everything else sorted(scope.grants),
            list(REPORT_TYPES),
            SUBMITTED,
            sorted(scope.cases),
            limit,
        )
    )


async def entry_keys(conn: Connection, index: int) -> asyncpg.Record | None:
    """What decides who may see an entry: its type, grant and subject."""
    row: asyncpg.Record | None = await conn.fetchrow(
        "SELECT event_type, grant_id, subject FROM log_entries WHERE idx = $1", index
    )
    return row


async def entries_between(conn: Connection, *, first: int, last: int) -> list[asyncpg.Record]:
    return list(await conn.fetch(f"{_ITEM} WHERE idx BETWEEN $1 AND $2 ORDER BY idx", first, last))


async def grant_entries(
    conn: Connection, *, grant_ids: Sequence[str], event_types: Sequence[str], below: int | None
) -> list[asyncpg.Record]:
    """(idx, event) of the grants' entries of these types, below index `below` when given."""
    return list(
        await conn.fetch(
            "SELECT idx, event FROM log_entries WHERE grant_id = ANY($1::text[])"
            " AND event_type = ANY($2::text[]) AND ($3::bigint IS NULL OR idx < $3) ORDER BY idx",
            list(grant_ids),
            list(event_types),
            below,
        )
    )


async def grant_events(conn: Connection, *, event_types: Sequence[str]) -> list[asyncpg.Record]:
    """(idx, nats_subject, event) of every grant's creation and adjustments, in log order."""
    return list(
        await conn.fetch(
            "SELECT idx, nats_subject, event FROM log_entries"
            " WHERE event_type = ANY($1::text[]) AND grant_id IS NOT NULL ORDER BY idx",
            list(event_types),
        )
    )


async def case_entries(
    conn: Connection, *, case_ids: Sequence[str], event_type: str, below: int | None
) -> list[asyncpg.Record]:
    """(idx, event) of the entries of one type about these cases (their subject)."""
    return list(
        await conn.fetch(
            "SELECT idx, event FROM log_entries WHERE subject = ANY($1::text[])"
            " AND event_type = $2 AND ($3::bigint IS NULL OR idx < $3) ORDER BY idx",
            list(case_ids),
            event_type,
            below,
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
