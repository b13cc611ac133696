"""The unit of work behind every change: lock, check the ETag, apply the domain, save, publish."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from services.assessment import repository, views, wire
from services.assessment.context import AssessmentContext
from services.assessment.errors import DomainError
from services.assessment.events import Result
from services.assessment.model import CaseFile
from services.assessment.notes import PersonalDataInNotes
from services.assessment.repository import StoredCase
from shared import idempotency
from shared.auth import Principal
from shared.db import Connection
from shared.deps import check_if_match, etag
from shared.problems import Problem

Command = Callable[[CaseFile, datetime], Result]
After = Callable[[Connection, Result], Awaitable[None]]
Respond = Callable[[Result], tuple[int, dict[str, Any]]]
NO_STORE = {"Cache-Control": "no-store"}


def problem_of(exc: DomainError, *, field: str = "notes") -> Problem:
    """A refused command as problem+json: its stable code, a detail free of personal data."""
    errors = None
    if isinstance(exc, PersonalDataInNotes):
        errors = [
            {
                "field": field,
                "code": "personal_data",
                "message": "looks like: " + ", ".join(exc.kinds),
            }
        ]
    return Problem(
        exc.http_status, exc.detail, code=exc.code.value.replace("_", "-"), errors=errors
    )


async def view_of(conn: Connection, stored: StoredCase, ctx: AssessmentContext) -> dict[str, Any]:
    assessments = await repository.assessments_of(conn, case_id=stored.case.case_id)
    return views.case_view(stored, assessments, now=ctx.clock(), policy=ctx.policy)


async def run(
    ctx: AssessmentContext,
    request: Request,
    principal: Principal,
    *,
    case_id: str,
    route: str,
    if_match: str | None,
    key: str | None,
    payload: Any,
    command: Command,
    after: After | None = None,
    respond: Respond = lambda _: (200, {}),
) -> JSONResponse:
    """One transaction: nothing is saved or published when any step refuses."""

    async def work(tx: Connection) -> tuple[int, dict[str, Any], dict[str, str]]:
        stored = await repository.lock_case(tx, case_id=case_id)
        if stored is None:
            raise Problem(404, "no such case in assessment", code="case-not-found")
        check_if_match(if_match, stored.case.version)
        now = ctx.clock()
        try:
            result = command(stored.case, now)
        except DomainError as exc:
            raise problem_of(exc) from exc
        policy = ctx.policy
        await repository.save_case(
            tx, case=result.case, previous_version=stored.case.version, now=now, policy=policy
        )
        if after is not None:
            await after(tx, result)
        await wire.enqueue(
            tx,
            result.events,
            case_id=case_id,
            correlation_id=stored.correlation_id,
            actor=principal.sub,
            causation_id=request.state.request_id,
            now=now,
        )
        new = StoredCase(
            result.case, stored.reference, stored.correlation_id, stored.possible_duplicate
        )
        status, extra = respond(result)
        body = await view_of(tx, new, ctx) | extra
        return status, body, {"ETag": etag(result.case.version), **NO_STORE}

    return await idempotency.run(
        ctx.db, key=key, principal=principal.sub, route=route, payload=payload, work=work
    )
