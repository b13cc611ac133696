"""Exchange rates: proposed by one finance officer, confirmed or rejected by another (If-Match);
lists show pending and confirmed rates with how far each lies from the confirmed one."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from services.disbursement import views
from services.disbursement.commands import fx
from services.disbursement.context import Ctx, Finance, cause_of
from services.disbursement.schemas import FxRateIn
from shared.deps import IdempotencyKey, IfMatch

router = APIRouter(tags=["fx-rates"])
CurrencyCode = Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")]


@router.post("/fx-rates", status_code=201)
async def propose(
    body: FxRateIn,
    request: Request,
    ctx: Ctx,
    principal: Finance,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """A pending rate: it takes effect only when another finance officer confirms it."""
    return await fx.propose(ctx, cause_of(request, principal), body, key=idempotency_key)


@router.get("/fx-rates")
async def list_rates(
    ctx: Ctx,
    _: Finance,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    base: CurrencyCode = None,
    quote: CurrencyCode = None,
    status: Literal["pending", "confirmed", "rejected"] | None = None,
) -> views.Body:
    return await views.rate_page(
        ctx.db,
        limit=limit,
        cursor=cursor,
        base=base,
        quote=quote,
        status=status,
        max_deviation=ctx.settings.fx_max_deviation,
    )


@router.get("/fx-rates/{rate_id}")
async def read(rate_id: UUID, ctx: Ctx, _: Finance) -> JSONResponse:
    return await views.one_rate(ctx.db, rate_id, max_deviation=ctx.settings.fx_max_deviation)


@router.post("/fx-rates/{rate_id}/confirm")
async def confirm(
    rate_id: UUID, request: Request, ctx: Ctx, principal: Finance, if_match: IfMatch = None
) -> JSONResponse:
    """Another officer than the proposer confirms the version they reviewed (If-Match: 428
    without, 412 stale; 409 `fx-rate-same-officer` for the proposer). The answer carries the
    deviation from the confirmed rate and whether it is flagged."""
    return await fx.confirm(ctx, cause_of(request, principal), rate_id, if_match=if_match)


@router.post("/fx-rates/{rate_id}/reject")
async def reject(
    rate_id: UUID, request: Request, ctx: Ctx, principal: Finance, if_match: IfMatch = None
) -> JSONResponse:
    """Any finance officer refuses a pending rate (If-Match); its day is free again."""
    return await fx.reject(ctx, cause_of(request, principal), rate_id, if_match=if_match)
