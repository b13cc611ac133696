"""The audit writer: every event on vfund.> (dead letters aside) appended once, in stream order."""

from __future__ import annotations

from typing import Annotated

import orjson
from faststream import Context
from faststream.nats import NatsRouter
from faststream.nats.annotations import NatsMessage

from services.audit.canonical import canonical_json
from services.audit.merkle import leaf_hash
from shared.consume import Poison, subscriber
from shared.db import Db
from shared.events import subjects

router = NatsRouter()
DbDep = Annotated[Db, Context("db")]


@subscriber(router, subjects.ALL, durable="audit-log",
            description="Append every vfund event to the tamper-evident log")
async def on_any_event(msg: NatsMessage, db: DbDep) -> None:
    subject = msg.raw_message.subject
    body = msg.raw_message.data
    if subject.startswith("vfund.deadletter."):
        return
    try:
        event = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise Poison("not JSON") from exc
    if not isinstance(event, dict) or not isinstance(event.get("id"), str):
        raise Poison("not a CloudEvent")
    leaf = leaf_hash(canonical_json(event))
    async with db.transaction() as tx:
        # One logical writer at a time: replicas wait here rather than interleave indexes.
        await tx.execute("SELECT pg_advisory_xact_lock(1096107092)")
        await tx.execute(
            "INSERT INTO log_entries (idx, event_id, nats_subject, event_type, subject, event,"
            " leaf_hash, stream_seq)"
            " SELECT coalesce(max(idx) + 1, 0), $1, $2, $3, $4, $5, $6, $7 FROM log_entries"
            " ON CONFLICT (event_id) DO NOTHING",
            event["id"], subject, str(event.get("type", "")), str(event.get("subject", "")),
            body.decode(), leaf, msg.raw_message.metadata.sequence.stream,
        )
