"""/finance/statements: a bank file uploaded (camt.053/.054 or pain.002), what it matched, what
came back and what is left; an unmatched entry matched to payments or set aside by another
finance officer than the importer (step-up, on the version they saw). The disbursement service
decides everything; the page shows its decision."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import File, Form, Request, UploadFile
from fastapi.responses import Response

from services.web.clients.base import ServiceRefusal
from services.web.context import Ctx
from services.web.forms import FormErrors, message
from services.web.pages import page_router, redirect
from services.web.pages.finance import Finance, FinanceStepUp, if_match, uuid_or_404

router = page_router()
# The largest bank file the page forwards (the service refuses what its own limit exceeds).
MAX_FILE = 10 * 1024 * 1024
DISMISS_REASONS = (
    "bank_charges",
    "incoming_funds",
    "internal_transfer",
    "not_a_vfund_payment",
    "duplicate_booking",
    "other",
)


async def _list_page(
    request: Request,
    ctx: Ctx,
    user: Finance,
    *,
    errors: FormErrors | None = None,
    status_code: int = 200,
) -> Response:
    client = ctx.clients.disbursement
    statements = await client.get("/statements", user.claims, limit=50)
    reports = await client.get("/status-reports", user.claims, limit=20)
    return ctx.renderer.page(
        request,
        "finance/statements.html",
        statements=statements["items"],
        reports=reports["items"],
        errors=errors or FormErrors(),
        key=uuid.uuid4().hex,
        status_code=status_code,
    )


@router.get("/finance/statements")
async def statements(request: Request, ctx: Ctx, user: Finance) -> Response:
    return await _list_page(request, ctx, user)


@router.post("/finance/statements")
async def upload(
    request: Request,
    ctx: Ctx,
    user: Finance,
    file: Annotated[UploadFile | None, File()] = None,
    idempotency_key: Annotated[str, Form(max_length=64, pattern=r"^[0-9a-f]{32}$")] = "",
) -> Response:
    t = request.state.visitor.t
    data = await file.read(MAX_FILE + 1) if file is not None else b""
    if not data or len(data) > MAX_FILE:
        errors = FormErrors()
        errors.add("file", message(t, "missing" if not data else "bank_file_too_large"))
        return await _list_page(request, ctx, user, errors=errors, status_code=422)
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    try:
        reply = await ctx.clients.disbursement.call(
            "POST",
            "/statements",
            user.claims,
            headers=headers,
            files={"file": ("bank-file.xml", data, "application/xml")},
        )
    except ServiceRefusal as exc:
        found = FormErrors.of_refusal(t, exc)
        texts = found.general + [text for texts in found.fields.values() for text in texts]
        errors = FormErrors(fields={"file": texts})
        return await _list_page(request, ctx, user, errors=errors, status_code=exc.status)
    body: dict[str, Any] = reply.body
    if body.get("statements"):
        return redirect(request, f"/finance/statements/{body['statements'][0]['statement_id']}")
    report = body["status_report"]["report_id"]
    return redirect(request, f"/finance/statements/reports/{report}")


async def _statement_page(
    request: Request,
    ctx: Ctx,
    user: Finance,
    statement_id: str,
    *,
    errors: FormErrors | None = None,
    failed_entry: int | None = None,
    status_code: int = 200,
) -> Response:
    statement_id = uuid_or_404(statement_id)
    found = await ctx.clients.disbursement.get(f"/statements/{statement_id}", user.claims)
    return ctx.renderer.page(
        request,
        "finance/statement.html",
        statement=found,
        may_resolve=found["imported_by"] != user.account_id,
        errors=errors or FormErrors(),
        failed_entry=failed_entry,
        reasons=DISMISS_REASONS,
        status_code=status_code,
        done=request.query_params.get("done", ""),
    )


@router.get("/finance/statements/{statement_id}")
async def statement(request: Request, ctx: Ctx, user: Finance, statement_id: str) -> Response:
    return await _statement_page(request, ctx, user, statement_id)


@router.get("/finance/statements/reports/{report_id}")
async def status_report(request: Request, ctx: Ctx, user: Finance, report_id: str) -> Response:
    report_id = uuid_or_404(report_id)
    found = await ctx.clients.disbursement.get(f"/status-reports/{report_id}", user.claims)
    return ctx.renderer.page(request, "finance/status_report.html", report=found)


async def _resolve(
    request: Request,
    ctx: Ctx,
    user: FinanceStepUp,
    statement_id: str,
    index: int,
    action: str,
    json: dict[str, Any],
    version: int | None,
) -> Response:
    statement_id = uuid_or_404(statement_id)
    path = f"/statements/{statement_id}/entries/{index}/{action}"
    try:
        await ctx.clients.disbursement.call(
            "POST", path, user.claims, json=json, headers=if_match(version)
        )
    except ServiceRefusal as exc:
        if exc.status == 404:
            raise
        errors = FormErrors.of_refusal(request.state.visitor.t, exc)
        return await _statement_page(
            request,
            ctx,
            user,
            statement_id,
            errors=errors,
            failed_entry=index,
            status_code=exc.status,
        )
    return redirect(request, f"/finance/statements/{statement_id}?done={action}#entry-{index}")


@router.post("/finance/statements/{statement_id}/entries/{index}/dismiss")
async def dismiss(
    request: Request,
    ctx: Ctx,
    user: FinanceStepUp,
    statement_id: str,
    index: int,
    reason: Annotated[str, Form(max_length=40)] = "",
    version: Annotated[int | None, Form()] = None,
) -> Response:
    return await _resolve(
        request, ctx, user, statement_id, index, "dismiss", {"reason": reason}, version
    )


@router.post("/finance/statements/{statement_id}/entries/{index}/match")
async def match(
    request: Request,
    ctx: Ctx,
    user: FinanceStepUp,
    statement_id: str,
    index: int,
    payment_ids: Annotated[str, Form(max_length=4000)] = "",
    reason_code: Annotated[str, Form(max_length=8)] = "",
    version: Annotated[int | None, Form()] = None,
) -> Response:
    chosen = [p for p in payment_ids.replace(",", " ").split() if p]
    body: dict[str, Any] = {"payment_ids": chosen}
    if reason_code:
        body["reason_code"] = reason_code.strip().upper()
    return await _resolve(request, ctx, user, statement_id, index, "match", body, version)
