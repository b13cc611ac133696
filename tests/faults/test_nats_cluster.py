"""The distributed engine: three nats-server nodes clustered as deploy/ configures production."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import httpx
import nats
import pytest
from support import make_stack as _unused  # noqa: F401 - keeps the support path import order
from support import query, wait_for
from test_restarts import Load, _all_reflected

from dev.servers import NatsCluster, NatsNode
from dev.stack import Stack
from shared.stream import ensure_streams


async def _stream_ready(url: str) -> bool:
    try:
        nc = await nats.connect(url.split(","), connect_timeout=2, max_reconnect_attempts=1)
    except Exception:
        return False
    try:
        await ensure_streams(nc.jetstream(), replicas=3)
        return True
    except Exception:
        return False
    finally:
        await nc.close()


async def _leader(url: str) -> str | None:
    nc = await nats.connect(url.split(","), max_reconnect_attempts=2)
    try:
        info = await nc.jetstream().stream_info("VFUND")
        return info.cluster.leader if info.cluster else None
    finally:
        await nc.close()


def _node_state(node: NatsNode) -> dict[str, Any] | None:
    try:
        jsz = httpx.get(f"http://127.0.0.1:{node.monitor_port}/jsz?streams=true", timeout=2).json()
    except httpx.HTTPError:
        return None
    for account in jsz.get("account_details", []):
        for stream in account.get("stream_detail", []):
            if stream["name"] == "VFUND":
                state = stream["state"]
                return {k: state[k] for k in ("messages", "bytes", "first_seq", "last_seq")}
    return None


@pytest.fixture(scope="module")
def cluster_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, NatsCluster]]:
    root = tmp_path_factory.mktemp("cluster")
    cluster = NatsCluster(root / "nats")
    cluster.start()
    stack: Stack | None = None
    try:
        wait_for(
            lambda: asyncio.run(_stream_ready(cluster.url)),
            timeout=60,
            interval=0.5,
            what="JetStream cluster with a replicas-3 stream",
        )
        stack = Stack(
            root=root,
            nats_url=cluster.url,
            stream_replicas=3,
            extra_env={"VFUND_OUTBOX_POLL_SECONDS": "0.5"},
        )
        stack.start_servers()
        stack.provision()
        stack.start_services(("intake", "assessment", "audit"))
        yield stack, cluster
    finally:
        if stack is not None:
            stack.stop()
        cluster.stop()


def test_node_loss_leader_pause_lose_nothing(cluster_stack: tuple[Stack, NatsCluster]) -> None:
    from support import Api

    stack, cluster = cluster_stack
    api = Api(stack)
    with Load(api) as load:
        wait_for(lambda: len(load.accepted) >= 10, timeout=30, what="load running")
        for node in cluster.nodes:
            node.kill()
            lost_at = time.monotonic()
            before = len(load.accepted)
            wait_for(
                lambda b=before: len(load.accepted) >= b + 5,
                timeout=30,
                what=f"writes resumed within 30 s of losing {node.name}",
            )
            assert time.monotonic() - lost_at < 30
            cluster.restart(node)
            wait_for(
                lambda: asyncio.run(_stream_ready(cluster.url)),
                timeout=30,
                what=f"{node.name} back",
            )
        leader_name = asyncio.run(_leader(cluster.url))
        leader = next(n for n in cluster.nodes if n.name == leader_name)
        assert leader.proc is not None
        os.kill(leader.proc.pid, signal.SIGSTOP)
        try:
            before = len(load.accepted)
            wait_for(
                lambda: len(load.accepted) >= before + 5,
                timeout=30,
                what="writes resumed while the stream leader is frozen",
            )
        finally:
            os.kill(leader.proc.pid, signal.SIGCONT)
        before = len(load.accepted)
        wait_for(lambda: len(load.accepted) >= before + 5, timeout=30, what="load after thaw")

    _all_reflected(stack, load.accepted)
    submitted = query(stack.service_dsns["intake"], "SELECT count(*) FROM cases")[0][0]
    assert submitted == len(set(load.accepted)), "every 2xx is one case, no case without a 2xx"

    def identical() -> bool:
        states = [_node_state(n) for n in cluster.nodes]
        return all(s is not None for s in states) and all(s == states[0] for s in states)

    wait_for(identical, timeout=60, interval=0.5, what="every node's copy of the stream identical")
