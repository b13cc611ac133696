"""Durability is explicit: a service refuses a stream weaker than its configuration asks."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import nats
import pytest
from support import make_stack, query

from dev.servers import nats_config
from shared.stream import stream_config


async def _replace_stream(nats_url: str, **changes: object) -> None:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await js.delete_stream("VFUND")
        await js.add_stream(dataclasses.replace(stream_config(), **changes))
    finally:
        await nc.close()


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"storage": "memory"}, "storage is not file"),
        ({"duplicate_window": 5.0}, "duplicate window"),
    ],
)
def test_service_refuses_a_weaker_stream(
    tmp_path: Path, changes: dict[str, object], why: str
) -> None:
    from nats.js.api import StorageType

    if changes.get("storage") == "memory":
        changes = {"storage": StorageType.MEMORY}
    stack = make_stack(tmp_path / "weak", own_servers=True)
    try:
        asyncio.run(_replace_stream(stack.nats_url or "", **changes))
        stack.start_services(("intake",), wait=False)
        svc = stack.services["intake"]
        assert svc.proc is not None
        assert svc.proc.wait(60) != 0, "the service ran on a weaker stream"
        out = svc.log_path.read_text() + (stack.root / "logs" / "intake.jsonl").read_text()
        assert "WeakStreamError" in out and why in out
    finally:
        stack.stop()


def test_servers_run_with_fsync_on(tmp_path: Path) -> None:
    assert "sync_interval: always" in nats_config(port=1, monitor_port=2, store_dir=tmp_path)
    for conf in Path(__file__).parents[2].joinpath("deploy", "nats").glob("*.conf"):
        assert "sync_interval: always" in conf.read_text(), conf.name
    stack = make_stack(tmp_path / "pg", own_servers=True)
    try:
        rows = query(
            stack.admin_dsn or "",
            "SELECT name, setting FROM pg_settings WHERE name = ANY($1::text[])",
            ["fsync", "synchronous_commit", "full_page_writes"],
        )
        assert {r[0]: r[1] for r in rows} == {
            "fsync": "on",
            "synchronous_commit": "on",
            "full_page_writes": "on",
        }
    finally:
        stack.stop()
