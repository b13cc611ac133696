"""Changes to a case: documents, answers, withdrawal, report, duplicate ruling, erasure."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import orjson
from fastapi.responses import JSONResponse

from services.intake import views
from services.intake.commands import unit
from services.intake.commands.unit import Caller, Reply
from services.intake.context import IntakeContext
from services.intake.domain import case as rules
from services.intake.personal import document_field, fingerprint, information_field, seal_with
from services.intake.repository import cases, documents, requests, sealed
from services.intake.schemas import DuplicateRulingIn, InformationIn, ReportIn, WithdrawIn
from shared import idempotency
from shared.crypto import WrappedKey
from shared.db import Connection
from shared.deps import etag
from shared.errors import DomainError, Refusal
from shared.events.intake import DocumentPurpose, ErasureBasis, MediaType


@dataclass(frozen=True, slots=True)
class Upload:
    content: bytes
    media_type: MediaType
    purpose: DocumentPurpose
    sha256: str


async def attach_document(
    ctx: IntakeContext,
    caller: Caller,
    upload: Upload,
    *,
    case_id: str,
    if_match: str | None,
    key: str | None,
) -> JSONResponse:
    async def work(tx: Connection) -> Reply:
        stored, now = await unit.lock(tx, caller, case_id=case_id, if_match=if_match)
        document_id = str(uuid.uuid4())
        outcome = rules.attach_document(
            stored.case,
            documents_held=await documents.count_documents(tx, case_id=case_id),
            document_id=document_id,
            sha256=upload.sha256,
            media_type=upload.media_type,
            size_bytes=len(upload.content),
            purpose=upload.purpose,
        )
        wrapped = await _data_key(tx, case_id)
        blob = seal_with(ctx.keyring, case_id, wrapped, document_field(document_id), upload.content)
        await documents.insert_document(
            tx,
            document_id=document_id,
            case_id=case_id,
            purpose=upload.purpose,
            media_type=upload.media_type,
            size_bytes=len(upload.content),
            sha256=upload.sha256,
            uploaded_by=caller.actor.sub,
            at=now,
            blob=blob,
        )
        version = await unit.settle(tx, caller, stored, outcome, now)
        out = views.uploaded(
            document_id=document_id,
            case_id=case_id,
            media_type=upload.media_type,
            size_bytes=len(upload.content),
            sha256=upload.sha256,
            purpose=upload.purpose,
        )
        location = f"/cases/{case_id}/documents/{document_id}"
        return 201, out | {"version": version}, {"ETag": etag(version), "Location": location}

    payload = {"sha256": upload.sha256, "purpose": upload.purpose, "media_type": upload.media_type}
    return await idempotency.run(
        ctx.db,
        key=key,
        principal=(caller.actor.sub, caller.actor.org),
        route=f"POST /cases/{case_id}/documents",
        payload=payload,
        work=work,
    )


async def provide_information(
    ctx: IntakeContext,
    caller: Caller,
    body: InformationIn,
    *,
    case_id: str,
    if_match: str | None,
    key: str | None,
) -> JSONResponse:
    document_ids = [str(d) for d in body.document_ids]

    async def change(tx: Connection, stored: cases.Stored, now: datetime) -> rules.Outcome:
        outcome = rules.provide_information(
            stored.case,
            await requests.get_request(tx, case_id=case_id, request_id=body.request_id),
            unknown_documents=await _unknown_documents(tx, case_id, document_ids),
        )
        field = information_field(body.request_id)
        answer = orjson.dumps(body.answer)
        blob = seal_with(ctx.keyring, case_id, await _data_key(tx, case_id), field, answer)
        await sealed.put_personal(tx, case_id=case_id, field=field, blob=blob)
        await requests.answer_request(
            tx, request_id=body.request_id, by=caller.actor.sub, at=now, document_ids=document_ids
        )
        return outcome

    payload = fingerprint(ctx.blind_index_key, body.model_dump(mode="json"))
    return await unit.apply(
        ctx,
        caller,
        case_id=case_id,
        route=f"POST /cases/{case_id}/information",
        if_match=if_match,
        key=key,
        payload=payload,
        change=change,
    )


async def withdraw(
    ctx: IntakeContext,
    caller: Caller,
    body: WithdrawIn,
    *,
    case_id: str,
    if_match: str | None,
    key: str | None,
) -> JSONResponse:
    async def change(_: Connection, stored: cases.Stored, __: datetime) -> rules.Outcome:
        return rules.withdraw(stored.case, reason=body.reason)

    return await unit.apply(
        ctx,
        caller,
        case_id=case_id,
        route=f"POST /cases/{case_id}/withdraw",
        if_match=if_match,
        key=key,
        payload=body.model_dump(mode="json"),
        change=change,
    )


async def submit_report(
    ctx: IntakeContext,
    caller: Caller,
    body: ReportIn,
    *,
    case_id: str,
    if_match: str | None,
    key: str | None,
) -> JSONResponse:
    document_ids = [str(d) for d in body.document_ids]

    async def change(tx: Connection, stored: cases.Stored, _: datetime) -> rules.Outcome:
        unknown = await _unknown_documents(tx, case_id, document_ids)
        return rules.submit_report(
            stored.case, document_ids=document_ids, unknown_documents=unknown
        )

    return await unit.apply(
        ctx,
        caller,
        case_id=case_id,
        route=f"POST /cases/{case_id}/report",
        if_match=if_match,
        key=key,
        payload=body.model_dump(mode="json"),
        change=change,
    )


async def rule_on_duplicate(
    ctx: IntakeContext,
    caller: Caller,
    body: DuplicateRulingIn,
    *,
    case_id: str,
    if_match: str | None,
    key: str | None,
) -> JSONResponse:
    async def change(tx: Connection, stored: cases.Stored, _: datetime) -> rules.Outcome:
        outcome = rules.clear_duplicate(
            stored.case, ruled_by=caller.actor.sub, reason_code=body.reason_code
        )
        await cases.clear_duplicate(tx, case_id=case_id)
        return outcome

    return await unit.apply(
        ctx,
        caller,
        case_id=case_id,
        route=f"POST /cases/{case_id}/duplicate-ruling",
        if_match=if_match,
        key=key,
        payload=body.model_dump(mode="json"),
        change=change,
        owner_only=False,
    )


async def erase_personal_data(
    ctx: IntakeContext,
    caller: Caller,
    *,
    case_id: str,
    legal_basis: ErasureBasis,
    if_match: str | None,
) -> JSONResponse:
    """Crypto-shredding, of the case as the administrator reviewed it (If-Match required)."""

    async def change(tx: Connection, stored: cases.Stored, now: datetime) -> rules.Outcome:
        outcome = rules.erase(stored.case, erased_by=caller.actor.sub, legal_basis=legal_basis)
        await sealed.erase(tx, case_id=case_id, by=caller.actor.sub, basis=legal_basis, at=now)
        return outcome

    return await unit.apply(
        ctx,
        caller,
        case_id=case_id,
        route=f"DELETE /cases/{case_id}/personal-data",
        if_match=if_match,
        key=None,
        payload={},
        change=change,
        owner_only=False,
        if_match_required=True,
    )


async def _data_key(tx: Connection, case_id: str) -> WrappedKey:
    wrapped = await sealed.load_key(tx, case_id=case_id)
    if wrapped is None:  # the rules refuse an erased case before; the key row is the truth
        raise DomainError(
            Refusal.CONFLICT, "personal-data-erased", "the case's personal data was erased"
        )
    return wrapped


async def _unknown_documents(tx: Connection, case_id: str, document_ids: list[str]) -> list[str]:
    if not document_ids:
        return []
    return await documents.missing_documents(tx, case_id=case_id, document_ids=document_ids)
