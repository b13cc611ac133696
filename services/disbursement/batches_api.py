"""Batches: collect scheduled payments, approve by a second officer, export pain.001 or CSV."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from services.disbursement import views
from services.disbursement.commands import batches
from services.disbursement.context import Ctx, Finance, cause_of
from services.disbursement.domain.batches import check_execution_date
from services.disbursement.schemas import BatchIn
from shared.deps import IdempotencyKey, IfMatch
from shared.types import IsoDate

router = APIRouter(tags=["batches"])
_FILE_TYPES = {
    "application/xml": {"schema": {"type": "string"}},
    "text/csv": {"schema": {"type": "string"}},
}


@router.post("/batches", status_code=201)
async def create(
    body: BatchIn,
    request: Request,
    ctx: Ctx,
    principal: Finance,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    return await batches.create(ctx, cause_of(request, principal), body, key=idempotency_key)


@router.get("/batches")
async def list_batches(
    ctx: Ctx,
    _: Finance,
    status: Literal["draft", "approved"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> views.Body:
    return await views.batch_page(ctx.db, limit=limit, cursor=cursor, status=status)


@router.get("/batches/{batch_id}")
async def read(batch_id: UUID, ctx: Ctx, _: Finance) -> JSONResponse:
    return await views.one_batch(ctx.db, batch_id)


@router.post("/batches/{batch_id}/approve")
async def approve(
    batch_id: UUID, request: Request, ctx: Ctx, principal: Finance, if_match: IfMatch = None
) -> JSONResponse:
    """A second officer approves the batch as reviewed (If-Match: 428 without, 412 stale)."""
    return await batches.approve(ctx, cause_of(request, principal), batch_id, if_match=if_match)


@router.get(
    "/batches/{batch_id}/export",
    response_class=Response,
    responses={200: {"content": _FILE_TYPES}},
)
async def export(
    batch_id: UUID,
    ctx: Ctx,
    _: Finance,
    format: Annotated[Literal["pain.001", "csv"], Query()] = "pain.001",
    execution_date: IsoDate | None = None,
) -> Response:
    # Imported on the first export, not at startup: the bank-file code with sepaxml and
    # xml.etree (~1.5 MB) would otherwise sit all its life in a process budgeted at 80 MB, for
    # what a finance officer does once a batch.
    from services.disbursement.bankfiles import export_csv, export_pain001

    today = ctx.clock().date()
    if execution_date is not None:
        check_execution_date(execution_date, today=today)
    batch, _version = await views.stored_batch(ctx.db, batch_id)
    name = f"vfund-batch-{batch.batch_id}"
    headers = {"Cache-Control": "no-store"}
    if format == "csv":
        headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return Response(export_csv(batch), media_type="text/csv; charset=utf-8", headers=headers)
    stamp = batch.approved_at or batch.created_at
    xml = export_pain001(
        batch, ctx.debtor, execution_date=execution_date or today, created_at=stamp
    )
    headers["Content-Disposition"] = f'attachment; filename="{name}.xml"'
    return Response(xml, media_type="application/xml", headers=headers)
