"""POST /cases/{id}/decision and /ratification: fund managers, four eyes, fast track."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from services.assessment import commands
from services.assessment.cases_api import CHANGE, CaseId, api_call
from services.assessment.context import Ctx
from services.assessment.domain.codes import Decision
from services.assessment.schemas import DecisionIn, amounts_of
from shared.auth import Principal, require
from shared.deps import IdempotencyKey, IfMatch

router = APIRouter(tags=["decisions"])
Manager = Annotated[Principal, Depends(require("fund_manager"))]


@router.post("/cases/{case_id}/decision", responses={**CHANGE, 202: {}})
async def decide(
    case_id: CaseId,
    body: DecisionIn,
    request: Request,
    ctx: Ctx,
    principal: Manager,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Approve (amounts per item) or reject (a reason code). 200 when final; 202 with status
    `pending_second_approval` when a second, different fund manager must approve the same
    amounts (above the four-eyes threshold, or a currency without a known rate). The second
    approval confirms the first: it needs `If-Match` with the ETag of the case as reviewed
    (428 without it, 412 when the case changed since)."""
    amounts = amounts_of(body.approved_items, "approved_items")
    call = api_call(request, principal, body, if_match, idempotency_key)
    return await commands.decide(
        ctx,
        call,
        case_id,
        decision=Decision(body.decision),
        amounts=amounts,
        reason_code=None if body.reason_code is None else body.reason_code.value,
    )


@router.post("/cases/{case_id}/ratification", responses=CHANGE)
async def ratify(
    case_id: CaseId,
    request: Request,
    ctx: Ctx,
    principal: Manager,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A second fund manager ratifies a fast-tracked emergency approval (due within 7 days),
    with `If-Match`: the ETag of the case as reviewed (428 without it, 412 when stale)."""
    call = api_call(request, principal, None, if_match, idempotency_key)
    return await commands.ratify(ctx, call, case_id)
