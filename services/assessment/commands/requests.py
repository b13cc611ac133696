"""Changes asked for over HTTP: lock the case, check the caller's ETag, apply the domain, save,
and put the events in the outbox, with the answer remembered under the Idempotency-Key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Protocol

from fastapi.responses import JSONResponse

from services.assessment import domain, repository, views
from services.assessment.commands.unit import save
from services.assessment.context import AssessmentContext
from services.assessment.domain.codes import AssessmentKind, Decision, Recommendation
from services.assessment.domain.events import ApprovalPendingSecond, InformationRequested, Result
from services.assessment.domain.model import CaseFile
from services.assessment.domain.notes import check_notes
from shared import idempotency
from shared.auth import Principal
from shared.db import Connection
from shared.deps import check_if_match, etag
from shared.money import Money
from shared.problems import Problem

NO_STORE = {"Cache-Control": "no-store"}
Body = views.Body
After = Callable[[Connection, Result], Awaitable[None]]
Respond = Callable[[Result], tuple[int, Body]]


class Change(Protocol):
    """A domain command with everything but the case and the moment bound."""

    def __call__(self, case: CaseFile, *, now: datetime) -> Result: ...


@dataclass(frozen=True, slots=True)
class ApiCall:
    """Who asks for a change over HTTP, and on which conditions (ETag, Idempotency-Key)."""

    principal: Principal
    route: str  # "POST /cases/<id>/decision": the Idempotency-Key's scope
    payload: Mapping[str, object]  # the body as received, for the Idempotency-Key's hash
    request_id: str  # the cause of the events the change emits
    if_match: str | None = None
    idempotency_key: str | None = None


def _created(_: Result) -> tuple[int, Body]:
    return 201, {}


async def _change(
    ctx: AssessmentContext,
    call: ApiCall,
    case_id: str,
    change: Change,
    *,
    confirms: Callable[[CaseFile], bool] = lambda _: False,
    after: After | None = None,
    respond: Respond = lambda _: (200, {}),
) -> JSONResponse:
    """One change to one case. `confirms`: the change confirms another person's work, so the
    caller must name the version they reviewed (If-Match, 428 without it)."""

    async def work(tx: Connection) -> tuple[int, Body, dict[str, str]]:
        stored = await repository.lock_case(tx, case_id=case_id)
        if stored is None:
            raise Problem(404, "no such case in assessment", code="case-not-found")
        if confirms(stored.case):
            check_if_match(call.if_match, stored.case.version, required=True)
        else:
            check_if_match(call.if_match, stored.case.version)
        now = ctx.clock()
        result = change(stored.case, now=now)
        saved = await save(
            tx,
            stored,
            result,
            now=now,
            policy=ctx.policy,
            actor=call.principal.sub,
            causation_id=call.request_id,
        )
        if after is not None:
            await after(tx, result)
        status, extra = respond(result)
        viewer = views.Viewer(call.principal.sub, call.principal.roles)
        body = await views.case_body(tx, saved, now=ctx.clock(), policy=ctx.policy, viewer=viewer)
        body |= extra
        return status, body, {"ETag": etag(result.case.version), **NO_STORE}

    return await idempotency.run(
        ctx.db,
        key=call.idempotency_key,
        principal=(call.principal.sub, call.principal.org),
        route=call.route,
        payload=call.payload,
        work=work,
    )


async def assess(
    ctx: AssessmentContext,
    call: ApiCall,
    case_id: str,
    *,
    kind: AssessmentKind,
    recommendation: Recommendation,
    amounts: Mapping[str, Money],
    notes: str,
    exceeding_reason: str | None,
) -> JSONResponse:
    """An assessment; its notes are kept with it, in the assessments' history only."""
    who = call.principal

    def change(case: CaseFile, *, now: datetime) -> Result:
        result = domain.record_assessment(
            case,
            kind=kind,
            assessor=who.sub,
            roles=who.roles,
            recommendation=recommendation,
            amounts=amounts,
            now=now,
            has_reason_for_exceeding=exceeding_reason is not None,
        )
        # Checked after the role and state: a wrong-role caller learns nothing about the notes.
        check_notes(notes)
        check_notes(exceeding_reason or "", field="exceeding_reason")
        return result

    async def after(tx: Connection, result: Result) -> None:
        recorded = result.case.latest_assessment(kind)
        assert recorded is not None
        await repository.add_assessment(
            tx,
            case_id=case_id,
            assessment=recorded,
            notes=notes,
            exceeding_reason=exceeding_reason,
            case_version=result.case.version,
        )

    return await _change(ctx, call, case_id, change, after=after, respond=_created)


async def request_review(
    ctx: AssessmentContext, call: ApiCall, case_id: str, *, kind: AssessmentKind
) -> JSONResponse:
    who = call.principal
    change = partial(domain.request_review, kind=kind, assessor=who.sub, roles=who.roles)
    return await _change(ctx, call, case_id, change, respond=_created)


async def request_information(
    ctx: AssessmentContext, call: ApiCall, case_id: str, *, category: str
) -> JSONResponse:
    who = call.principal

    def respond(result: Result) -> tuple[int, Body]:
        asked = next(e for e in result.events if isinstance(e, InformationRequested))
        return 201, {"request_id": asked.request_id}

    change = partial(
        domain.request_information, assessor=who.sub, roles=who.roles, category_code=category
    )
    return await _change(ctx, call, case_id, change, respond=respond)


async def decide(
    ctx: AssessmentContext,
    call: ApiCall,
    case_id: str,
    *,
    decision: Decision,
    amounts: Mapping[str, Money],
    reason_code: str | None,
) -> JSONResponse:
    """200 when final; 202 when a second, different fund manager must approve the same amounts."""
    async with ctx.db.connection() as conn:
        fx = await repository.chf_rates(conn, today=ctx.clock().date())
    who = call.principal
    change = partial(
        domain.decide,
        manager=who.sub,
        roles=who.roles,
        decision=decision,
        approved_items=amounts or None,
        reason_code=reason_code,
        fx=fx,
        policy=ctx.policy,
    )

    def respond(result: Result) -> tuple[int, Body]:
        pending = any(isinstance(e, ApprovalPendingSecond) for e in result.events)
        return (202 if pending else 200), {}

    confirms = partial(domain.confirms_another, decision=decision)
    return await _change(ctx, call, case_id, change, confirms=confirms, respond=respond)


async def ratify(ctx: AssessmentContext, call: ApiCall, case_id: str) -> JSONResponse:
    """Confirms another manager's approval: only with the version reviewed (If-Match)."""
    who = call.principal
    change = partial(domain.ratify, manager=who.sub, roles=who.roles)
    return await _change(ctx, call, case_id, change, confirms=domain.confirms_another)
