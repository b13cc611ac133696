"""The parts every command shares: who asks, the locked case, the settled change."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from fastapi.responses import JSONResponse

from services.intake import views, wire
from services.intake.context import IntakeContext
from services.intake.domain import access
from services.intake.domain import case as rules
from services.intake.domain.events import CaseEvent
from services.intake.repository import cases
from services.intake.wire import SERVICE
from shared import idempotency, outbox
from shared.db import Connection
from shared.deps import check_if_match, etag

Change = Callable[[Connection, cases.Stored, datetime], Awaitable[rules.Outcome]]
Reply = tuple[int, dict[str, Any], dict[str, str]]


@dataclass(frozen=True, slots=True)
class Caller:
    """Who asks, and the request that causes what follows (the events' causation id)."""

    actor: access.Actor
    request_id: str


async def apply(
    ctx: IntakeContext,
    caller: Caller,
    *,
    case_id: str,
    route: str,
    if_match: str | None,
    key: str | None,
    payload: Any,
    change: Change,
    owner_only: bool = True,
    if_match_required: bool = False,
) -> JSONResponse:
    """Lock, check who asks and the version, apply, record the timeline and events: one
    transaction, replayed as it answered for a repeated Idempotency-Key."""

    async def work(tx: Connection) -> Reply:
        stored, now = await lock(
            tx,
            caller,
            case_id=case_id,
            if_match=if_match,
            owner_only=owner_only,
            required=if_match_required,
        )
        outcome = await change(tx, stored, now)
        version = await settle(tx, caller, stored, outcome, now)
        return 200, views.changed(case_id, outcome.status, version), {"ETag": etag(version)}

    return await idempotency.run(
        ctx.db,
        key=key,
        principal=(caller.actor.sub, caller.actor.org),
        route=route,
        payload=payload,
        work=work,
    )


async def lock(
    tx: Connection,
    caller: Caller,
    *,
    case_id: str,
    if_match: str | None,
    owner_only: bool = True,
    required: bool = False,
) -> tuple[cases.Stored, datetime]:
    """The case locked for a change, once the caller may change it at the version they saw."""
    stored = await cases.lock_case(tx, case_id=case_id)
    if stored is None:
        raise access.not_found()
    access.check_change(caller.actor, stored.case.org_id, owner_only=owner_only)
    check_if_match(if_match, stored.case.version, required=required)
    return stored, datetime.now(UTC)


async def settle(
    tx: Connection, caller: Caller, stored: cases.Stored, outcome: rules.Outcome, now: datetime
) -> int:
    """The case's new status and version, its events queued and its timeline told."""
    case_id = stored.case.case_id
    version = await cases.set_status(tx, case_id=case_id, status=outcome.status, at=now)
    built = wire.envelopes(
        outcome.events,
        actor=caller.actor.sub,
        causation_id=caller.request_id,
        correlation_id=stored.correlation_id,
        now=now,
    )
    await outbox.add(tx, built, service=SERVICE)
    await add_timeline(tx, case_id, outcome.events, built, actor=caller.actor.sub, now=now)
    return version


async def add_timeline(
    tx: Connection,
    case_id: str,
    events: Sequence[CaseEvent],
    built: Sequence[tuple[str, Any]],
    *,
    actor: str,
    now: datetime,
) -> None:
    entries = [
        (wire.timeline_kind(subject), envelope.id, event.detail())
        for event, (subject, envelope) in zip(events, built, strict=True)
        if event.in_timeline
    ]
    await cases.add_history(tx, case_id=case_id, at=now, actor=actor, entries=entries)


async def accessed(
    tx: Connection, caller: Caller, case_id: str, correlation_id: str, purpose: str
) -> None:
    accessed = rules.read_personal(case_id, caller.actor, purpose=purpose)
    built = wire.envelopes(
        [accessed],
        actor=caller.actor.sub,
        causation_id=caller.request_id,
        correlation_id=correlation_id,
        now=datetime.now(UTC),
    )
    await outbox.add(tx, built, service=SERVICE)
