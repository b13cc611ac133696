"""/finance/payees: partner organisations' and providers' bank details, registered or changed by
one finance officer and confirmed by another (step-up) who sees exactly what they confirm. The
IBAN is checked as it is typed (on leaving the field, with htmx); the disbursement service
checks it again and decides."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import Response
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from services.web.clients.base import ServiceRefusal
from services.web.context import Ctx
from services.web.forms import FormErrors
from services.web.pages import page_router, redirect
from services.web.pages.finance import Finance, FinanceStepUp, if_match, uuid_or_404

router = page_router()
Short = Annotated[str, Form(max_length=300)]
FIELDS = ("org_id", "kind", "name", "iban", "bic")


async def _payees_page(
    request: Request,
    ctx: Ctx,
    user: Finance,
    *,
    errors: FormErrors | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    found = await ctx.clients.disbursement.call(
        "GET", "/payees", user.claims, params={"limit": 200}
    )
    payees: list[dict[str, Any]] = found.body["items"]
    return ctx.renderer.page(
        request,
        "finance/payees.html",
        payees=payees,
        waiting=[p for p in payees if p["pending"]],
        me=user.account_id,
        errors=errors or FormErrors(),
        form=form or dict.fromkeys(FIELDS, ""),
        key=uuid.uuid4().hex,
        done=request.query_params.get("done", ""),
        status_code=status_code,
    )


@router.get("/finance/payees")
async def payees(request: Request, ctx: Ctx, user: Finance) -> Response:
    return await _payees_page(request, ctx, user)


@router.post("/finance/payees")
async def register_payee(
    request: Request,
    ctx: Ctx,
    user: Finance,
    org_id: Short = "",
    kind: Short = "organisation",
    name: Short = "",
    iban: Short = "",
    bic: Short = "",
    default: Annotated[str, Form(max_length=5)] = "",
    idempotency_key: Annotated[str, Form(max_length=64, pattern=r"^[0-9a-f]{32}$")] = "",
) -> Response:
    form = {"org_id": org_id.strip(), "kind": kind, "name": name, "iban": iban, "bic": bic}
    body: dict[str, Any] = form | {"bic": bic.strip() or None, "default": default == "yes"}
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    try:
        await ctx.clients.disbursement.call(
            "POST", "/payees", user.claims, json=body, headers=headers
        )
    except ServiceRefusal as exc:
        errors = FormErrors.of_refusal(request.state.visitor.t, exc)
        return await _payees_page(
            request, ctx, user, errors=errors, form=form, status_code=exc.status
        )
    return redirect(request, "/finance/payees?done=registered")


@router.post("/finance/payees/iban")
async def check_iban(request: Request, ctx: Ctx, _: Finance, iban: Short = "") -> Response:
    """The IBAN as typed, checked when the field is left: a hint only (htmx swaps it in)."""
    typed = iban.strip()
    try:
        valid = bool(typed) and bool(IBAN(typed).compact)
    except (SchwiftyException, ValueError):
        valid = False
    return ctx.renderer.page(
        request, "finance/iban_check.html", block="iban_check", typed=bool(typed), valid=valid
    )


@router.post("/finance/payees/{payee_id}/confirm")
async def confirm_payee(
    request: Request,
    ctx: Ctx,
    user: FinanceStepUp,
    payee_id: str,
    version: Annotated[int | None, Form()] = None,
) -> Response:
    payee_id = uuid_or_404(payee_id)
    try:
        await ctx.clients.disbursement.call(
            "POST", f"/payees/{payee_id}/confirm", user.claims, headers=if_match(version)
        )
    except ServiceRefusal as exc:
        if exc.status == 404:
            raise
        errors = FormErrors.of_refusal(request.state.visitor.t, exc)
        return await _payees_page(request, ctx, user, errors=errors, status_code=exc.status)
    return redirect(request, "/finance/payees?done=confirmed")
