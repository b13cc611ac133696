"""Audit: append rate of a burst, offline verification speed, tree heads and proofs at 1 M."""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import nats
import orjson
import rfc8785
from pymerkle import InmemoryTree

from bench.report import Json, ratio
from dev.stack import Stack
from services.audit.domain import merkle
from services.audit.domain.memory_tree import MemoryTree
from services.audit.verifier.verdict import verify_export

BENCH_SUBJECT = "vfund.bench.load.generated"
BENCH_TYPE = "org.vfund.bench.load.generated.v1"


def burst(k: int) -> list[bytes]:
    """k valid CloudEvents of the size the services emit (ids, codes, amounts; no personal data)."""
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    out = []
    for i in range(k):
        event_id = str(uuid.uuid4())
        out.append(
            orjson.dumps(
                {
                    "specversion": "1.0",
                    "id": event_id,
                    "source": "/vfund/bench",
                    "type": BENCH_TYPE,
                    "subject": str(uuid.uuid4()),
                    "time": now,
                    "datacontenttype": "application/json",
                    "data": {
                        "n": i,
                        "org_id": "org-a",
                        "country": "LB",
                        "urgency": "standard",
                        "items": [
                            {
                                "item_id": "item-1",
                                "category": "medical",
                                "amount": "1200.00",
                                "currency": "CHF",
                            }
                        ],
                    },
                    "correlationid": event_id,
                    "causationid": event_id,
                    "actor": "bench",
                }
            )
        )
    return out


