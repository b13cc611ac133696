"""The machine's raw limit, measured in the same run on the same servers, with nothing of vfund.

(a) JetStream publish (awaiting each PubAck) and pull consume + ack, on a file-storage stream of
    the server the services use (so `sync_interval: always` applies to both);
(b) asyncpg: one transaction with one insert per item;
(c) one transaction + one durable publish: the raw equivalent of `POST /cases`;
(d) fetch 256 from a pull consumer, insert them in one transaction, ack: the audit writer's job.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import nats
from nats.aio.client import Client as NatsClient
from nats.js.api import AckPolicy, ConsumerConfig, StorageType, StreamConfig

from bench.report import Json, latency

STREAM = "BENCHRAW"
DATABASE = "vfund_bench_raw"
PAYLOAD = b'{"specversion":"1.0","type":"org.vfund.bench.raw.v1","data":{"n":' + b"0" * 400 + b"}}"

TABLE = """
CREATE TABLE IF NOT EXISTS raw_items (
    id uuid PRIMARY KEY, kind text NOT NULL, body text NOT NULL, digest bytea NOT NULL,
    at timestamptz NOT NULL DEFAULT now())
"""


def dsn_for(admin_dsn: str, database: str) -> str:
    return admin_dsn.rsplit("/", 1)[0] + "/" + database


async def prepare(nats_url: str, admin_dsn: str) -> None:
    """A stream and a database of our own, configured as the system's are."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        if not await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DATABASE):
            await conn.execute(f"CREATE DATABASE {DATABASE}")
    finally:
        await conn.close()
    conn = await asyncpg.connect(dsn_for(admin_dsn, DATABASE))
    try:
        await conn.execute(TABLE)
    finally:
        await conn.close()
    nc = await nats.connect(nats_url)
    try:
        await nc.jetstream().add_stream(
            StreamConfig(
                name=STREAM,
                subjects=["benchraw.>"],
                storage=StorageType.FILE,
                duplicate_window=120.0,
                max_age=0,
            )
        )
    finally:
        await nc.close()


async def closed_loop(
    n: int, concurrency: int, op: Callable[[int], Awaitable[None]]
) -> tuple[float, list[float]]:
    """Run op(0..n-1) with `concurrency` workers; (elapsed seconds, per-op latencies)."""
    counter = iter(range(n))
    latencies: list[float] = []

    async def worker() -> None:
        for i in counter:
            began = time.perf_counter()
            await op(i)
            latencies.append(time.perf_counter() - began)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies


def _rate(n: int, elapsed: float) -> float:
    return round(n / elapsed, 1) if elapsed > 0 else 0.0


