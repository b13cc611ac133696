"""Reading one case: status, items, timeline; personal data only for those who may, and logged."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Query, Request, Response

from services.intake import records
from services.intake import repository as repo
from services.intake.access import (
    PERSONAL_READERS,
    emit,
    not_found,
    reads_personal,
    visible,
)
from services.intake.api import READERS, money, summary
from services.intake.context import Ctx
from services.intake.personal import (
    FACTS,
    INFORMATION_PREFIX,
    ITEM_DESCRIPTIONS,
    VICTIM,
    document_field,
    open_one,
    open_sealed,
)
from services.intake.schemas import CaseOut
from shared.auth import ASSESSORS, Principal, require
from shared.crypto import CryptoError
from shared.db import Connection
from shared.deps import DbDep, etag
from shared.events import subjects
from shared.events.intake import PersonalDataAccessed
from shared.problems import Problem

router = APIRouter(tags=["cases"])
Purpose = Annotated[str, Query(pattern=r"^[a-z_]{3,40}$")]


@router.get("/cases/{case_id}", response_model=CaseOut)
async def read_case(
    case_id: uuid.UUID, request: Request, response: Response, db: DbDep, ctx: Ctx,
    principal: Annotated[Principal, Depends(require(*READERS))],
    purpose: Purpose = "case_review",
) -> dict[str, Any]:
    cid = str(case_id)
    async with db.transaction() as tx:
        case = await repo.get_case(tx, case_id=cid)
        if case is None or not visible(principal, case["org_id"]):
            raise not_found()
        out = summary(case, principal) | await _public_parts(tx, case, principal)
        if case["erased_at"] is not None:
            out["personal_data"] = "erased"
        elif reads_personal(principal, case["org_id"]):
            sealed = await repo.load_sealed(tx, case_id=cid)
            if sealed is None:
                raise Problem(500, "the case's data key is missing", code="data-key-missing")
            try:
                opened = open_sealed(ctx.keyring, cid, *sealed)
            except CryptoError as exc:
                raise Problem(500, "the case's personal data could not be decrypted",
                              code="decryption-failed") from exc
            _include_personal(out, opened)
            await _accessed(tx, request, case, principal, purpose)
    response.headers["ETag"] = etag(case["version"])
    response.headers["Cache-Control"] = "no-store"
    return out


async def _public_parts(
    tx: Connection, case: asyncpg.Record, principal: Principal
) -> dict[str, Any]:
    cid = str(case["case_id"])
    items = await repo.get_items(tx, case_id=cid)
    history = await repo.get_history(tx, case_id=cid)
    documents = await records.list_documents(tx, case_id=cid)
    requests = await records.list_requests(tx, case_id=cid)
    return {
        "items": [{"item_id": i["item_id"], "category": i["category"], "amount": money(i),
                   "currency": i["currency"]} for i in items],
        "needs": {"medical": case["needs_medical"], "legal": case["needs_legal"]},
        "history": [{"at": h["at"].isoformat(), "kind": h["kind"], "actor": h["actor"],
                     "detail": h["detail"]} for h in history],
        "duplicate_of": [str(d) for d in case["duplicate_of"]]
        if case["possible_duplicate"] and principal.has(*ASSESSORS, "fund_manager") else [],
        "documents": [{"document_id": str(d["document_id"]), "purpose": d["purpose"],
                       "media_type": d["media_type"], "size_bytes": d["size_bytes"],
                       "sha256": d["sha256"], "uploaded_at": d["uploaded_at"].isoformat(),
                       "stored": d["stored"]} for d in documents],
        "information_requests": [
            {"request_id": r["request_id"], "question_category": r["question_category"],
             "requested_at": r["requested_at"].isoformat(),
             "status": "open" if r["answered_at"] is None else "answered",
             "document_ids": [str(d) for d in r["document_ids"]]} for r in requests],
        "personal_data": "withheld",
    }


def _include_personal(out: dict[str, Any], opened: dict[str, Any]) -> None:
    out["victim"] = opened[VICTIM]
    out["facts"] = opened[FACTS]
    for item, text in zip(out["items"], opened[ITEM_DESCRIPTIONS], strict=False):
        item["description"] = text
    for request in out["information_requests"]:
        request["answer"] = opened.get(INFORMATION_PREFIX + request["request_id"])
    out["personal_data"] = "included"


async def _accessed(
    tx: Connection, request: Request, case: asyncpg.Record, principal: Principal, purpose: str,
) -> None:
    role = sorted(principal.roles & PERSONAL_READERS)[0]
    accessed = PersonalDataAccessed(case_id=str(case["case_id"]), actor=principal.sub, role=role,
                                    purpose=purpose)
    await emit(tx, request, case, principal, [(subjects.PERSONAL_DATA_ACCESSED, accessed)],
               now=datetime.now(UTC))


@router.get("/cases/{case_id}/documents/{document_id}",
            responses={200: {"content": {"application/pdf": {}, "image/png": {},
                                         "image/jpeg": {}}}})
async def download_document(
    case_id: uuid.UUID, document_id: uuid.UUID, request: Request, db: DbDep, ctx: Ctx,
    principal: Annotated[Principal, Depends(require("caseworker", *ASSESSORS))],
    purpose: Purpose = "document_review",
) -> Response:
    cid, did = str(case_id), str(document_id)
    async with db.transaction() as tx:
        case = await repo.get_case(tx, case_id=cid)
        if case is None or not reads_personal(principal, case["org_id"]):
            raise not_found()
        doc = await records.get_document(tx, case_id=cid, document_id=did)
        if doc is None:
            raise Problem(404, "no such document on this case", code="document-not-found")
        wrapped = await records.load_key(tx, case_id=cid)
        if doc["blob"] is None or wrapped is None:
            raise Problem(410, "the document was erased with the case's personal data",
                          code="personal-data-erased")
        content = open_one(ctx.keyring, cid, wrapped, document_field(did), bytes(doc["blob"]))
        await _accessed(tx, request, case, principal, purpose)
    return Response(content, media_type=doc["media_type"], headers={
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff",
        "Content-Disposition": f'attachment; filename="{did}"'})
