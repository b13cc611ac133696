"""How every vfund consumer takes events: explicit acks after commit, back-off, dead letters."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
import orjson
from faststream import AckPolicy, BaseMiddleware
from faststream._internal.context import Context
from faststream.message import StreamMessage
from faststream.nats import JStream, NatsRouter, PullSub
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig, DeliverPolicy
from pydantic import ValidationError

from shared import metrics
from shared.events import subjects
from shared.faults import crash_point
from shared.logging import bind_story, get_logger, unbind_story

log = get_logger(__name__)

# Declared at import with the routers; the stream itself is created and checked elsewhere.
STREAM = JStream(subjects.STREAM, declare=False)
MAX_DELIVER = int(os.environ.get("VFUND_MAX_DELIVER", "8"))
# Short: a handler commits in milliseconds, and a delivery the client lost (nats-py on Python
# 3.11 can drop a message fetched just as a pull times out) comes back after this long. A slow
# handler redelivered meanwhile is harmless: the inbox makes the second attempt a no-op.
ACK_WAIT_SECONDS = float(os.environ.get("VFUND_ACK_WAIT_SECONDS", "5"))
# Messages one pull may bring, handled at once. Kept near the database pool's size (10): handlers
# beyond it only wait for a connection while their ack-wait runs, and each holds its event in
# memory meanwhile (64 left intake and disbursement ~1.5 MB larger after a burst, measured).
BATCH = int(os.environ.get("VFUND_CONSUMER_BATCH", "16"))
# How long one pull of a consumer waits on the server. A pull answers as soon as a
# message is there, so a long wait costs no latency; each pull that expires instead races its
# expiry notice against the client's timer, and nats-py then mis-attributes late notices and
# deliveries to the next pull (measured: first events after such a race waited 150-400 ms).
FETCH_WAIT_SECONDS = float(os.environ.get("VFUND_FETCH_WAIT_SECONDS", "5"))
# The server's own limit is a backstop far above ours: transient outages are retried without
# counting, yet an event that kills the process every time still stops (and JetStream's advisory
# records it in VFUND_ADVISORIES).
SERVER_MAX_DELIVER = int(os.environ.get("VFUND_SERVER_MAX_DELIVER", "200"))


class Retry(Exception):
    """A handler cannot apply the event yet (it came early): redeliver it later."""


class Poison(Exception):
    """The event can never be applied: dead-letter it at once."""


@dataclass
class DeliveryPolicy:
    service: str
    js: JetStreamContext | None = None
    max_deliver: int = MAX_DELIVER
    # How long an event that came early (Retry) may wait for what it depends on, counted from
    # its publication: crashes and restarts redeliver, so a count alone would give up too soon.
    retry_window: float = 600.0
    retry_delays: list[float] = field(default_factory=lambda: [0.2, 0.5, 1.0, 2.0, 5.0, 10.0])

    def delay(self, delivered: int) -> float:
        return self.retry_delays[min(delivered - 1, len(self.retry_delays) - 1)]


Decorator = Callable[[Callable[..., Awaitable[None]]], Any]


class FromContext(Context):
    """FastStream's `Context(name)` (the class its factory returns), resolved on the event loop.

    FastDepends runs a custom field whose `use` is synchronous in a worker thread, so the stock
    `Context` costs every message a thread hop and an anyio task group (a fifth of a handler's
    CPU, measured under load). The lookup is a dictionary read: an async `use` keeps it on the
    loop."""

    async def use(self, /, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        return super().use(**kwargs)


def subscriber(
    router: NatsRouter, subject: str, *, durable: str, description: str = "", batch: int = BATCH
) -> Decorator:
    """A durable pull consumer on the VFUND stream whose acks the DeliveryGuard decides."""
    return router.subscriber(
        subject,
        stream=STREAM,
        durable=durable,
        # One fetch returns what is there (up to `batch`) at once; its messages are handled
        # concurrently, each acknowledged after its own commit.
        pull_sub=PullSub(batch_size=batch, timeout=FETCH_WAIT_SECONDS),
        ack_policy=AckPolicy.MANUAL,
        config=ConsumerConfig(
            durable_name=durable,
            ack_wait=ACK_WAIT_SECONDS,
            max_deliver=SERVER_MAX_DELIVER,
            deliver_policy=DeliverPolicy.ALL,
            max_ack_pending=10_000,
        ),
        description=description or None,
    )


def delivery_guard(policy_of: Callable[[], DeliveryPolicy]) -> type[BaseMiddleware]:
    """Build the broker middleware that sets the ack policy for every subscriber."""

    class DeliveryGuard(BaseMiddleware):
        async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
            raw: Msg = msg.raw_message
            headers = raw.headers or {}
            bind_story(
                correlationid=headers.get("Vfund-Correlation-Id"),
                causationid=headers.get("Vfund-Causation-Id"),
            )
            policy = policy_of()
            subject = raw.subject
            try:
                result = await call_next(msg)
            except Exception as exc:
                await _failed(policy, raw, exc)
                return None
            else:
                crash_point("consumer.after_commit")
                await raw.ack()
                metrics.EVENTS_CONSUMED.labels(policy.service, subject).inc()
                return result
            finally:
                unbind_story()

    return DeliveryGuard


# Failures of the infrastructure, not of the event: retried for as long as they last, never
# dead-lettered (a database restart must not cost an event).
TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.TransactionRollbackError,
    asyncpg.exceptions.TooManyConnectionsError,
    NatsError,
)


async def _failed(policy: DeliveryPolicy, raw: Msg, exc: Exception) -> None:
    delivered = raw.metadata.num_delivered
    error = type(exc).__name__
    poison = isinstance(exc, Poison | ValidationError | orjson.JSONDecodeError)
    transient = isinstance(exc, TRANSIENT)
    if isinstance(exc, Retry):
        age = (datetime.now(UTC) - raw.metadata.timestamp).total_seconds()
        exhausted = delivered >= policy.max_deliver and age > policy.retry_window
    else:
        exhausted = delivered >= policy.max_deliver and not transient
    if poison or exhausted:
        await dead_letter(policy, raw, error)
        return
    delay = policy.delay(delivered)
    # Exception messages can quote database values; only the class name is logged.
    log.warning(
        "event not applied, redelivery asked",
        subject=raw.subject,
        error=error,
        delivered=delivered,
        delay=delay,
    )
    metrics.EVENTS_RETRIED.labels(policy.service, raw.subject, error).inc()
    await raw.nak(delay=delay)


async def dead_letter(policy: DeliveryPolicy, raw: Msg, error: str) -> None:
    """Keep the event on `vfund.deadletter.<service>` first, then stop its redelivery."""
    assert policy.js is not None, "the delivery policy needs a JetStream context"
    meta = raw.metadata
    if raw.subject.startswith("vfund.deadletter."):
        # A dead letter is already kept where it is; never let one breed another.
        log.error("dead letter not applied", subject=raw.subject, error=error)
        await raw.term()
        return
    await policy.js.publish(
        subjects.deadletter(policy.service),
        raw.data,
        headers={
            "Nats-Msg-Id": f"dl:{policy.service}:{meta.consumer}:{meta.sequence.stream}",
            "Vfund-Original-Subject": raw.subject,
            "Vfund-Consumer": str(meta.consumer),
            "Vfund-Stream-Sequence": str(meta.sequence.stream),
            "Vfund-Deliveries": str(meta.num_delivered),
            "Vfund-Error": error,
        },
    )
    metrics.DEADLETTERS.labels(policy.service, raw.subject).inc()
    log.error(
        "event dead-lettered",
        subject=raw.subject,
        error=error,
        stream_seq=meta.sequence.stream,
        delivered=meta.num_delivered,
    )
    await raw.term()


BatchHandler = Callable[[list[Msg]], Awaitable[None]]


async def consume_in_order(
    js: JetStreamContext, policy: DeliveryPolicy, handle: BatchHandler, *, subject: str,
    durable: str, batch: int = 500,
) -> None:
    """A durable pull consumer whose handler takes each fetch whole, in stream order.

    For a consumer that must keep the stream's order and write in batches (the audit log).
    FastStream's batch subscriber fills a batch or waits out its timeout, delaying events when
    traffic is light, and its short repeated fetches stranded messages until their ack wait; a
    plain fetch returns as soon as anything is there. Same delivery rules as every consumer:
    all acknowledged after the handler's commit, or all asked again; the handler dead-letters a
    message it can never apply (`dead_letter`) and leaves it out.
    """
    sub = await js.pull_subscribe(
        subject, durable=durable, stream=subjects.STREAM,
        config=ConsumerConfig(
            durable_name=durable, ack_wait=ACK_WAIT_SECONDS, max_deliver=SERVER_MAX_DELIVER,
            deliver_policy=DeliverPolicy.ALL, max_ack_pending=10_000,
        ),
    )
    while True:
        try:
            msgs = await sub.fetch(batch, timeout=FETCH_WAIT_SECONDS)
        except NatsTimeoutError:
            continue
        msgs.sort(key=lambda m: m.metadata.sequence.stream)
        try:
            await handle(msgs)
        except Exception as exc:
            for raw in msgs:
                if not raw._ackd:
                    await _failed(policy, raw, exc)
            continue
        crash_point("consumer.after_commit")
        for raw in msgs:
            if not raw._ackd:
                await raw.ack()
        metrics.EVENTS_CONSUMED.labels(policy.service, subject).inc(len(msgs))
