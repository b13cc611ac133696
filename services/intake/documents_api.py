"""Attaching a document to a case: multipart in, type by its bytes, stored encrypted."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, get_args

import asyncpg
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from services.intake import domain, records
from services.intake import repository as repo
from services.intake.access import case_for_change, data_key_of, emit, refused
from services.intake.context import Ctx, IntakeContext
from services.intake.documents import ALLOWED_MEDIA_TYPES, MAX_DOCUMENT_BYTES, sniff_media_type
from services.intake.multipart import MultipartError, boundary_of, parse
from services.intake.personal import document_field, seal_with
from shared import idempotency
from shared.auth import Principal, require
from shared.db import Connection
from shared.deps import DbDep, IdempotencyKey, IfMatch, etag
from shared.events import subjects
from shared.events.intake import DocumentAttached
from shared.problems import Problem

router = APIRouter(tags=["documents"])
Purpose = Literal["evidence", "information", "report"]
PURPOSES: tuple[Purpose, ...] = get_args(Purpose)
MAX_DOCUMENTS_PER_CASE = 50
# The body may carry the file plus its multipart framing and a purpose field.
BODY_LIMIT = MAX_DOCUMENT_BYTES + 64 * 1024
UPLOAD_SCHEMA: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object", "required": ["file"],
        "properties": {"file": {"type": "string", "format": "binary"},
                       "purpose": {"type": "string", "enum": list(PURPOSES)}}}}}}}


def _field_error(status: int, field: str, code: str, message: str) -> Problem:
    return Problem(status, message, code=code,
                   errors=[{"field": field, "code": code, "message": message}])


def _read_upload(body: bytes, content_type: str) -> tuple[bytes, str, str | None]:
    boundary = boundary_of(content_type)
    if boundary is None:
        raise Problem(415, "send the document as multipart/form-data", code="not-multipart")
    try:
        parts = parse(body, boundary)
    except MultipartError as exc:
        raise Problem(400, str(exc), code="bad-multipart") from exc
    unknown = sorted(set(parts) - {"file", "purpose"})
    if unknown:
        raise Problem(422, "the form has unexpected fields", code="validation-error",
                      errors=[{"field": f, "code": "extra_forbidden",
                               "message": "unexpected field"} for f in unknown])
    file = parts.get("file")
    if file is None or file.filename is None:
        raise _field_error(422, "file", "missing", "a file part named 'file' is required")
    purpose = bytes(parts["purpose"].data).decode("utf-8", "replace") if "purpose" in parts \
        else "evidence"
    if purpose not in PURPOSES:
        raise _field_error(422, "purpose", "enum", f"purpose must be one of {', '.join(PURPOSES)}")
    content = bytes(file.data)
    if not content:
        raise _field_error(422, "file", "empty", "the file is empty")
    if len(content) > MAX_DOCUMENT_BYTES:
        raise _field_error(413, "file", "too_large",
                           f"a document may be at most {MAX_DOCUMENT_BYTES} bytes")
    sniffed = sniff_media_type(content[:64])
    if sniffed is None:
        raise _field_error(415, "file", "unsupported_type",
                           "the file's bytes are not a PDF, JPEG or PNG document")
    declared = file.content_type
    if declared in ALLOWED_MEDIA_TYPES and declared != sniffed:
        raise _field_error(415, "file", "type_mismatch",
                           "the declared content type does not match the file's bytes")
    return content, sniffed, purpose


@router.post("/cases/{case_id}/documents", status_code=201, openapi_extra=UPLOAD_SCHEMA,
             responses={404: {}, 409: {}, 412: {}, 413: {}, 415: {}, 422: {}})
async def attach_document(
    case_id: uuid.UUID, request: Request, db: DbDep, ctx: Ctx,
    principal: Annotated[Principal, Depends(require("caseworker"))],
    if_match: IfMatch = None, idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    content, media_type, purpose = _read_upload(
        await request.body(), request.headers.get("content-type", ""))
    assert purpose is not None
    sha256 = hashlib.sha256(content).hexdigest()

    async def work(tx: Connection) -> tuple[int, dict[str, Any], dict[str, str]]:
        case = await case_for_change(tx, case_id=str(case_id), principal=principal,
                                     if_match=if_match)
        try:
            domain.may_attach(case["status"])
        except domain.TransitionRefused as exc:
            raise refused(exc) from exc
        out = await _store(tx, request, ctx, case, principal, content=content,
                           media_type=media_type, purpose=purpose, sha256=sha256)
        version = await records.set_status(tx, case_id=str(case_id), status=case["status"],
                                           at=datetime.now(UTC))
        return 201, out | {"version": version}, {
            "ETag": etag(version), "Location": f"/cases/{case_id}/documents/{out['document_id']}"}

    return await idempotency.run(
        db, key=idempotency_key, principal=principal.sub, route=f"POST /cases/{case_id}/documents",
        payload={"sha256": sha256, "purpose": purpose, "media_type": media_type}, work=work)


async def _store(
    tx: Connection, request: Request, ctx: IntakeContext, case: asyncpg.Record,
    principal: Principal, *,
    content: bytes, media_type: str, purpose: str, sha256: str,
) -> dict[str, Any]:
    cid = str(case["case_id"])
    if len(await records.list_documents(tx, case_id=cid)) >= MAX_DOCUMENTS_PER_CASE:
        raise Problem(409, f"a case holds at most {MAX_DOCUMENTS_PER_CASE} documents",
                      code="too-many-documents")
    wrapped = await data_key_of(tx, case)
    document_id = str(uuid.uuid4())
    now = datetime.now(UTC)
    blob = seal_with(ctx.keyring, cid, wrapped, document_field(document_id), content)
    await records.insert_document(
        tx, document_id=document_id, case_id=cid, purpose=purpose, media_type=media_type,
        size_bytes=len(content), sha256=sha256, uploaded_by=principal.sub, at=now, blob=blob)
    attached = DocumentAttached(case_id=cid, document_id=document_id, sha256=sha256,
                                media_type=media_type, size_bytes=len(content),
                                purpose=purpose)
    [event_id] = await emit(tx, request, case, principal,
                            [(subjects.DOCUMENT_ATTACHED, attached)], now=now)
    await repo.add_history(tx, case_id=cid, at=now, kind="document.attached",
                           actor=principal.sub, event_id=event_id,
                           detail={"document_id": document_id, "purpose": purpose})
    return {"document_id": document_id, "case_id": cid, "media_type": media_type,
            "size_bytes": len(content), "sha256": sha256, "purpose": purpose}
