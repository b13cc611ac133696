"""Payments: who is paid, splits, and the bank's answer (sent or failed); cancel and reschedule."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from services.disbursement import views
from services.disbursement.commands import payments
from services.disbursement.context import Ctx, Finance, cause_of
from services.disbursement.schemas import ConfirmIn, PayeeChoice, ReasonIn, RescheduleIn, SplitIn
from shared.deps import IdempotencyKey, IfMatch

router = APIRouter(tags=["payments"])
Status = Literal["awaiting_payee", "scheduled", "batched", "sent", "failed", "cancelled"]


@router.get("/payments")
async def list_payments(
    ctx: Ctx,
    _: Finance,
    status: Status | None = None,
    case_id: UUID | None = None,
    batch_id: UUID | None = None,
    grant_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> views.Body:
    return await views.payment_page(
        ctx.db,
        limit=limit,
        cursor=cursor,
        status=status,
        case_id=case_id,
        batch_id=batch_id,
        grant_id=grant_id,
    )


@router.get("/payments/{payment_id}")
async def read(payment_id: UUID, ctx: Ctx, _: Finance) -> JSONResponse:
    return await views.one_payment(ctx.db, payment_id)


@router.post("/payments/{payment_id}/payee")
async def choose_payee(
    payment_id: UUID,
    body: PayeeChoice,
    request: Request,
    ctx: Ctx,
    principal: Finance,
    if_match: IfMatch = None,
) -> JSONResponse:
    cause = cause_of(request, principal)
    return await payments.choose_payee(
        ctx, cause, payment_id, body.payee_id, if_match=if_match, reschedule=False
    )


@router.post("/payments/{payment_id}/reschedule")
async def reschedule(
    payment_id: UUID,
    body: RescheduleIn,
    request: Request,
    ctx: Ctx,
    principal: Finance,
    if_match: IfMatch = None,
) -> JSONResponse:
    cause = cause_of(request, principal)
    return await payments.choose_payee(
        ctx, cause, payment_id, body.payee_id, if_match=if_match, reschedule=True
    )


@router.post("/payments/{payment_id}/split", status_code=201)
async def split(
    payment_id: UUID,
    body: SplitIn,
    request: Request,
    ctx: Ctx,
    principal: Finance,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    cause = cause_of(request, principal)
    return await payments.split(
        ctx, cause, payment_id, body, if_match=if_match, key=idempotency_key
    )


@router.post("/payments/{payment_id}/confirm")
async def confirm(
    payment_id: UUID,
    body: ConfirmIn,
    request: Request,
    ctx: Ctx,
    principal: Finance,
    if_match: IfMatch = None,
) -> JSONResponse:
    cause = cause_of(request, principal)
    return await payments.confirm(ctx, cause, payment_id, body, if_match=if_match)


@router.post("/payments/{payment_id}/fail")
async def fail(
    payment_id: UUID,
    body: ReasonIn,
    request: Request,
    ctx: Ctx,
    principal: Finance,
    if_match: IfMatch = None,
) -> JSONResponse:
    cause = cause_of(request, principal)
    return await payments.fail(ctx, cause, payment_id, body, if_match=if_match)


@router.post("/payments/{payment_id}/cancel")
async def cancel(
    payment_id: UUID,
    body: ReasonIn,
    request: Request,
    ctx: Ctx,
    principal: Finance,
    if_match: IfMatch = None,
) -> JSONResponse:
    cause = cause_of(request, principal)
    return await payments.cancel(ctx, cause, payment_id, body, if_match=if_match)