async def nats_publish_consume(nats_url: str, n: int, concurrency: int) -> Json:
    """(a): n publishes at `concurrency`, each awaiting its PubAck; then pull + ack them all."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        run = uuid.uuid4().hex[:8]
        subject = f"benchraw.a.{run}"

        async def publish(i: int) -> None:
            await js.publish(subject, PAYLOAD, headers={"Nats-Msg-Id": f"{run}-{i}"})

        elapsed, lat = await closed_loop(n, concurrency, publish)
        consumed, consume_s = await _drain(nc, subject, n, lambda _batch: _noop())
        return {
            "n": n,
            "publish_per_s": _rate(n, elapsed),
            "publish_latency": latency(lat),
            "consume_per_s": _rate(consumed, consume_s),
        }
    finally:
        await nc.close()


async def _noop() -> None:
    return None


async def _drain(
    nc: NatsClient,
    subject: str,
    n: int,
    handle: Callable[[list[Any]], Awaitable[None]],
    batch: int = 256,
) -> tuple[int, float]:
    """Pull every message on subject in batches, handle each batch, ack; (count, seconds)."""
    js = nc.jetstream()
    sub = await js.pull_subscribe(
        subject,
        stream=STREAM,
        config=ConsumerConfig(
            ack_policy=AckPolicy.EXPLICIT, max_ack_pending=-1, inactive_threshold=60.0
        ),
    )
    done = 0
    started = time.perf_counter()
    try:
        while done < n:
            msgs = await sub.fetch(min(batch, n - done), timeout=5)
            await handle(msgs)
            for msg in msgs:
                await msg.ack()
            done += len(msgs)
        await nc.flush()
        return done, time.perf_counter() - started
    finally:
        await sub.unsubscribe()


async def pg_inserts(admin_dsn: str, n: int, concurrency: int) -> Json:
    """(b): one transaction per insert, `concurrency` connections."""
    pool = await asyncpg.create_pool(
        dsn_for(admin_dsn, DATABASE), min_size=concurrency, max_size=concurrency
    )
    try:

        async def insert(_i: int) -> None:
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    "INSERT INTO raw_items (id, kind, body, digest) VALUES ($1, 'b', $2, $3)",
                    uuid.uuid4(),
                    PAYLOAD.decode(),
                    hashlib.sha256(PAYLOAD).digest(),
                )

        elapsed, lat = await closed_loop(n, concurrency, insert)
        return {"n": n, "per_s": _rate(n, elapsed), **_ms(latency(lat))}
    finally:
        await pool.close()


def _ms(lat: Json) -> Json:
    return {k: v for k, v in lat.items() if k.endswith("_ms")}


async def tx_publish(nats_url: str, admin_dsn: str, n: int, concurrency: int) -> Json:
    """(c): commit one row, then publish one event and await its PubAck — per item."""
    pool = await asyncpg.create_pool(
        dsn_for(admin_dsn, DATABASE), min_size=concurrency, max_size=concurrency
    )
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()

        async def submit(_i: int) -> None:
            item = uuid.uuid4()
            async with pool.acquire() as conn, conn.transaction():
                await conn.execute(
                    "INSERT INTO raw_items (id, kind, body, digest) VALUES ($1, 'c', $2, $3)",
                    item,
                    PAYLOAD.decode(),
                    hashlib.sha256(PAYLOAD).digest(),
                )
            await js.publish("benchraw.c", PAYLOAD, headers={"Nats-Msg-Id": str(item)})

        elapsed, lat = await closed_loop(n, concurrency, submit)
        return {"n": n, "per_s": _rate(n, elapsed), **_ms(latency(lat))}
    finally:
        await nc.close()
        await pool.close()


async def batched_fetch_insert(nats_url: str, admin_dsn: str, bodies: list[bytes]) -> Json:
    """(d): a backlog of the given events; fetch 256, COPY them in one transaction, ack each."""
    nc = await nats.connect(nats_url)
    conn = await asyncpg.connect(dsn_for(admin_dsn, DATABASE))
    try:
        js = nc.jetstream()
        run = uuid.uuid4().hex[:8]
        subject = f"benchraw.d.{run}"
        acks = [
            js.publish(subject, body, headers={"Nats-Msg-Id": f"{run}-{i}"})
            for i, body in enumerate(bodies)
        ]
        for start in range(0, len(acks), 512):
            await asyncio.gather(*acks[start : start + 512])

        async def insert(msgs: list[Any]) -> None:
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "raw_items",
                    columns=["id", "kind", "body", "digest"],
                    records=[
                        (
                            uuid.uuid4(),
                            "d",
                            m.data.decode(),
                            hashlib.sha256(b"\0" + m.data).digest(),
                        )
                        for m in msgs
                    ],
                )

        done, seconds = await _drain(nc, subject, len(bodies), insert)
        return {"n": done, "per_s": _rate(done, seconds), "batch": 256}
    finally:
        await conn.close()
        await nc.close()


async def measure(
    nats_url: str, admin_dsn: str, *, n: int, concurrency: int, audit_bodies: list[bytes]
) -> Json:
    await prepare(nats_url, admin_dsn)
    return {
        "nats": await nats_publish_consume(nats_url, n, concurrency),
        "pg_insert": await pg_inserts(admin_dsn, n, concurrency),
        "tx_publish": await tx_publish(nats_url, admin_dsn, n, concurrency),
        "batched_fetch_insert": await batched_fetch_insert(nats_url, admin_dsn, audit_bodies),
        "concurrency": concurrency,
    }
