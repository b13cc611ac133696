"""User flows over HTTP: intake throughput, propagation to assessment and audit, decision to
payment. Latencies between services are read from PostgreSQL commit timestamps and from the
stream, never by polling the services' HTTP APIs (polling would load what it measures)."""

from __future__ import annotations

import asyncio
import time
import uuid
from datetime import datetime
from typing import Any

import asyncpg
import nats
from nats.aio.client import Client as NatsClient

from bench.http import Http
from bench.raw import closed_loop
from bench.report import Json, latency, ratio
from bench.system import CpuMeter, Target, cpu_used
from shared.events import subjects

CASE_SUBMITTED_TYPE = "org.vfund.intake.case.submitted.v1"
_LETTERS = str.maketrans("0123456789abcdef", "bcdfghjklmnpqrst")


def case_body(category: str = "medical", amount: str = "1200.00") -> dict[str, Any]:
    """A valid request whose victim is unique (no duplicate suspicion between bench cases)."""
    # Letters only, no date of birth, no number in the contact: no blind-index token is shared.
    tag = uuid.uuid4().hex[:16].translate(_LETTERS)
    return {
        "victim": {
            "full_name": f"Bench {tag[:8]} {tag[8:]}",
            "sex": "female",
            "nationality": "SY",
            "contact": "via partner office",
        },
        "country": "LB",
        "urgency": "standard",
        "items": [
            {
                "category": category,
                "description": "specialist treatment",
                "amount": amount,
                "currency": "CHF",
            }
        ],
        "facts": "Narrative of the facts as told to the caseworker.",
        "no_other_support": True,
        "consent": {"given": True, "date": "2026-11-01"},
    }


def client(concurrency: int) -> Http:
    return Http(concurrency)


async def submit(http: Http, target: Target) -> str:
    response = await http.post(
        f"{target.urls['intake']}/cases", json=case_body(), headers=target.auth("caseworker-a")
    )
    if response.status != 201:
        raise RuntimeError(f"POST /cases answered {response.status}: {response.text[:300]}")
    return str(response.json()["case_id"])


async def intake(target: Target, *, n: int, concurrency: int, raw_c: Json, cpu: CpuMeter) -> Json:
    """Closed loop: `concurrency` caseworkers submitting n cases as fast as they are answered;
    with the CPU each process used meanwhile (the consumers downstream work at the same time)."""
    async with client(concurrency) as http:

        async def one(_i: int) -> None:
            await submit(http, target)

        # Warm up at full concurrency: connection pools grown, statements prepared.
        await closed_loop(4 * concurrency, concurrency, one)
        before = cpu()
        elapsed, lat = await closed_loop(n, concurrency, one)
        used = cpu_used(before, cpu(), n, elapsed)
    per_s = round(n / elapsed, 1)
    figures = latency(lat)
    return {
        "n": n,
        "concurrency": concurrency,
        "cases_per_s": per_s,
        "p50_ms": figures["p50_ms"],
        "p99_ms": figures["p99_ms"],
        "max_ms": figures["max_ms"],
        "raw_per_s": raw_c.get("per_s"),
        "ratio": ratio(per_s, raw_c.get("per_s")),
        "cpu_ms_per_case": used,
    }


async def open_loop(rate: float, n: int, action: Any) -> list[Any]:
    """Start action(i) at i / rate seconds, whether or not earlier ones have finished."""
    began = time.perf_counter()

    async def at(i: int) -> Any:
        await asyncio.sleep(max(0.0, began + i / rate - time.perf_counter()))
        return await action(i)

    return list(await asyncio.gather(*(at(i) for i in range(n))))


async def commit_times(
    dsn: str, sql: str, keys: list[str], *, wait_s: float, stall_s: float = 35.0
) -> dict[str, float]:
    """key → commit time (epoch seconds) of the row sql finds for it; waits until all are there
    (or until wait_s, or until nothing new has come for stall_s: a little longer than the
    consumers' ack wait, so that an event redelivered after a lost delivery is still counted).

    `pg_xact_commit_timestamp(xmin)` is the instant the row's transaction committed, on the
    same clock as the bench's `time.time()` (one machine)."""
    conn = await asyncpg.connect(dsn)
    try:
        deadline = time.monotonic() + wait_s
        seen, progress_at = -1, time.monotonic()
        while True:
            rows = await conn.fetch(sql, keys)
            now = time.monotonic()
            if len(rows) > seen:
                seen, progress_at = len(rows), now
            if len(rows) >= len(keys) or now > deadline or now - progress_at > stall_s:
                break
            await asyncio.sleep(0.2)
        found: dict[str, float] = {}
        for key, committed in rows:
            if committed is None:
                raise RuntimeError("no commit timestamp: is track_commit_timestamp on?")
            assert isinstance(committed, datetime)
            found[str(key)] = committed.timestamp()
        return found
    finally:
        await conn.close()


async def queued_times(target: Target, case_ids: list[str]) -> dict[str, float]:
    """case id → when its row committed in the assessment database (it is then in a queue)."""
    return await commit_times(
        target.db_dsn("assessment"),
        "SELECT case_id::text, pg_xact_commit_timestamp(xmin) FROM case_files"
        " WHERE case_id::text = ANY($1::text[])",
        case_ids,
        wait_s=60,
    )


async def quiet(nc: NatsClient, within_s: float = 60.0) -> None:
    """Until every durable consumer has taken and acknowledged everything (twice in a row):
    a latency measured while the system still digests an earlier stage's backlog would
    measure that backlog."""
    js = nc.jetstream()
    deadline, calm = time.monotonic() + within_s, 0
    while calm < 2 and time.monotonic() < deadline:
        infos = await js.consumers_info(subjects.STREAM)
        busy = any(i.num_pending or i.num_ack_pending for i in infos if i.config.durable_name)
        calm = 0 if busy else calm + 1
        await asyncio.sleep(0.2)


async def propagation(target: Target, *, rate: float, n: int) -> Json:
    """Open loop at `rate`: POST /cases returning → the case's row committed in the assessment
    database (it is then in the queue) and → its entry committed in the audit log. A first
    pass at the same rate warms the system up (not measured); each pass starts from a system
    that has caught up."""
    responded: dict[str, float] = {}
    nc = await nats.connect(target.nats_url)
    try:
        async with client(64) as http:

            async def warm(_i: int) -> None:
                await submit(http, target)

            async def one(_i: int) -> None:
                case_id = await submit(http, target)
                responded[case_id] = time.time()

            await quiet(nc)
            await open_loop(rate, max(20, n // 3), warm)
            await quiet(nc)
            await open_loop(rate, n, one)
    finally:
        await nc.close()
    keys = list(responded)
    assessed = await queued_times(target, keys)
    audited = await commit_times(
        target.db_dsn("audit"),
        "SELECT subject, pg_xact_commit_timestamp(xmin) FROM log_entries"
        f" WHERE event_type = '{CASE_SUBMITTED_TYPE}' AND subject = ANY($1::text[])",
        keys,
        wait_s=60,
    )
    return {
        "rate_per_s": round(rate, 1),
        "n": n,
        "to_assessment": latency([assessed[k] - responded[k] for k in keys if k in assessed])
        | {"missing": n - len(assessed)},
        "to_audit": latency([audited[k] - responded[k] for k in keys if k in audited])
        | {"missing": n - len(audited), "target_p99_ms": 25.0},
        "method": "PostgreSQL commit timestamp of the row minus the client's receipt of 201",
    }
