"""/finance/batches: payment batches with their totals; a draft approved by a finance officer
other than its creator (step-up, on the version they saw); an approved batch's pain.001 and CSV
downloaded for the bank. The disbursement service decides who may approve what."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import Response

from services.web.access import PageNotFound
from services.web.clients.base import ServiceRefusal
from services.web.context import Ctx
from services.web.forms import FormErrors
from services.web.pages import finish, page_router, redirect
from services.web.pages.finance import Finance, FinanceStepUp, if_match, uuid_or_404

router = page_router()
MAX_SCHEDULED = 2000
FORMATS = {"pain.001": ("application/xml", "xml"), "csv": ("text/csv; charset=utf-8", "csv")}


async def _batches_page(
    request: Request,
    ctx: Ctx,
    user: Finance,
    *,
    errors: FormErrors | None = None,
    chosen: list[str] | None = None,
    status_code: int = 200,
) -> Response:
    client = ctx.clients.disbursement
    found = await client.get("/batches", user.claims, limit=100)
    scheduled: list[dict[str, Any]] = []
    cursor = None
    while len(scheduled) < MAX_SCHEDULED:  # every scheduled payment, page by page
        page = await client.get(
            "/payments", user.claims, status="scheduled", limit=200, cursor=cursor
        )
        scheduled += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            break
    totals: dict[str, Decimal] = {}
    for p in scheduled:
        totals[p["currency"]] = totals.get(p["currency"], Decimal(0)) + Decimal(p["amount"])
    return ctx.renderer.page(
        request,
        "finance/batches.html",
        batches=found["items"],
        scheduled=scheduled,
        totals=sorted(totals.items()),
        chosen=chosen or [],
        errors=errors or FormErrors(),
        key=uuid.uuid4().hex,
        status_code=status_code,
    )


@router.get("/finance/batches")
async def batches(request: Request, ctx: Ctx, user: Finance) -> Response:
    return await _batches_page(request, ctx, user)


@router.post("/finance/batches")
async def create_batch(
    request: Request,
    ctx: Ctx,
    user: Finance,
    currency: Annotated[str, Form(max_length=3)] = "",
    payment_ids: Annotated[list[str] | None, Form(max_length=200)] = None,
    idempotency_key: Annotated[str, Form(max_length=64, pattern=r"^[0-9a-f]{32}$")] = "",
) -> Response:
    chosen = payment_ids or []
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    try:
        reply = await ctx.clients.disbursement.call(
            "POST",
            "/batches",
            user.claims,
            headers=headers,
            json={"currency": currency, "payment_ids": chosen},
        )
    except ServiceRefusal as exc:
        errors = FormErrors.of_refusal(request.state.visitor.t, exc)
        return await _batches_page(
            request, ctx, user, errors=errors, chosen=chosen, status_code=exc.status
        )
    return redirect(request, f"/finance/batches/{reply.body['batch_id']}?done=created")


async def _batch_page(
    request: Request,
    ctx: Ctx,
    user: Finance,
    batch_id: str,
    *,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    batch_id = uuid_or_404(batch_id)
    found = await ctx.clients.disbursement.get(f"/batches/{batch_id}", user.claims)
    return ctx.renderer.page(
        request,
        "finance/batch.html",
        batch=found,
        errors=errors or FormErrors(),
        may_approve=found["status"] == "draft" and found["created_by"] != user.account_id,
        done=request.query_params.get("done", ""),
        status_code=status_code,
    )


@router.get("/finance/batches/{batch_id}")
async def batch(request: Request, ctx: Ctx, user: Finance, batch_id: str) -> Response:
    return await _batch_page(request, ctx, user, batch_id)


@router.post("/finance/batches/{batch_id}/approve")
async def approve(
    request: Request,
    ctx: Ctx,
    user: FinanceStepUp,
    batch_id: str,
    version: Annotated[int | None, Form()] = None,
) -> Response:
    batch_id = uuid_or_404(batch_id)
    try:
        await ctx.clients.disbursement.call(
            "POST", f"/batches/{batch_id}/approve", user.claims, headers=if_match(version)
        )
    except ServiceRefusal as exc:
        if exc.status == 404:
            raise
        errors = FormErrors.of_refusal(request.state.visitor.t, exc)
        return await _batch_page(
            request, ctx, user, batch_id, errors=errors, status_code=exc.status
        )
    return redirect(request, f"/finance/batches/{batch_id}?done=approved")


@router.get("/finance/batches/{batch_id}/{kind}")
async def download(request: Request, ctx: Ctx, user: Finance, batch_id: str, kind: str) -> Response:
    """The bank file (pain.001) or the CSV of an approved batch, as the service writes it."""
    batch_id = uuid_or_404(batch_id)
    if kind not in FORMATS:
        raise PageNotFound
    media, suffix = FORMATS[kind]
    reply = await ctx.clients.disbursement.call(
        "GET", f"/batches/{batch_id}/export", user.claims, params={"format": kind}
    )
    headers = {
        "Content-Disposition": f'attachment; filename="vfund-batch-{batch_id}.{suffix}"',
        "Cache-Control": "no-store",
    }
    return finish(request, Response(reply.body, media_type=media, headers=headers))
