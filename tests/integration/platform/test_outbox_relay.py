"""The outbox relay against real PostgreSQL and JetStream: gaps, rollbacks, replicas."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from support import scratch_database

from dev.servers import EmbeddedNats
from dev.stack import Stack
from shared import outbox
from shared.db import Db, migrate
from shared.events.envelope import new_event
from shared.events.intake import CaseClosed
from shared.service import PLATFORM_MIGRATIONS
from shared.stream import ensure_streams

SUBJECT = "vfund.intake.case.closed"


@pytest.fixture
async def scratch(stack: Stack, tmp_path: Path) -> AsyncIterator[tuple[Db, str]]:
    """A database of its own on the suite's server, and a NATS server of its own."""
    async with scratch_database(stack, "relay") as dsn:
        await migrate(dsn, PLATFORM_MIGRATIONS)
        server = EmbeddedNats(tmp_path / "nats")
        server.start()
        try:
            nc = await nats.connect(server.url)
            await ensure_streams(nc.jetstream())
            await nc.close()
            db = await Db.connect(dsn, min_size=2, max_size=40)
            try:
                yield db, server.url
            finally:
                await db.close()
        finally:
            server.stop()


def _event(n: int) -> tuple[str, object]:
    return SUBJECT, new_event(
        SUBJECT,
        CaseClosed(case_id=f"case-{n}"),
        service="intake",
        subject=f"case-{n}",
        actor="test",
    )


async def _published_ids(url: str) -> list[str]:
    nc = await nats.connect(url)
    try:
        js = nc.jetstream()
        sub = await js.pull_subscribe(
            SUBJECT,
            stream="VFUND",
            config=ConsumerConfig(deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE),
        )
        ids: list[str] = []
        while (pending := (await sub.consumer_info()).num_pending) > 0:
            ids += [
                m.headers["Nats-Msg-Id"]
                for m in await sub.fetch(min(pending, 500), timeout=5)
                if m.headers
            ]
        return ids
    finally:
        await nc.close()


async def test_rows_committed_out_of_id_order_are_all_published(scratch: tuple[Db, str]) -> None:
    db, url = scratch
    nc = await nats.connect(url)
    relays = [
        outbox.OutboxRelay(db, nc.jetstream(), service="intake", batch=16, poll_seconds=0.2)
        for _ in range(2)
    ]  # two replicas
    tasks = [asyncio.create_task(r.run()) for r in relays]
    expected: list[str] = []

    async def writer(n: int) -> None:
        subject, event = _event(n)
        async with db.transaction() as tx:
            await outbox.add(tx, [(subject, event)], service="intake")  # type: ignore[list-item]
            # Hold the transaction open: later ids commit first and the relay sees the gap.
            await asyncio.sleep(random.uniform(0, 0.3))
        expected.append(event.id)  # type: ignore[attr-defined]

    await asyncio.gather(*(writer(n) for n in range(300)))
    try:
        for _ in range(200):
            published = await _published_ids(url)
            if len(set(published)) >= len(expected):
                break
            await asyncio.sleep(0.1)
        assert sorted(set(published)) == sorted(expected)
        assert len(published) == len(set(published)), "an event was published twice"
        async with db.connection() as conn:
            assert await conn.fetchval("SELECT count(*) FROM outbox") == 0
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await nc.close()


async def test_a_rolled_back_transaction_publishes_nothing(scratch: tuple[Db, str]) -> None:
    db, url = scratch
    nc = await nats.connect(url)
    relay = outbox.OutboxRelay(db, nc.jetstream(), service="intake", poll_seconds=0.1)
    task = asyncio.create_task(relay.run())
    try:
        subject, doomed = _event(1)
        with pytest.raises(RuntimeError):
            async with db.transaction() as tx:
                await outbox.add(tx, [(subject, doomed)], service="intake")  # type: ignore[list-item]
                raise RuntimeError("the state change failed")
        subject, kept = _event(2)
        async with db.transaction() as tx:
            await outbox.add(tx, [(subject, kept)], service="intake")  # type: ignore[list-item]
        for _ in range(100):
            ids = await _published_ids(url)
            if ids:
                break
            await asyncio.sleep(0.05)
        assert ids == [kept.id]  # type: ignore[attr-defined]
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await nc.close()
