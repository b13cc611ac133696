"""The log writer on real PostgreSQL: replicas appending at once stay one contiguous tree."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import Iterator

import asyncpg
import pytest

from dev.provision import migrate_service
from dev.stack import Stack
from services.audit import repository
from services.audit.commands import LogWriter
from services.audit.domain import merkle
from services.audit.domain.entries import NewEntry
from services.audit.domain.memory_tree import MemoryTree
from shared.db import Db


@pytest.fixture
def scratch_dsn(stack: Stack) -> Iterator[str]:
    """A freshly migrated audit database of its own on the session's server."""
    admin = stack.admin_dsn or ""
    name = f"audit_scratch_{secrets.token_hex(4)}"

    async def admin_sql(sql: str) -> None:
        conn = await asyncpg.connect(admin)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin_sql(f'CREATE DATABASE "{name}"'))
    dsn = admin.rsplit("/", 1)[0] + "/" + name
    try:
        asyncio.run(migrate_service("audit", dsn))
        yield dsn
    finally:
        asyncio.run(admin_sql(f'DROP DATABASE "{name}" WITH (FORCE)'))


def entry(event_id: str) -> NewEntry:
    body = f'{{"id": "{event_id}"}}'
    return NewEntry(event_id, "vfund.x", "t", "s", None, body, merkle.leaf_hash(body.encode()), 1)


def test_two_writers_append_each_event_once_into_one_contiguous_tree(scratch_dsn: str) -> None:
    ids = [str(uuid.uuid4()) for _ in range(300)]

    async def scenario() -> None:
        dbs = [await Db.connect(scratch_dsn, min_size=1, max_size=2) for _ in range(2)]
        writers = [LogWriter(db) for db in dbs]
        for writer in writers:
            await writer.load()

        async def feed(writer: LogWriter, offset: int) -> None:
            # Overlapping slices: every id reaches both writers, in different batches.
            for start in range(offset, len(ids), 13):
                await writer.append([entry(i) for i in ids[start : start + 17]])

        await asyncio.gather(feed(writers[0], 0), feed(writers[1], 5))
        await writers[0].append([entry(ids[0]), entry(ids[0])])  # a duplicate, twice
        async with dbs[0].connection() as conn:
            rows = await conn.fetch("SELECT idx, event_id, leaf_hash FROM log_entries ORDER BY idx")
            size = await repository.log_size(conn)
            frontier = await repository.fetch_nodes(conn, merkle.frontier_nodes(size))
            stored = await conn.fetch("SELECT level, idx, hash FROM tree_nodes")
        for db in dbs:
            await db.close()
        assert [r["idx"] for r in rows] == list(range(len(ids)))
        assert sorted(r["event_id"] for r in rows) == sorted(ids)
        tree = MemoryTree(bytes(r["leaf_hash"]) for r in rows)
        assert merkle.root_hash(size, frontier) == tree.root()
        assert all(bytes(n["hash"]) == tree.node(n["level"], n["idx"]) for n in stored)
        assert len(stored) == sum(len(ids) >> level for level in range(1, 10))

    asyncio.run(scenario())
