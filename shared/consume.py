"""How every vfund consumer takes events: explicit acks after commit, back-off, dead letters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
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
from shared.settings import Settings

log = get_logger(__name__)

# Declared with the subscriptions; the stream itself is created and checked elsewhere.
STREAM = JStream(subjects.STREAM, declare=False)


class Retry(Exception):
    """A handler cannot apply the event yet (it came early): redeliver it later."""


class Poison(Exception):
    """The event can never be applied: dead-letter it at once."""


@dataclass(frozen=True)
class Delivery:
    """How a service takes events, from its settings (`VFUND_MAX_DELIVER`, …; see Settings)."""

    service: str
    js: JetStreamContext | None = None
    max_deliver: int = 8
    retry_window: float = 600.0
    retry_delays: tuple[float, ...] = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
    ack_wait: float = 5.0
    fetch_wait: float = 5.0
    batch: int = 16
    server_max_deliver: int = 200

    @classmethod
    def from_settings(cls, service: str, js: JetStreamContext, settings: Settings) -> Delivery:
        return cls(
            service=service,
            js=js,
            max_deliver=settings.max_deliver,
            retry_window=settings.retry_window_seconds,
            retry_delays=tuple(settings.retry_delays),
            ack_wait=settings.ack_wait_seconds,
            fetch_wait=settings.fetch_wait_seconds,
            batch=settings.consumer_batch,
            server_max_deliver=settings.server_max_deliver,
        )

    def delay(self, delivered: int) -> float:
        return self.retry_delays[min(delivered - 1, len(self.retry_delays) - 1)]

    def consumer_config(self, durable: str) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=durable,
            ack_wait=self.ack_wait,
            max_deliver=self.server_max_deliver,
            deliver_policy=DeliverPolicy.ALL,
            max_ack_pending=10_000,
        )


@dataclass(frozen=True)
class Subscription:
    """One durable consumer of a service: what it takes, and the handler that applies it."""

    subject: str
    durable: str
    handler: Callable[..., Awaitable[None]]
    description: str


class FromContext(Context):
    """FastStream's `Context(name)`, resolved on the event loop.

    FastStream exports `Context` only as a factory function; the class it returns lives in
    `faststream._internal.context`, the one private import of vfund (tested in
    tests/unit/shared/test_consume.py, which fails if FastStream moves or changes it). FastDepends
    runs a custom field whose `use` is synchronous in a worker thread, so the stock `Context`
    costs every message a thread hop and an anyio task group (a fifth of a handler's CPU,
    measured under load). The lookup is a dictionary read: an async `use` keeps it on the loop."""

    async def use(self, /, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        return super().use(**kwargs)


def subscribe(router: NatsRouter, subscription: Subscription, delivery: Delivery) -> None:
    """A durable pull consumer on the VFUND stream whose acks the DeliveryGuard decides."""
    router.subscriber(
        subscription.subject,
        stream=STREAM,
        durable=subscription.durable,
        # One fetch returns what is there (up to `batch`) at once; its messages are handled
        # concurrently, each acknowledged after its own commit.
        pull_sub=PullSub(batch_size=delivery.batch, timeout=delivery.fetch_wait),
        ack_policy=AckPolicy.MANUAL,
        config=delivery.consumer_config(subscription.durable),
        description=subscription.description or None,
    )(subscription.handler)


def delivery_guard(policy_of: Callable[[], Delivery]) -> type[BaseMiddleware]:
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


async def _failed(policy: Delivery, raw: Msg, exc: Exception) -> None:
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


async def dead_letter(policy: Delivery, raw: Msg, error: str) -> None:
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


class Batch:
    """One fetch of an in-order consumer: the handler dead-letters what it can never apply."""

    def __init__(self, policy: Delivery, msgs: list[Msg]) -> None:
        self.policy = policy
        self.msgs = msgs
        self._settled: set[int] = set()

    async def dead_letter(self, raw: Msg, error: str) -> None:
        await dead_letter(self.policy, raw, error)
        self._settled.add(id(raw))

    def unsettled(self) -> list[Msg]:
        return [raw for raw in self.msgs if id(raw) not in self._settled]


BatchHandler = Callable[[Batch], Awaitable[None]]


async def consume_in_order(
    policy: Delivery, handle: BatchHandler, *, subject: str, durable: str, batch: int
) -> None:
    """A durable pull consumer whose handler takes each fetch whole, in stream order.

    For a consumer that must keep the stream's order and write in batches (the audit log).
    FastStream's batch subscriber fills a batch or waits out its timeout, delaying events when
    traffic is light, and its short repeated fetches stranded messages until their ack wait; a
    plain fetch returns as soon as anything is there. Same delivery rules as every consumer:
    all acknowledged after the handler's commit, or all asked again; the handler dead-letters a
    message it can never apply (`Batch.dead_letter`) and leaves it out.
    """
    assert policy.js is not None, "the delivery policy needs a JetStream context"
    sub = await policy.js.pull_subscribe(
        subject, durable=durable, stream=subjects.STREAM, config=policy.consumer_config(durable)
    )
    while True:
        try:
            msgs = await sub.fetch(batch, timeout=policy.fetch_wait)
        except NatsTimeoutError:
            continue
        msgs.sort(key=lambda m: m.metadata.sequence.stream)
        fetched = Batch(policy, msgs)
        try:
            await handle(fetched)
        except Exception as exc:
            for raw in fetched.unsettled():
                await _failed(policy, raw, exc)
            continue
        crash_point("consumer.after_commit")
        for raw in fetched.unsettled():
            await raw.ack()
        metrics.EVENTS_CONSUMED.labels(policy.service, subject).inc(len(msgs))
