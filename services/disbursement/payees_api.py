"""Payees: registration, bank-detail changes and the second officer's confirmation."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from services.disbursement import views
from services.disbursement.commands import payees
from services.disbursement.context import Ctx, Finance, cause_of
from services.disbursement.schemas import BankDetailsIn, PayeeIn
from shared.deps import IdempotencyKey, IfMatch

router = APIRouter(tags=["payees"])


@router.post("/payees", status_code=201)
async def register(
    body: PayeeIn,
    request: Request,
    ctx: Ctx,
    principal: Finance,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A payee as a bank file needs it (a Latin name, a valid IBAN and BIC), pending until a
    second finance officer confirms it."""
    return await payees.register(ctx, cause_of(request, principal), body, key=idempotency_key)


@router.get("/payees")
async def list_payees(
    ctx: Ctx,
    _: Finance,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    org_id: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")] = None,
) -> JSONResponse:
    return await views.payee_page(ctx.db, limit=limit, cursor=cursor, org_id=org_id)


@router.get("/payees/{payee_id}")
async def read(payee_id: UUID, ctx: Ctx, _: Finance) -> JSONResponse:
    return await views.one_payee(ctx.db, payee_id)


@router.post("/payees/{payee_id}/bank-details")
async def change_details(
    payee_id: UUID,
    body: BankDetailsIn,
    request: Request,
    ctx: Ctx,
    principal: Finance,
    if_match: IfMatch = None,
) -> JSONResponse:
    cause = cause_of(request, principal)
    return await payees.change_details(ctx, cause, payee_id, body, if_match=if_match)


@router.post("/payees/{payee_id}/confirm")
async def confirm(
    payee_id: UUID, request: Request, ctx: Ctx, principal: Finance, if_match: IfMatch = None
) -> JSONResponse:
    """A second officer confirms the new payee or its new bank details, as reviewed (If-Match:
    428 without, 412 stale)."""
    return await payees.confirm(ctx, cause_of(request, principal), payee_id, if_match=if_match)