async def _publish_all(nats_url: str, bodies: list[bytes]) -> tuple[int, int]:
    """Publish to the VFUND stream (awaiting every PubAck); the first and last stream sequence."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        seqs: list[int] = []
        for start in range(0, len(bodies), 512):
            acks = await asyncio.gather(
                *(
                    js.publish(
                        BENCH_SUBJECT, body, headers={"Nats-Msg-Id": orjson.loads(body)["id"]}
                    )
                    for body in bodies[start : start + 512]
                )
            )
            seqs += [a.seq for a in acks]
        return min(seqs), max(seqs)
    finally:
        await nc.close()


async def append(
    stack: Stack, audit_dsn: str, bodies: list[bytes], raw_d: Json, wait_s: float = 120.0
) -> Json:
    """A backlog of len(bodies) events while the audit writer is stopped, then the writer's rate
    at draining it: entries between the first and last commit of the burst (commit timestamps),
    so that the restart itself is not counted; the raw equivalent is raw (d)."""
    assert stack.nats_url
    svc = stack.services["audit"]
    svc.stop()
    first, last = await _publish_all(stack.nats_url, bodies)
    started = time.perf_counter()
    svc.start()
    svc.wait_ready()
    ready = time.perf_counter() - started
    conn = await asyncpg.connect(audit_dsn)
    try:
        burst_rows = "FROM log_entries WHERE stream_seq BETWEEN $1 AND $2"
        deadline = time.monotonic() + wait_s
        while True:
            count = await conn.fetchval(f"SELECT count(*) {burst_rows}", first, last)
            if count >= len(bodies) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.25)
        drained = time.perf_counter() - started
        # Entries committed after the first commit, over the time from the first to the last.
        commits = await conn.fetch(
            f"SELECT pg_xact_commit_timestamp(xmin) AS at, count(*) AS n {burst_rows}"
            " GROUP BY 1 ORDER BY 1",
            first,
            last,
        )
    finally:
        await conn.close()
    span = (commits[-1]["at"] - commits[0]["at"]).total_seconds() if commits else 0.0
    after_first = count - (commits[0]["n"] if commits else 0)
    method = "entries committed after the first commit / first-to-last commit time"
    if span > 0:
        per_s: float | None = round(after_first / span, 1)
    else:  # one transaction took the whole burst: only the wall clock (0.25 s polls) is left
        method = "entries / time from the writer's readiness to the count (one transaction)"
        per_s = round(count / max(drained - ready, 1e-3), 1) if count else None
    return {
        "k": len(bodies),
        "appended": count,
        "entries_per_s": per_s,
        "transactions": len(commits),
        "restart_to_ready_s": round(ready, 2),
        "restart_to_drained_s": round(drained, 2),
        "raw_per_s": raw_d.get("per_s"),
        "ratio": ratio(per_s, raw_d.get("per_s")),
        "complete": count >= len(bodies),
        "method": method,
    }


async def export_lines(audit_dsn: str, at_least: int) -> tuple[list[bytes], int]:
    """The log as `GET /export` lines (index, event as received, recorded_at, leaf_hash), its
    entries repeated (and renumbered) up to at_least lines; (lines, entries really logged)."""
    conn = await asyncpg.connect(audit_dsn)
    try:
        rows = await conn.fetch(
            "SELECT event, recorded_at, leaf_hash FROM log_entries ORDER BY idx"
        )
    finally:
        await conn.close()
    parts = [
        (
            r["event"].encode(),
            r["recorded_at"].isoformat().encode(),
            bytes(r["leaf_hash"]).hex().encode(),
        )
        for r in rows
    ]
    if not parts:
        return [], 0
    total = max(at_least, len(parts))
    return [
        b'{"index":%d,"event":%s,"recorded_at":"%s","leaf_hash":"%s"}' % (i, *parts[i % len(parts)])
        for i in range(total)
    ], len(parts)


def _reference_verify(lines: list[bytes]) -> str:
    """The same check done with the libraries: rfc8785 canonical JSON, a pymerkle tree."""
    tree = InmemoryTree()
    for position, line in enumerate(lines):
        entry = orjson.loads(line)
        if entry["index"] != position:
            raise ValueError(f"entry {position} out of order")
        index = tree.append_entry(rfc8785.dumps(entry["event"]))
        if tree.get_leaf(index).hex() != entry["leaf_hash"]:
            raise ValueError(f"entry {position}: leaf hash mismatch")
    return bytes(tree.get_root()).hex()


def _rate(run: Callable[[], Any], n: int, min_seconds: float = 1.0) -> tuple[float, Any]:
    """Best rate (items per second) over repetitions lasting together at least min_seconds."""
    best, spent, result = 0.0, 0.0, None
    while spent < min_seconds or best == 0.0:
        began = time.perf_counter()
        result = run()
        took = time.perf_counter() - began
        spent += took
        best = max(best, n / took)
    return round(best, 1), result


def verification(lines: list[bytes], logged: int) -> Json:
    """verify_export over the export's bytes in memory, as `vfund audit verify` reads a file
    (one process, then one per CPU), next to the same checks done with rfc8785 and pymerkle."""
    if not lines:
        return {"entries": 0}
    n, cpus = len(lines), os.cpu_count() or 1
    export = b"".join(line if line.endswith(b"\n") else line + b"\n" for line in lines)
    ours, result = _rate(lambda: verify_export(export, None, [], workers=1, allow_unsigned=True), n)
    parallel, _ = _rate(
        lambda: verify_export(export, None, [], workers=cpus, allow_unsigned=True), n
    )
    theirs, root = _rate(lambda: _reference_verify(lines), n, min_seconds=0.0)
    return {
        "entries": n,
        "distinct_logged_entries": logged,
        "entries_per_s": ours,
        "parallel_per_s": parallel,
        "parallel_workers": cpus,
        "reference_per_s": theirs,
        "ratio": ratio(ours, theirs),
        "ok": result.ok,
        "same_root": root == result.root_hash,
        "target_per_s": 300_000,
    }


def _median_ms(op: Callable[[int], Any], args: list[int]) -> Json:
    times = []
    for arg in args:
        began = time.perf_counter()
        op(arg)
        times.append(time.perf_counter() - began)
    return {
        "median_ms": round(statistics.median(times) * 1000, 4),
        "max_ms": round(max(times) * 1000, 4),
        "calls": len(times),
    }


def tree_operations(size: int, reference_size: int, calls: int = 200) -> Json:
    """Tree head and proofs at `size` leaves over services.audit.merkle's functions reading an
    in-memory node store, next to pymerkle's InmemoryTree (at reference_size leaves)."""
    leaves = [merkle.leaf_hash(i.to_bytes(8, "big")) for i in range(size)]
    began = time.perf_counter()
    store = MemoryTree(leaves)
    built = time.perf_counter() - began
    rng = random.Random(7)
    picks = [rng.randrange(1, size) for _ in range(calls)]
    out: Json = {
        "size": size,
        "build_s": round(built, 2),
        "root_hash": _median_ms(lambda _a: merkle.root_hash(size, store.node), picks),
        "inclusion_proof": _median_ms(lambda a: merkle.inclusion_proof(a, size, store.node), picks),
        "consistency_proof": _median_ms(
            lambda a: merkle.consistency_proof(a, size, store.node), picks
        ),
        "store": "MemoryTree: one bytearray of 32-byte hashes per level, node(level, index)",
        "target_ms": 1.0,
    }
    began = time.perf_counter()
    ref = InmemoryTree.init_from_entries([i.to_bytes(8, "big") for i in range(reference_size)])
    ref_built = time.perf_counter() - began
    ref_picks = [rng.randrange(1, reference_size) for _ in range(calls)]
    out["pymerkle"] = {
        "size": reference_size,
        "build_s": round(ref_built, 2),
        "root_hash": _median_ms(lambda _a: ref.get_root(reference_size), ref_picks),
        "inclusion_proof": _median_ms(lambda a: ref.prove_inclusion(a, reference_size), ref_picks),
        "consistency_proof": _median_ms(
            lambda a: ref.prove_consistency(a, reference_size), ref_picks
        ),
    }
    return out
