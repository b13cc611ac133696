"""The audit writer: every event on vfund.> (dead letters aside) appended once, in stream order."""

from __future__ import annotations

import os

from faststream.nats import NatsRouter
from nats.aio.msg import Msg

from services.audit.repository import NewEntry
from services.audit.tree_store import LogWriter, NotAnEvent, parse_entry
from shared.consume import consume_in_order, dead_letter
from shared.events import subjects
from shared.service import Runtime

BATCH = int(os.environ.get("VFUND_AUDIT_BATCH", "500"))
DEADLETTER_PREFIX = subjects.deadletter("")

# The log is written by `write_log` below, not by a FastStream subscriber: it must take whole
# fetches in stream order (see shared.consume.consume_in_order). The router stays for AsyncAPI.
router = NatsRouter()


async def write_log(rt: Runtime) -> None:
    """Background job: append each fetch of `vfund.>` in one transaction."""
    writer: LogWriter = rt.extras["writer"]

    async def append(msgs: list[Msg]) -> None:
        entries: list[NewEntry] = []
        for raw in msgs:
            if raw.subject.startswith(DEADLETTER_PREFIX):
                continue  # kept on their own subject; logging them would log their event twice
            try:
                entries.append(parse_entry(raw))
            except NotAnEvent as exc:
                await dead_letter(rt.policy, raw, str(exc))
        if entries:
            await writer.append(entries)

    await consume_in_order(rt.js, rt.policy, append, subject=subjects.ALL,
                           durable="audit-log", batch=BATCH)
