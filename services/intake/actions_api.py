"""Changes to a case: answer information, withdraw, report, rule on a duplicate, erase."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from services.intake.commands import changes
from services.intake.commands.unit import Caller
from services.intake.context import Ctx
from services.intake.domain.access import ASSESSORS
from services.intake.schemas import (
    ChangeOut,
    DuplicateRulingIn,
    InformationIn,
    ReportIn,
    WithdrawIn,
)
from shared.auth import Principal, require
from shared.deps import IdempotencyKey, IfMatch
from shared.events.intake import ErasureBasis

router = APIRouter(tags=["case changes"])
Caseworker = Annotated[Principal, Depends(require("caseworker"))]
CHANGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {},
    409: {},
    412: {},
    422: {},
    401: {},
    403: {},
}


@router.post("/cases/{case_id}/information", response_model=ChangeOut, responses=CHANGE_RESPONSES)
async def provide_information(
    case_id: uuid.UUID,
    body: InformationIn,
    request: Request,
    ctx: Ctx,
    principal: Caseworker,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    caller = Caller(principal, request.state.request_id)
    return await changes.provide_information(
        ctx, caller, body, case_id=str(case_id), if_match=if_match, key=idempotency_key
    )


@router.post("/cases/{case_id}/withdraw", response_model=ChangeOut, responses=CHANGE_RESPONSES)
async def withdraw_case(
    case_id: uuid.UUID,
    body: WithdrawIn,
    request: Request,
    ctx: Ctx,
    principal: Caseworker,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    caller = Caller(principal, request.state.request_id)
    return await changes.withdraw(
        ctx, caller, body, case_id=str(case_id), if_match=if_match, key=idempotency_key
    )


@router.post("/cases/{case_id}/report", response_model=ChangeOut, responses=CHANGE_RESPONSES)
async def submit_report(
    case_id: uuid.UUID,
    body: ReportIn,
    request: Request,
    ctx: Ctx,
    principal: Caseworker,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    caller = Caller(principal, request.state.request_id)
    return await changes.submit_report(
        ctx, caller, body, case_id=str(case_id), if_match=if_match, key=idempotency_key
    )


@router.post(
    "/cases/{case_id}/duplicate-ruling", response_model=ChangeOut, responses=CHANGE_RESPONSES
)
async def rule_on_duplicate(
    case_id: uuid.UUID,
    body: DuplicateRulingIn,
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, Depends(require(*sorted(ASSESSORS)))],
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    caller = Caller(principal, request.state.request_id)
    return await changes.rule_on_duplicate(
        ctx, caller, body, case_id=str(case_id), if_match=if_match, key=idempotency_key
    )


@router.delete(
    "/cases/{case_id}/personal-data",
    response_model=ChangeOut,
    responses=CHANGE_RESPONSES | {428: {}},
)
async def erase_personal_data(
    case_id: uuid.UUID,
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, Depends(require("admin"))],
    legal_basis: Annotated[ErasureBasis, Query()],
    if_match: IfMatch = None,
) -> JSONResponse:
    """Crypto-shredding of the case's personal data; `If-Match` must carry the version the
    administrator reviewed (428 without it, 412 when the case changed since)."""
    caller = Caller(principal, request.state.request_id)
    return await changes.erase_personal_data(
        ctx, caller, case_id=str(case_id), legal_basis=legal_basis, if_match=if_match
    )
