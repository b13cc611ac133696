"""The audit writer: every event on vfund.> (dead letters aside) appended once, in stream order."""

from __future__ import annotations

import os
from typing import Annotated

from faststream import Context
from faststream.nats import NatsRouter
from faststream.nats.message import NatsMessage

from services.audit.tree_store import GroupCommit, NotAnEvent, parse_entry
from shared.consume import Poison, subscriber
from shared.events import subjects
from shared.service import Runtime

BATCH = int(os.environ.get("VFUND_AUDIT_BATCH", "500"))
DEADLETTER_PREFIX = subjects.deadletter("")

router = NatsRouter()


@subscriber(
    router,
    subjects.ALL,
    durable="audit-log",
    batch=BATCH,
    description="Append every vfund event to the tamper-evident log (group commits)",
)
async def on_event(
    msg: Annotated[NatsMessage, Context("message")],
    rt: Annotated[Runtime, Context("runtime")],
) -> None:
    raw = msg.raw_message
    if raw.subject.startswith(DEADLETTER_PREFIX):
        return  # kept on their own subject; logging them would log their event twice
    try:
        entry = parse_entry(raw)
    except NotAnEvent as exc:
        raise Poison(str(exc)) from exc
    committer: GroupCommit = rt.extras["committer"]
    await committer.submit(entry)
