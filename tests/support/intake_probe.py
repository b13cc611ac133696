"""What the intake tests look at behind the API: its database, the stream, other services' events."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, TypeVar

import asyncpg
import nats

from dev.stack import Stack
from shared.events import subjects
from shared.events.envelope import CONTENT_TYPE, EventData, new_event
from support import INJECTED

T = TypeVar("T")
INTAKE_TABLES = (
    "cases",
    "case_items",
    "case_keys",
    "case_personal",
    "case_history",
    "case_documents",
    "information_requests",
    "case_blind_tokens",
    "outbox",
)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\ntrailer\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(32)


def run(make: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(make())  # type: ignore[arg-type]


def query(stack: Stack, sql: str, *args: Any, service: str = "intake") -> list[asyncpg.Record]:
    async def go() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(stack.owner_dsns[service])
        try:
            return await conn.fetch(sql, *args)
        finally:
            await conn.close()

    return run(go)


def counts(stack: Stack) -> dict[str, int]:
    rows = query(
        stack,
        " UNION ALL ".join(f"SELECT '{t}' AS t, count(*) AS n FROM {t}" for t in INTAKE_TABLES),
    )
    return {r["t"]: r["n"] for r in rows}


def stream_count(stack: Stack, subject_filter: str = "vfund.intake.>") -> int:
    async def go() -> int:
        nc = await nats.connect(stack.nats_url)
        try:
            info = await nc.jetstream().stream_info(subjects.STREAM, subjects_filter=subject_filter)
            return sum((info.state.subjects or {}).values())
        finally:
            await nc.close()

    return run(go)


def published(stack: Stack) -> tuple[dict[str, int], int]:
    """Rows per intake table and intake events in the stream, once the outbox is drained."""
    from support import wait_for, wait_quiet

    wait_for(lambda: counts(stack)["outbox"] == 0, what="the intake outbox to drain")
    # Earlier tests' events may still be on their way to intake's consumers; let them land.
    wait_quiet(stack.nats_url or "")
    return counts(stack), stream_count(stack)


@contextmanager
def nothing_changes(stack: Stack) -> Iterator[None]:
    """The block must store nothing and publish nothing at intake."""
    before = published(stack)
    yield
    assert published(stack) == before


def publish(
    stack: Stack,
    subject: str,
    data: EventData,
    *,
    case_id: str,
    actor: str = "assessment",
    event_id: str | None = None,
    msg_id: str | None = None,
) -> str:
    """An event as another service would publish it (they may not run in this session)."""
    event = new_event(
        subject,
        data,
        service=subject.split(".")[1],
        subject=case_id,
        actor=actor,
        now=datetime.now(UTC),
    )
    if event_id is not None:
        event = event.model_copy(update={"id": event_id})

    async def go() -> None:
        nc = await nats.connect(stack.nats_url)
        try:
            await nc.jetstream().publish(
                subject,
                event.to_json(),
                headers={
                    "Nats-Msg-Id": msg_id or event.id,
                    "Content-Type": CONTENT_TYPE,
                    **INJECTED,
                },
            )
        finally:
            await nc.close()

    run(go)
    return event.id


def new_id() -> str:
    return str(uuid.uuid4())


def last_event(stack: Stack, subject: str) -> dict[str, Any] | None:
    """The newest event on `subject` in the stream, parsed."""
    import orjson
    from nats.js.errors import NotFoundError

    async def go() -> dict[str, Any] | None:
        nc = await nats.connect(stack.nats_url)
        try:
            msg = await nc.jetstream().get_last_msg(subjects.STREAM, subject)
        except NotFoundError:
            return None
        finally:
            await nc.close()
        event: dict[str, Any] = orjson.loads(msg.data or b"{}")
        return event

    return run(go)
