"""POST /cases/{id}/decision and /ratification: fund managers, four eyes, fast track."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from services.assessment import commands, domain, repository
from services.assessment.cases_api import CHANGE, CaseId
from services.assessment.context import Ctx
from services.assessment.events import ApprovalPendingSecond, Result
from services.assessment.model import CaseFile, Decision
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
    amounts (above the four-eyes threshold, or a currency without a known rate)."""
    amounts = amounts_of(body.approved_items, "approved_items")
    async with ctx.db.connection() as conn:
        today = ctx.clock().date()
        fx = await repository.chf_rates(conn, today=today)

    def command(case: CaseFile, now: Any) -> Result:
        return domain.decide(
            case,
            manager=principal.sub,
            roles=principal.roles,
            decision=Decision(body.decision),
            approved_items=amounts or None,
            reason_code=None if body.reason_code is None else body.reason_code.value,
            now=now,
            fx=fx,
            policy=ctx.policy,
        )

    def respond(result: Result) -> tuple[int, dict[str, Any]]:
        pending = any(isinstance(e, ApprovalPendingSecond) for e in result.events)
        return (202 if pending else 200), {}

    return await commands.run(
        ctx,
        request,
        principal,
        case_id=case_id,
        route=f"POST /cases/{case_id}/decision",
        if_match=if_match,
        key=idempotency_key,
        payload=body.model_dump(mode="json"),
        command=command,
        respond=respond,
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
    """A second fund manager ratifies a fast-tracked emergency approval (due within 7 days)."""

    def command(case: CaseFile, now: Any) -> Result:
        return domain.ratify(case, manager=principal.sub, roles=principal.roles, now=now)

    return await commands.run(
        ctx,
        request,
        principal,
        case_id=case_id,
        route=f"POST /cases/{case_id}/ratification",
        if_match=if_match,
        key=idempotency_key,
        payload={},
        command=command,
    )
