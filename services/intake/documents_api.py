"""Documents of a case: multipart in, typed by their bytes, stored encrypted; read back logged."""

from __future__ import annotations

import hashlib
import uuid
from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from services.intake.commands import changes, reads
from services.intake.commands.unit import Caller
from services.intake.context import Ctx
from services.intake.documents import ALLOWED_MEDIA_TYPES, MAX_DOCUMENT_BYTES, sniff_media_type
from services.intake.domain.access import ASSESSORS
from services.intake.multipart import MultipartError, boundary_of, parse
from shared.auth import Principal, require
from shared.deps import IdempotencyKey, IfMatch
from shared.events.intake import DocumentPurpose
from shared.problems import Problem

router = APIRouter(tags=["documents"])
PURPOSES: dict[str, DocumentPurpose] = {p: p for p in get_args(DocumentPurpose)}
# The body may carry the file plus its multipart framing and a purpose field.
BODY_LIMIT = MAX_DOCUMENT_BYTES + 64 * 1024
UPLOAD_SCHEMA: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "purpose": {"type": "string", "enum": list(PURPOSES)},
                    },
                }
            }
        },
    }
}
Purpose = Annotated[str, Query(pattern=r"^[a-z_]{3,40}$")]


def _field_error(status: int, field: str, code: str, message: str) -> Problem:
    return Problem(
        status, message, code=code, errors=[{"field": field, "code": code, "message": message}]
    )


def read_upload(body: bytes, content_type: str) -> changes.Upload:
    """The file and its purpose from a multipart body; its type from its bytes, not its name."""
    boundary = boundary_of(content_type)
    if boundary is None:
        raise Problem(415, "send the document as multipart/form-data", code="not-multipart")
    try:
        parts = parse(body, boundary)
    except MultipartError as exc:
        raise Problem(400, str(exc), code="bad-multipart") from exc
    unknown = sorted(set(parts) - {"file", "purpose"})
    if unknown:
        raise Problem(
            422,
            "the form has unexpected fields",
            code="validation-error",
            errors=[
                {"field": f, "code": "extra_forbidden", "message": "unexpected field"}
                for f in unknown
            ],
        )
    file = parts.get("file")
    if file is None or file.filename is None:
        raise _field_error(422, "file", "missing", "a file part named 'file' is required")
    named = bytes(parts["purpose"].data).decode("utf-8", "replace") if "purpose" in parts else None
    purpose: DocumentPurpose | None = "evidence" if named is None else PURPOSES.get(named)
    if purpose is None:
        raise _field_error(422, "purpose", "enum", f"purpose must be one of {', '.join(PURPOSES)}")
    content = bytes(file.data)
    if not content:
        raise _field_error(422, "file", "empty", "the file is empty")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise _field_error(
            413, "file", "too_large", f"a document may be at most {MAX_DOCUMENT_BYTES} bytes"
        )
    sniffed = sniff_media_type(content[:64])
    if sniffed is None:
        raise _field_error(
            415, "file", "unsupported_type", "the file's bytes are not a PDF, JPEG or PNG document"
        )
    declared = file.content_type
    if declared in ALLOWED_MEDIA_TYPES and declared != sniffed:
        raise _field_error(
            415,
            "file",
            "type_mismatch",
            "the declared content type does not match the file's bytes",
        )
    return changes.Upload(content, sniffed, purpose, hashlib.sha256(content).hexdigest())


@router.post(
    "/cases/{case_id}/documents",
    status_code=201,
    openapi_extra=UPLOAD_SCHEMA,
    responses={404: {}, 409: {}, 412: {}, 413: {}, 415: {}, 422: {}},
)
async def attach_document(
    case_id: uuid.UUID,
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, Depends(require("caseworker"))],
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    upload = read_upload(await request.body(), request.headers.get("content-type", ""))
    caller = Caller(principal, request.state.request_id)
    return await changes.attach_document(
        ctx, caller, upload, case_id=str(case_id), if_match=if_match, key=idempotency_key
    )


@router.get(
    "/cases/{case_id}/documents/{document_id}",
    responses={
        200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}},
    },
)
async def download_document(
    case_id: uuid.UUID,
    document_id: uuid.UUID,
    request: Request,
    ctx: Ctx,
    principal: Annotated[Principal, Depends(require("caseworker", *sorted(ASSESSORS)))],
    purpose: Purpose = "document_review",
) -> Response:
    did = str(document_id)
    caller = Caller(principal, request.state.request_id)
    content, media_type = await reads.open_document(
        ctx, caller, case_id=str(case_id), document_id=did, purpose=purpose
    )
    return Response(
        content,
        media_type=media_type,
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'attachment; filename="{did}"',
        },
    )
