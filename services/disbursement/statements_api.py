"""Bank reconciliation (CONTRACT section 8): statements and status reports in; what each entry
was matched to out; unmatched entries matched or dismissed by hand by another officer.

The reconciliation package (XSDs and their validator, ~12 MB) is imported by the first route
that needs it, not at startup."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from services.disbursement import statements_views
from services.disbursement.context import Ctx, Finance, cause_of
from services.disbursement.schemas import DismissIn, EntryMatchIn
from services.disbursement.uploads import bank_file_of
from services.disbursement.views import Body
from shared.deps import IdempotencyKey, IfMatch

router = APIRouter(tags=["statements"])
# A multipart body carries the file plus its framing.
FRAMING = 64 * 1024
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=400)]
Index = Annotated[int, Path(ge=0, le=10_000_000)]
UPLOAD: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/xml": {"schema": {"type": "string"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
        },
    }
}


def body_limit(max_bytes: int) -> int:
    """The request body POST /statements takes: the largest file and its multipart framing."""
    return max_bytes + FRAMING


@router.post(
    "/statements",
    status_code=201,
    openapi_extra=UPLOAD,
    responses={409: {}, 413: {}, 415: {}, 422: {}},
)
async def upload(
    request: Request, ctx: Ctx, principal: Finance, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """A camt.053 or camt.054 (.001.02 to .08) statement of the fund's account, or a pain.002
    (.001.03 to .10) status report: XSD-validated, matched, applied. The same statement
    (account and statement id) or report (message id) again is a 409 that changes nothing."""
    from services.disbursement.commands import statements

    data = bank_file_of(await request.body(), request.headers.get("content-type", ""))
    cause = cause_of(request, principal)
    return await statements.import_file(ctx, cause, data, key=idempotency_key)


@router.get("/statements")
async def list_statements(ctx: Ctx, _: Finance, limit: Limit = 50, cursor: Cursor = None) -> Body:
    return await statements_views.statement_page(ctx.db, limit=limit, cursor=cursor)


@router.get("/statements/{statement_id}")
async def read(statement_id: UUID, ctx: Ctx, _: Finance) -> JSONResponse:
    """The statement with every entry and what it was matched to."""
    return await statements_views.one_statement(ctx.db, statement_id)


@router.get("/statements/{statement_id}/entries/{index}")
async def read_entry(statement_id: UUID, index: Index, ctx: Ctx, _: Finance) -> JSONResponse:
    return await statements_views.one_entry(ctx.db, statement_id, index)


@router.post("/statements/{statement_id}/entries/{index}/match")
async def match(
    statement_id: UUID,
    index: Index,
    body: EntryMatchIn,
    request: Request,
    ctx: Ctx,
    principal: Finance,
    if_match: IfMatch = None,
) -> JSONResponse:
    """Another officer than the importer matches an unmatched entry to payments: a debit pays
    them, a credit returns them (If-Match: 428 without, 412 stale)."""
    from services.disbursement.commands import entries

    cause = cause_of(request, principal)
    return await entries.match(ctx, cause, statement_id, index, body, if_match=if_match)


@router.post("/statements/{statement_id}/entries/{index}/dismiss")
async def dismiss(
    statement_id: UUID,
    index: Index,
    body: DismissIn,
    request: Request,
    ctx: Ctx,
    principal: Finance,
    if_match: IfMatch = None,
) -> JSONResponse:
    """Another officer than the importer sets an unmatched entry aside, with a reason code."""
    from services.disbursement.commands import entries

    cause = cause_of(request, principal)
    return await entries.dismiss_entry(ctx, cause, statement_id, index, body, if_match=if_match)


@router.get("/status-reports")
async def list_status_reports(
    ctx: Ctx, _: Finance, limit: Limit = 50, cursor: Cursor = None
) -> Body:
    return await statements_views.status_report_page(ctx.db, limit=limit, cursor=cursor)


@router.get("/status-reports/{report_id}")
async def read_status_report(report_id: UUID, ctx: Ctx, _: Finance) -> JSONResponse:
    return await statements_views.one_status_report(ctx.db, report_id)
