"""Grants: create, adjust (If-Match), read their totals."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from services.disbursement import views
from services.disbursement.commands import grants
from services.disbursement.context import Ctx, Finance, cause_of
from services.disbursement.schemas import AdjustmentIn, GrantIn
from shared.deps import IdempotencyKey, IfMatch

router = APIRouter(tags=["grants"])
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=400)]


@router.post("/grants", status_code=201)
async def create(
    body: GrantIn,
    request: Request,
    ctx: Ctx,
    principal: Finance,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    return await grants.create(ctx, cause_of(request, principal), body, key=idempotency_key)


@router.get("/grants")
async def list_grants(ctx: Ctx, _: Finance, limit: Limit = 50, cursor: Cursor = None) -> views.Body:
    return await views.grant_page(ctx.db, limit=limit, cursor=cursor)


@router.get("/grants/{grant_id}")
async def read(grant_id: UUID, ctx: Ctx, _: Finance) -> JSONResponse:
    return await views.one_grant(ctx.db, grant_id)


@router.get("/grants/{grant_id}/reservations")
async def reservations(
    grant_id: UUID, ctx: Ctx, _: Finance, limit: Limit = 50, cursor: Cursor = None
) -> views.Body:
    """The cases' reservations on the grant, oldest first (their payments: GET /payments)."""
    return await views.reservation_page(ctx.db, grant_id, limit=limit, cursor=cursor)


@router.post("/grants/{grant_id}/adjustments", status_code=201)
async def adjust(
    grant_id: UUID,
    body: AdjustmentIn,
    request: Request,
    ctx: Ctx,
    principal: Finance,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    cause = cause_of(request, principal)
    return await grants.adjust(ctx, cause, grant_id, body, if_match=if_match, key=idempotency_key)
