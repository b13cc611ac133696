"""/cases/{id}: one case as its caseworker follows it, and the changes they make to it.

Who may come: the case's organisation's caseworkers; its `org_admin` sees the status only; any
other organisation's case is the 404 page (intake cannot tell it from a missing one). What it
asks: intake, for the case without the victim's data, or with it when the caseworker says why
(intake records every such read). Every change carries the version the caseworker saw
(If-Match) and the form's Idempotency-Key: a change made meanwhile is shown, never overwritten;
the same form sent twice changes the case once."""

from __future__ import annotations

import uuid
from typing import Any, get_args

from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from services.web.access import PageNotFound, User
from services.web.clients import Reply, ServiceRefusal
from services.web.context import Ctx
from services.web.forms import FormErrors
from services.web.messages import CASE_STATUSES, URGENCIES
from services.web.pages import page_router, redirect
from services.web.pages.cases import Caseworker, Member, case_errors, refusal, translator
from services.web.pages.cases_form import form_key, new_key
from shared.events.intake import DocumentPurpose, WithdrawalReason

# Why a caseworker opens the victim's data: intake records it with the read.
PURPOSES = ("case_review", "answer_information", "funds_report", "contact_victim")
WITHDRAWAL_REASONS = get_args(WithdrawalReason)
DOCUMENT_PURPOSES = get_args(DocumentPurpose)
MEDIA_TYPES = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}

# Served after pages/cases.py's routes (modules in name order): /cases/new is not a case id.
router = page_router()


def _case_id(case_id: str) -> str:
    """Only a case id goes to intake: anything else is a page that does not exist."""
    try:
        return str(uuid.UUID(case_id))
    except ValueError:
        raise PageNotFound from None


async def _read(ctx: Ctx, user: User, case_id: str, purpose: str | None) -> Reply:
    try:
        return await ctx.clients.intake.case(user.claims, case_id, purpose=purpose)
    except ServiceRefusal as exc:
        if exc.status in (403, 404):
            raise PageNotFound from exc
        raise


async def _page(
    request: Request,
    ctx: Ctx,
    user: User,
    case_id: str,
    *,
    purpose: str | None = None,
    failed: str = "",
    errors: FormErrors | None = None,
    typed: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    caseworker = user.has("caseworker")
    if request.headers.get("HX-Request"):
        # The upload's refusal is swapped into the page as it stands: htmx swaps a 200 (a 4xx
        # would also be a console error), while a form sent without script gets the status.
        status_code = 200
    reply = await _read(ctx, user, case_id, purpose if caseworker else None)
    case: dict[str, Any] = reply.body
    return ctx.renderer.page(
        request,
        "cases/case.html",
        status_code=status_code,
        case=case,
        status_only=not caseworker,
        revealed=case.get("personal_data") == "included",
        documents={d["document_id"]: d for d in case.get("documents", [])},
        failed=failed,
        errors=errors or FormErrors(),
        blank=FormErrors(),
        typed=typed or {},
        done=request.query_params.get("done", "") if request.method == "GET" else "",
        new_key=new_key,
        statuses=CASE_STATUSES,
        urgencies=URGENCIES,
        purposes=PURPOSES,
        reasons=WITHDRAWAL_REASONS,
        document_purposes=DOCUMENT_PURPOSES,
    )


@router.get("/cases/{case_id}")
async def case(request: Request, ctx: Ctx, user: Member, case_id: str) -> Response:
    return await _page(request, ctx, user, _case_id(case_id))


@router.post("/cases/{case_id}/reveal")
async def reveal(request: Request, ctx: Ctx, user: Caseworker, case_id: str) -> Response:
    """The case with the victim's data, for the reason the caseworker gives; intake records the
    read. A POST: the data is shown in this answer only (never cached), and no link to it can
    open it by accident."""
    case_id = _case_id(case_id)
    purpose = (await request.form()).get("purpose")
    if purpose not in PURPOSES:
        errors = refusal(translator(request), "purpose-missing", "reveal.purpose")
        return await _page(
            request, ctx, user, case_id, failed="reveal", errors=errors, status_code=422
        )
    return await _page(request, ctx, user, case_id, purpose=str(purpose))


async def _changed(
    request: Request,
    ctx: Ctx,
    user: User,
    case_id: str,
    *,
    form: str,
    typed: dict[str, Any],
    change: Any,
    done: str,
    anchor: str,
) -> Response:
    """One change sent to intake; refused, the page comes back as the case is now, with what
    the caseworker typed and intake's words next to the fields they name."""
    try:
        await change
    except ServiceRefusal as exc:
        if exc.code == "case-not-found" or exc.status == 403:
            raise PageNotFound from exc
        errors = case_errors(translator(request), exc, prefix=f"{form}.")
        return await _page(
            request,
            ctx,
            user,
            case_id,
            failed=form,
            errors=errors,
            typed=typed,
            status_code=exc.status if exc.status < 500 else 409,
        )
    return redirect(request, f"/cases/{case_id}?done={done}#{anchor}")


def _version(form: FormData) -> str:
    """The version the caseworker saw, as intake's ETag; anything else matches no version."""
    seen = form.get("version")
    return f'"{seen}"' if isinstance(seen, str) and seen.isdigit() and len(seen) < 12 else '"0"'


def _key(form: FormData) -> str:
    return form_key(form.get("idempotency_key")) or new_key()


def _ids(form: FormData) -> list[str]:
    return [v for v in form.getlist("document_ids") if isinstance(v, str)][:20]


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


@router.post("/cases/{case_id}/documents")
async def upload(request: Request, ctx: Ctx, user: Caseworker, case_id: str) -> Response:
    """A PDF, JPEG or PNG document (intake checks its bytes and size). It is sent on from
    memory, without its file name, and kept nowhere here."""
    case_id = _case_id(case_id)
    form = await request.form()
    purpose = _text(form, "purpose")
    typed = {"purpose": purpose, "idempotency_key": _key(form)}
    file = form.get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        errors = refusal(translator(request), "file-missing", "upload.file")
        return await _page(
            request,
            ctx,
            user,
            case_id,
            failed="upload",
            errors=errors,
            typed=typed,
            status_code=422,
        )
    content = await file.read()
    declared = file.content_type if file.content_type in MEDIA_TYPES else "application/octet-stream"
    sent = ctx.clients.intake.attach(
        user.claims,
        case_id,
        content=content,
        media_type=declared,
        purpose=purpose,
        version=_version(form),
        key=typed["idempotency_key"],
    )
    return await _changed(
        request,
        ctx,
        user,
        case_id,
        form="upload",
        typed=typed,
        change=sent,
        done="uploaded",
        anchor="documents",
    )


@router.get("/cases/{case_id}/documents/{document_id}")
async def download(ctx: Ctx, user: Caseworker, case_id: str, document_id: str) -> Response:
    """The document as an attachment, never kept by the browser (intake records the read)."""
    case_id, document_id = _case_id(case_id), _case_id(document_id)
    try:
        reply = await ctx.clients.intake.document(user.claims, case_id, document_id)
    except ServiceRefusal as exc:
        raise PageNotFound from exc
    media_type = reply.headers.get("content-type", "application/octet-stream").split(";")[0]
    extension = MEDIA_TYPES.get(media_type, "bin")
    return Response(
        reply.body,
        media_type=media_type,
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="document-{document_id}.{extension}"',
        },
    )


