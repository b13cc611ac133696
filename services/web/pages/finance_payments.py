"""/finance/payments: payments by status; an open one (waiting for a payee, scheduled, or failed)
cancelled with a reason, a failed one scheduled again. The page offers only what the
disbursement service takes for the payment's status; the service decides."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Form, Query, Request
from fastapi.responses import Response

from services.web.clients.base import ServiceRefusal
from services.web.context import Ctx
from services.web.forms import FormErrors
from services.web.pages import page_router, redirect
from services.web.pages.finance import Finance, if_match, uuid_or_404

router = page_router()
STATUSES = ("awaiting_payee", "scheduled", "batched", "sent", "failed", "cancelled")
CANCELLABLE = frozenset({"awaiting_payee", "scheduled", "failed"})
CANCEL_REASONS = ("no_longer_needed", "paid_otherwise", "duplicate", "other")
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
    found = await ctx.clients.disbursement.get(
        "/payments", user.claims, status=chosen or None, case_id=case_id, limit=100
    )
    return ctx.renderer.page(
        request,
        "finance/payments.html",
        payments=found["items"],
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
