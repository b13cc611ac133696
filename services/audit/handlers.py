"""The audit writer: every event on vfund.> (dead letters aside) appended once, in stream order."""

from __future__ import annotations

import os
from typing import Annotated

from faststream import Context
from faststream.nats import NatsRouter
from faststream.nats.message import NatsBatchMessage

from services.audit.repository import NewEntry
from services.audit.tree_store import LogWriter, NotAnEvent, parse_entry
from shared.consume import batch_subscriber, dead_letter
from shared.events import subjects
from shared.service import Runtime

BATCH = int(os.environ.get("VFUND_AUDIT_BATCH", "500"))
DEADLETTER_PREFIX = subjects.deadletter("")

router = NatsRouter()


@batch_subscriber(
    router,
    subjects.ALL,
    durable="audit-log",
    batch=BATCH,
    description="Append every vfund event to the tamper-evident log, one transaction per batch",
)
async def on_events(
    msg: Annotated[NatsBatchMessage, Context("message")],
    rt: Annotated[Runtime, Context("runtime")],
) -> None:
    entries: list[NewEntry] = []
    for raw in sorted(msg.raw_message, key=lambda m: m.metadata.sequence.stream):
        if raw.subject.startswith(DEADLETTER_PREFIX):
            continue  # kept on their own subject; logging them would log their event twice
        try:
            entries.append(parse_entry(raw))
        except NotAnEvent as exc:
            await dead_letter(rt.policy, raw, str(exc))
    if entries:
        writer: LogWriter = rt.extras["writer"]
        await writer.append(entries)