@router.post("/cases/{case_id}/information")
async def answer(request: Request, ctx: Ctx, user: Caseworker, case_id: str) -> Response:
    case_id = _case_id(case_id)
    form = await request.form()
    request_id = _text(form, "request_id")[:64]
    text, ids, key = _text(form, "answer"), _ids(form), _key(form)
    typed = {"request_id": request_id, "answer": text, "document_ids": ids, "idempotency_key": key}
    body: dict[str, Any] = {"request_id": request_id, "document_ids": ids}
    if text.strip():
        body["answer"] = text
    sent = ctx.clients.intake.change(
        user.claims, case_id, "information", body, version=_version(form), key=key
    )
    return await _changed(
        request,
        ctx,
        user,
        case_id,
        form=f"answer-{request_id}",
        typed=typed,
        change=sent,
        done="answered",
        anchor="requests",
    )


@router.post("/cases/{case_id}/withdraw")
async def withdraw(request: Request, ctx: Ctx, user: Caseworker, case_id: str) -> Response:
    case_id = _case_id(case_id)
    form = await request.form()
    typed = {"reason": _text(form, "reason"), "idempotency_key": _key(form)}
    if form.get("confirm") != "yes":
        errors = refusal(translator(request), "confirm-missing", "withdraw.confirm")
        return await _page(
            request,
            ctx,
            user,
            case_id,
            failed="withdraw",
            errors=errors,
            typed=typed,
            status_code=422,
        )
    body = {"reason": typed["reason"]} if typed["reason"] else {}
    sent = ctx.clients.intake.change(
        user.claims, case_id, "withdraw", body, version=_version(form), key=typed["idempotency_key"]
    )
    return await _changed(
        request,
        ctx,
        user,
        case_id,
        form="withdraw",
        typed=typed,
        change=sent,
        done="withdrawn",
        anchor="main",
    )


@router.post("/cases/{case_id}/report")
async def report(request: Request, ctx: Ctx, user: Caseworker, case_id: str) -> Response:
    case_id = _case_id(case_id)
    form = await request.form()
    ids, key = _ids(form), _key(form)
    typed = {"document_ids": ids, "idempotency_key": key}
    sent = ctx.clients.intake.change(
        user.claims, case_id, "report", {"document_ids": ids}, version=_version(form), key=key
    )
    return await _changed(
        request,
        ctx,
        user,
        case_id,
        form="report",
        typed=typed,
        change=sent,
        done="reported",
        anchor="main",
    )
