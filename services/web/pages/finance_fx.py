"""/finance/fx-rates: exchange rates proposed by one finance officer and confirmed or rejected
by another, who sees how far the rate lies from the last confirmed one (and whether that is
past the fund's limit). The disbursement service keeps the four eyes; the page shows them."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from services.web.clients.base import ServiceRefusal
from services.web.context import Ctx
from services.web.forms import FormErrors
from services.web.pages import page_router, redirect
from services.web.pages.finance import Finance, if_match, uuid_or_404

router = page_router()
Short = Annotated[str, Form(max_length=100)]
FIELDS = ("base", "quote", "rate", "as_of")


async def _rates_page(
    request: Request,
    ctx: Ctx,
    user: Finance,
    *,
    errors: FormErrors | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    client = ctx.clients.disbursement
    pending = await client.get("/fx-rates", user.claims, status="pending", limit=100)
    confirmed = await client.get("/fx-rates", user.claims, status="confirmed", limit=30)
    return ctx.renderer.page(
        request,
        "finance/fx_rates.html",
        pending=pending["items"],
        confirmed=confirmed["items"],
        errors=errors or FormErrors(),
        form=form or dict.fromkeys(FIELDS, ""),
        key=uuid.uuid4().hex,
        me=user.account_id,
        done=request.query_params.get("done", ""),
        status_code=status_code,
    )


@router.get("/finance/fx-rates")
async def rates(request: Request, ctx: Ctx, user: Finance) -> Response:
    return await _rates_page(request, ctx, user)


@router.post("/finance/fx-rates")
async def propose(
    request: Request,
    ctx: Ctx,
    user: Finance,
    base: Short = "",
    quote: Short = "",
    rate: Short = "",
    as_of: Short = "",
    idempotency_key: Annotated[str, Form(max_length=64, pattern=r"^[0-9a-f]{32}$")] = "",
) -> Response:
    form = {
        "base": base.strip().upper(),
        "quote": quote.strip().upper(),
        "rate": rate.strip(),
        "as_of": as_of,
    }
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    try:
        await ctx.clients.disbursement.call(
            "POST", "/fx-rates", user.claims, json=form, headers=headers
        )
    except ServiceRefusal as exc:
        errors = FormErrors.of_refusal(request.state.visitor.t, exc)
        return await _rates_page(
            request, ctx, user, errors=errors, form=form, status_code=exc.status
        )
    return redirect(request, "/finance/fx-rates?done=proposed")


async def _decide(
    request: Request, ctx: Ctx, user: Finance, rate_id: str, action: str, version: int | None
) -> Response:
    rate_id = uuid_or_404(rate_id)
    try:
        await ctx.clients.disbursement.call(
            "POST", f"/fx-rates/{rate_id}/{action}", user.claims, headers=if_match(version)
        )
    except ServiceRefusal as exc:
        if exc.status == 404:
            raise
        errors = FormErrors.of_refusal(request.state.visitor.t, exc)
        return await _rates_page(request, ctx, user, errors=errors, status_code=exc.status)
    return redirect(request, f"/finance/fx-rates?done={action}")


@router.post("/finance/fx-rates/{rate_id}/confirm")
async def confirm(
    request: Request,
    ctx: Ctx,
    user: Finance,
    rate_id: str,
    version: Annotated[int | None, Form()] = None,
) -> Response:
    return await _decide(request, ctx, user, rate_id, "confirm", version)


@router.post("/finance/fx-rates/{rate_id}/reject")
async def reject(
    request: Request,
    ctx: Ctx,
    user: Finance,
    rate_id: str,
    version: Annotated[int | None, Form()] = None,
) -> Response:
    return await _decide(request, ctx, user, rate_id, "reject", version)
