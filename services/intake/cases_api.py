"""Intake HTTP routes for submitting, listing and reading cases."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from services.intake import views
from services.intake.commands import reads, submission
from services.intake.commands.unit import Caller
from services.intake.context import Ctx
from services.intake.domain import access
from services.intake.repository import cases
from services.intake.schemas import CaseCreated, CaseIn, CaseList, CaseOut
from shared.auth import Principal, require
from shared.deps import IdempotencyKey, etag
from shared.problems import Problem
from shared.types import IsoDate

router = APIRouter(tags=["cases"])
Reader = Annotated[Principal, Depends(require(*sorted(access.READERS)))]
Purpose = Annotated[str, Query(pattern=r"^[a-z_]{3,40}$")]


@router.post(
    "/cases",
    status_code=201,
    response_model=CaseCreated,
    responses={409: {}, 422: {}, 401: {}, 403: {}},
)
async def submit_case(
    body: CaseIn,
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, Depends(require("caseworker"))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    caller = Caller(principal, request.state.request_id)
    return await submission.submit_case(ctx, caller, body, key=idempotency_key)


@router.get("/cases", response_model=CaseList)
async def list_cases(
    ctx: Ctx,
    principal: Reader,
    status: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")] = None,
    urgency: Annotated[str | None, Query(pattern=r"^(emergency|standard)$")] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    submitted_from: IsoDate | None = None,
    submitted_to: IsoDate | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    org = access.scope_of(principal)
    try:
        after = cases.decode_cursor(cursor) if cursor else None
    except ValueError as exc:
        raise Problem(400, "the cursor is not one this service issued", code="bad-cursor") from exc
    async with ctx.db.connection() as conn:
        rows = await cases.list_cases(
            conn,
            org_id=org,
            status=status,
            urgency=urgency,
            country=country,
            submitted_from=submitted_from,
            submitted_to=submitted_to,
            limit=limit + 1,
            after=after,
        )
    page = rows[:limit]
    last = page[-1] if len(rows) > limit else None
    next_cursor = cases.encode_cursor(last["submitted_at"], last["case_id"]) if last else None
    return views.case_list(page, principal, next_cursor)


@router.get("/cases/{case_id}", response_model=CaseOut)
async def read_case(
    case_id: uuid.UUID,
    request: Request,
    response: Response,
    ctx: Ctx,
    principal: Reader,
    purpose: Purpose = "case_review",
    personal_data: bool = True,
) -> dict[str, Any]:
    """The case as this reader may see it. For its readers, the personal data is decrypted and
    the read recorded with its `purpose` (`personal_data_accessed`); `personal_data=false`
    asks for the case without it (no decryption, nothing recorded): a page that shows it only
    once its reader chose to see it, and said why."""
    caller = Caller(principal, request.state.request_id)
    out, version = await reads.read_case(
        ctx, caller, case_id=str(case_id), purpose=purpose, personal=personal_data
    )
    response.headers["ETag"] = etag(version)
    response.headers["Cache-Control"] = "no-store"
    return out
