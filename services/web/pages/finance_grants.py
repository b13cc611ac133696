"""/finance/grants: each grant's amount as available + reserved + disbursed at a glance, and a
new grant registered. The disbursement service keeps the figures and checks every field."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import Response

from services.web.clients.base import ServiceRefusal
from services.web.context import Ctx
from services.web.forms import FormErrors
from services.web.pages import page_router, redirect
from services.web.pages.finance import Finance, if_match, uuid_or_404

router = page_router()
Short = Annotated[str, Form(max_length=300)]
# Refusals of an adjustment that only its amount can cause.
AMOUNT_REFUSALS = frozenset({"grant_below_committed", "grant_amount_not_positive"})
FIELDS = ("donor", "name", "amount", "currency", "valid_from", "valid_to")


async def _grants_page(
    request: Request,
    ctx: Ctx,
    user: Finance,
    *,
    errors: FormErrors | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    found = await ctx.clients.disbursement.get("/grants", user.claims, limit=200)
    return ctx.renderer.page(
        request,
        "finance/grants.html",
        grants=found["items"],
        errors=errors or FormErrors(),
        form=form or dict.fromkeys(FIELDS, ""),
        key=uuid.uuid4().hex,
        status_code=status_code,
        done=request.query_params.get("done", ""),
    )


@router.get("/finance/grants")
async def grants(request: Request, ctx: Ctx, user: Finance) -> Response:
    return await _grants_page(request, ctx, user)


@router.post("/finance/grants")
async def create_grant(
    request: Request,
    ctx: Ctx,
    user: Finance,
    donor: Short = "",
    name: Short = "",
    amount: Short = "",
    currency: Short = "",
    valid_from: Short = "",
    valid_to: Short = "",
    countries: Annotated[str, Form(max_length=300, alias="restrictions.countries")] = "",
    idempotency_key: Annotated[str, Form(max_length=64, pattern=r"^[0-9a-f]{32}$")] = "",
) -> Response:
    form = {
        "donor": donor,
        "name": name,
        "amount": amount,
        "currency": currency.upper(),
        "valid_from": valid_from,
        "valid_to": valid_to,
        "countries": countries,
    }
    body: dict[str, Any] = {k: form[k] for k in FIELDS}
    chosen = [c.upper() for c in countries.replace(",", " ").split()]
    if chosen:
        body["restrictions"] = {"countries": chosen}
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    try:
        await ctx.clients.disbursement.call(
            "POST", "/grants", user.claims, json=body, headers=headers
        )
    except ServiceRefusal as exc:
        errors = FormErrors.of_refusal(request.state.visitor.t, exc)
        return await _grants_page(
            request, ctx, user, errors=errors, form=form, status_code=exc.status
        )
    return redirect(request, "/finance/grants?done=created")


async def _grant_page(
    request: Request,
    ctx: Ctx,
    user: Finance,
    grant_id: str,
    *,
    errors: FormErrors | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    client = ctx.clients.disbursement
    found = await client.get(f"/grants/{grant_id}", user.claims)
    reservations = await client.get(f"/grants/{grant_id}/reservations", user.claims, limit=200)
    paid = await client.get("/payments", user.claims, grant_id=grant_id, limit=200)
    return ctx.renderer.page(
        request,
        "finance/grant.html",
        grant=found,
        reservations=reservations["items"],
        payments=paid["items"],
        errors=errors or FormErrors(),
        form=form or {"delta": "", "reason": ""},
        key=uuid.uuid4().hex,
        done=request.query_params.get("done", ""),
        status_code=status_code,
    )


@router.get("/finance/grants/{grant_id}")
async def grant(request: Request, ctx: Ctx, user: Finance, grant_id: str) -> Response:
    return await _grant_page(request, ctx, user, uuid_or_404(grant_id))


@router.post("/finance/grants/{grant_id}/adjustments")
async def adjust_grant(
    request: Request,
    ctx: Ctx,
    user: Finance,
    grant_id: str,
    version: Annotated[int | None, Form()] = None,
    delta: Annotated[str, Form(max_length=30)] = "",
    currency: Annotated[str, Form(max_length=3)] = "",
    reason: Annotated[str, Form(max_length=80)] = "",
    idempotency_key: Annotated[str, Form(max_length=64, pattern=r"^[0-9a-f]{32}$")] = "",
) -> Response:
    """Top a grant up or reduce it by `delta`; the service refuses going below what is committed
    (shown next to the amount, the only field that can cause it)."""
    grant_id = uuid_or_404(grant_id)
    body: dict[str, Any] = {"delta": delta.strip(), "currency": currency}
    if reason.strip():
        body["reason"] = reason.strip()
    headers = if_match(version)
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    try:
        await ctx.clients.disbursement.call(
            "POST", f"/grants/{grant_id}/adjustments", user.claims, json=body, headers=headers
        )
    except ServiceRefusal as exc:
        if exc.status == 404:
            raise
        errors = FormErrors.of_refusal(request.state.visitor.t, exc)
        if exc.code.replace("-", "_") in AMOUNT_REFUSALS and not errors.fields:
            errors = FormErrors(fields={"delta": errors.general})
        form = {"delta": delta, "reason": reason}
        return await _grant_page(
            request, ctx, user, grant_id, errors=errors, form=form, status_code=exc.status
        )
    return redirect(request, f"/finance/grants/{grant_id}?done=adjusted")
