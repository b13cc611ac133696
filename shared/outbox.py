"""Transactional outbox: events commit with the state change; a relay publishes them."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable, Sequence
from typing import Any

import asyncpg
from nats.js import JetStreamContext

from shared import metrics
from shared.db import Connection, Db
from shared.events.envelope import CONTENT_TYPE, CloudEvent
from shared.faults import crash_point
from shared.logging import get_logger

log = get_logger(__name__)


def channel(service: str) -> str:
    return f"vfund_outbox_{service}"


async def add(
    tx: Connection, events: Iterable[tuple[str, CloudEvent[Any]]], *, service: str
) -> None:
    """Queue events in the caller's transaction; NOTIFY wakes the relay when it commits."""
    queued = [(subject, e) for subject, e in events]
    if not queued:
        return
    # One statement, one round trip, however many events; unnest keeps their order for `seq`.
    await tx.execute(
        "WITH queued AS (INSERT INTO outbox (event_id, subject, payload, correlation_id,"
        " causation_id) SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[], $4::text[],"
        " $5::text[])) SELECT pg_notify($6, '')",
        [e.id for _, e in queued],
        [subject for subject, _ in queued],
        [e.to_json() for _, e in queued],
        [e.correlationid for _, e in queued],
        [e.causationid for _, e in queued],
        channel(service),
    )


class OutboxRelay:
    """Publishes committed outbox rows in order; replicas share the work with SKIP LOCKED."""

    def __init__(
        self,
        db: Db,
        js: JetStreamContext,
        *,
        service: str,
        batch: int = 256,
        poll_seconds: float = 1.0,
    ) -> None:
        self._db = db
        self._js = js
        self._service = service
        self._batch = batch
        self._poll = poll_seconds
        self._wake = asyncio.Event()
        self._listener: Connection | None = None
        self.published = 0

    async def run(self) -> None:
        while True:
            try:
                await self._listen()
                while True:
                    if await self.publish_pending() < self._batch:
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(self._wake.wait(), self._poll)
                        self._wake.clear()
            except asyncio.CancelledError:
                await self._close_listener()
                raise
            except Exception as exc:  # a passing DB or NATS outage: back off, then go on
                log.warning("outbox relay interrupted", error=type(exc).__name__)
                metrics.OUTBOX_ERRORS.labels(self._service).inc()
                await self._close_listener()
                await asyncio.sleep(self._poll)

    async def _listen(self) -> None:
        if self._listener is not None and not self._listener.is_closed():
            return
        listener = await self._db.pool.acquire()
        self._listener = listener
        await listener.add_listener(channel(self._service), self._on_notify)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _close_listener(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.remove_listener(channel(self._service), self._on_notify)
            with contextlib.suppress(Exception):
                await self._db.pool.release(self._listener)  # type: ignore[arg-type]
            self._listener = None

    async def publish_pending(self) -> int:
        """Publish one batch; its rows' deletion commits only after JetStream acknowledged them.

        The rows are deleted (and so locked) in the statement that reads them, and the
        transaction commits after the publishes: a crash or a failed publish rolls the deletion
        back and the rows are published again (JetStream drops the repeats by Nats-Msg-Id)."""
        async with self._db.transaction() as tx:
            taken = await tx.fetch(
                "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT $1"
                " FOR UPDATE SKIP LOCKED)"
                " RETURNING seq, event_id, subject, payload, correlation_id, causation_id",
                self._batch,
            )
            if not taken:
                return 0
            rows = sorted(taken, key=lambda r: r["seq"])  # RETURNING has no order of its own
            crash_point("outbox.before_publish")
            await self._publish(rows)
            crash_point("outbox.after_publish")
        self.published += len(rows)
        metrics.OUTBOX_PUBLISHED.labels(self._service).inc(len(rows))
        return len(rows)

    async def _publish(self, rows: Sequence[asyncpg.Record]) -> None:
        # One connection keeps the order of these publishes in the stream; the Nats-Msg-Id makes
        # a publish repeated after a crash a no-op inside the duplicate window.
        await asyncio.gather(
            *(
                self._js.publish(
                    r["subject"],
                    bytes(r["payload"]),
                    headers={
                        "Nats-Msg-Id": r["event_id"],
                        "Content-Type": CONTENT_TYPE,
                        "Vfund-Correlation-Id": r["correlation_id"] or "",
                        "Vfund-Causation-Id": r["causation_id"] or "",
                    },
                )
                for r in rows
            )
        )

    async def close(self) -> None:
        await self._close_listener()
