"""/finance/payments: payments by status; an open one (waiting for a payee, scheduled, or failed)
cancelled with a reason or given a payee, a failed one scheduled again, one not yet batched
split in two, one of an approved batch marked failed with the bank's reason code. The page
offers only what the disbursement service takes for the payment's status; the service decides."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import Form, Query, Request
from fastapi.responses import Response

from services.web.access import PageNotFound
from services.web.clients.base import ServiceRefusal
from services.web.context import Ctx
from services.web.forms import FormErrors
from services.web.pages import page_router, redirect
from services.web.pages.finance import Finance, if_match, uuid_or_404

router = page_router()
STATUSES = ("awaiting_payee", "scheduled", "batched", "sent", "failed", "cancelled")
CANCELLABLE = frozenset({"awaiting_payee", "scheduled", "failed"})
CANCEL_REASONS = ("no_longer_needed", "paid_otherwise", "duplicate", "other")
# The domain's rules (services/disbursement/domain/payments.py, batches.py): a payee for an
# open payment; a split before it is batched; a failure only in an approved batch.
PAYEE_SETTABLE = CANCELLABLE
SPLITTABLE = frozenset({"awaiting_payee", "scheduled"})
# ISO 20022 reason codes a bank gives for a payment it did not make.
FAIL_REASONS = ("AC01", "AC04", "AC06", "MS03")
Version = Annotated[int | None, Form()]


def _id_or_none(value: str) -> str | None:
    try:
        return str(UUID(value.strip()))
    except ValueError:
        return None


async def _payments_page(
    request: Request,
    ctx: Ctx,
    user: Finance,
    status: str,
    *,
    case: str = "",
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    chosen = status if status in STATUSES else ""
    case_id = _id_or_none(case)
    client = ctx.clients.disbursement
    found = await client.get(
        "/payments", user.claims, status=chosen or None, case_id=case_id, limit=100
    )
    items = found["items"]
    payees: dict[str, list[dict[str, Any]]] = {}
    for org_id in sorted({p["org_id"] for p in items if p["status"] in PAYEE_SETTABLE}):
        listed = await client.get("/payees", user.claims, org_id=org_id, limit=200)
        payees[org_id] = [payee for payee in listed["items"] if payee["status"] == "active"]
    approved: set[str] = set()
    if any(p["status"] == "batched" for p in items):
        batches = await client.get("/batches", user.claims, status="approved", limit=200)
        approved = {b["batch_id"] for b in batches["items"]}
    return ctx.renderer.page(
        request,
        "finance/payments.html",
        payments=items,
        payees=payees,
        failable={
            p["payment_id"] for p in items if p["status"] == "batched" and p["batch_id"] in approved
        },
        payee_settable=PAYEE_SETTABLE,
        splittable=SPLITTABLE,
        fail_reasons=FAIL_REASONS,
        status=chosen,
        case=case_id or "",
        statuses=STATUSES,
        cancellable=CANCELLABLE,
        reasons=CANCEL_REASONS,
        errors=errors or FormErrors(),
        done=request.query_params.get("done", ""),
        status_code=status_code,
    )


@router.get("/finance/payments")
async def payments(
    request: Request,
    ctx: Ctx,
    user: Finance,
    status: Annotated[str, Query(max_length=20)] = "",
    case_id: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    return await _payments_page(request, ctx, user, status, case=case_id)


async def _act(
    request: Request,
    ctx: Ctx,
    user: Finance,
    payment_id: str,
    action: str,
    body: dict[str, Any],
    version: int | None,
    back: str,
    back_case: str,
) -> Response:
    payment_id = uuid_or_404(payment_id)
    try:
        await ctx.clients.disbursement.call(
            "POST",
            f"/payments/{payment_id}/{action}",
            user.claims,
            json=body,
            headers=if_match(version),
        )
    except ServiceRefusal as exc:
        if exc.status == 404:
            raise
        errors = FormErrors.of_refusal(request.state.visitor.t, exc)
        return await _payments_page(
            request, ctx, user, back, case=back_case, errors=errors, status_code=exc.status
        )
    suffix = f"status={back}&" if back in STATUSES else ""
    case_id = _id_or_none(back_case)
    suffix += f"case_id={case_id}&" if case_id else ""
    return redirect(request, f"/finance/payments?{suffix}done={action}")


@router.post("/finance/payments/{payment_id}/cancel")
async def cancel(
    request: Request,
    ctx: Ctx,
    user: Finance,
    payment_id: str,
    version: Version = None,
    reason: Annotated[str, Form(max_length=40)] = "",
    back: Annotated[str, Form(max_length=20)] = "",
    back_case: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    body = {"reason": reason}
    return await _act(request, ctx, user, payment_id, "cancel", body, version, back, back_case)


@router.post("/finance/payments/{payment_id}/reschedule")
async def reschedule(
    request: Request,
    ctx: Ctx,
    user: Finance,
    payment_id: str,
    version: Version = None,
    back: Annotated[str, Form(max_length=20)] = "",
    back_case: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    return await _act(request, ctx, user, payment_id, "reschedule", {}, version, back, back_case)


@router.post("/finance/payments/{payment_id}/payee")
async def choose_payee(
    request: Request,
    ctx: Ctx,
    user: Finance,
    payment_id: str,
    version: Version = None,
    payee_id: Annotated[str, Form(max_length=40)] = "",
    back: Annotated[str, Form(max_length=20)] = "",
    back_case: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    body = {"payee_id": payee_id}
    return await _act(request, ctx, user, payment_id, "payee", body, version, back, back_case)


@router.post("/finance/payments/{payment_id}/fail")
async def fail(
    request: Request,
    ctx: Ctx,
    user: Finance,
    payment_id: str,
    version: Version = None,
    reason: Annotated[str, Form(max_length=40)] = "",
    back: Annotated[str, Form(max_length=20)] = "",
    back_case: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    body = {"reason": reason}
    return await _act(request, ctx, user, payment_id, "fail", body, version, back, back_case)


async def _split_page(
    request: Request,
    ctx: Ctx,
    user: Finance,
    payment_id: str,
    *,
    errors: FormErrors | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    found = await ctx.clients.disbursement.get(f"/payments/{payment_id}", user.claims)
    if found["status"] not in SPLITTABLE:
        raise PageNotFound
    return ctx.renderer.page(
        request,
        "finance/split.html",
        payment=found,
        errors=errors or FormErrors(),
        form=form or {"parts.0.amount": "", "parts.1.amount": ""},
        key=uuid.uuid4().hex,
        status_code=status_code,
    )


@router.get("/finance/payments/{payment_id}/split")
async def split_form(request: Request, ctx: Ctx, user: Finance, payment_id: str) -> Response:
    return await _split_page(request, ctx, user, uuid_or_404(payment_id))


@router.post("/finance/payments/{payment_id}/split")
async def split(
    request: Request,
    ctx: Ctx,
    user: Finance,
    payment_id: str,
    version: Version = None,
    first: Annotated[str, Form(max_length=30, alias="parts.0.amount")] = "",
    second: Annotated[str, Form(max_length=30, alias="parts.1.amount")] = "",
    idempotency_key: Annotated[str, Form(max_length=64, pattern=r"^[0-9a-f]{32}$")] = "",
) -> Response:
    """Two parts that add up to the payment, each waiting for its payee (the service checks)."""
    payment_id = uuid_or_404(payment_id)
    body = {"parts": [{"amount": first.strip()}, {"amount": second.strip()}]}
    headers = if_match(version)
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    try:
        await ctx.clients.disbursement.call(
            "POST", f"/payments/{payment_id}/split", user.claims, json=body, headers=headers
        )
    except ServiceRefusal as exc:
        if exc.status == 404:
            raise
        errors = FormErrors.of_refusal(request.state.visitor.t, exc)
        if not errors.fields:
            errors = FormErrors(fields={"parts.0.amount": errors.general})
        elif "parts" in errors.fields:  # the parts together: shown at the first one
            errors.fields.setdefault("parts.0.amount", []).extend(errors.fields.pop("parts"))
        form = {"parts.0.amount": first, "parts.1.amount": second}
        return await _split_page(
            request, ctx, user, payment_id, errors=errors, form=form, status_code=exc.status
        )
    return redirect(request, "/finance/payments?done=split")
