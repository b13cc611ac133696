"""Changes to a case: answer information, withdraw, report, rule on a duplicate, erase."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any

import asyncpg
import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from services.intake import domain, records
from services.intake import repository as repo
from services.intake.access import (
    case_for_change,
    data_key_of,
    emit,
    fingerprint,
    refused,
)
from services.intake.context import Ctx
from services.intake.personal import information_field, seal_with
from services.intake.schemas import (
    ChangeOut,
    DuplicateRulingIn,
    ErasureBasis,
    InformationIn,
    ReportIn,
    WithdrawIn,
)
from shared import idempotency
from shared.auth import ASSESSORS, Principal, require
from shared.db import Connection
from shared.deps import DbDep, IdempotencyKey, IfMatch, etag
from shared.events import subjects
from shared.events.envelope import EventData
from shared.events.intake import (
    CaseClosed,
    CaseDuplicateCleared,
    CaseInformationProvided,
    CaseWithdrawn,
    PersonalDataErased,
    ReportSubmitted,
)
from shared.problems import Problem

router = APIRouter(tags=["case changes"])
Caseworker = Annotated[Principal, Depends(require("caseworker"))]
Change = Callable[[Connection, asyncpg.Record, datetime], Awaitable[list[tuple[str, EventData]]]]
CHANGE_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {}, 409: {}, 412: {}, 422: {}, 401: {}, 403: {}}


async def _change(
    db: Any, request: Request, principal: Principal, *, case_id: uuid.UUID, route: str,
    if_match: str | None, key: str | None, payload: Any, change: Change,
    owner_only: bool = True,
) -> JSONResponse:
    """Lock, check the version, apply, record the timeline and events: one transaction."""

    async def work(tx: Connection) -> tuple[int, dict[str, Any], dict[str, str]]:
        case = await case_for_change(tx, case_id=str(case_id), principal=principal,
                                     if_match=if_match, owner_only=owner_only)
        now = datetime.now(UTC)
        try:
            events = await change(tx, case, now)
        except domain.TransitionRefused as exc:
            raise refused(exc) from exc
        ids = await emit(tx, request, case, principal, events, now=now)
        for (subject, _), event_id in zip(events, ids, strict=True):
            await repo.add_history(tx, case_id=str(case_id), at=now,
                                   kind=subject.removeprefix("vfund.intake."),
                                   actor=principal.sub, event_id=event_id)
        row = await repo.get_case(tx, case_id=str(case_id))
        assert row is not None
        out = ChangeOut(case_id=str(case_id), status=row["status"], version=row["version"])
        return 200, out.model_dump(), {"ETag": etag(row["version"])}

    return await idempotency.run(db, key=key, principal=principal.sub, route=route,
                                 payload=payload, work=work)


@router.post("/cases/{case_id}/information", response_model=ChangeOut,
             responses=CHANGE_RESPONSES)
async def provide_information(
    case_id: uuid.UUID, body: InformationIn, request: Request, db: DbDep, ctx: Ctx,
    principal: Caseworker, if_match: IfMatch = None, idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    document_ids = [str(d) for d in body.document_ids]

    async def change(tx: Connection, case: asyncpg.Record, now: datetime
                     ) -> list[tuple[str, EventData]]:
        cid = str(case["case_id"])
        pending = await records.get_request(tx, case_id=cid, request_id=body.request_id)
        if pending is None:
            raise Problem(404, "no such information request on this case",
                          code="request-not-found")
        if pending["answered_at"] is not None:
            raise Problem(409, "this information request is already answered",
                          code="already-answered")
        domain.may_answer(case["status"])
        await _check_documents(tx, cid, document_ids)
        wrapped = await data_key_of(tx, case)
        blob = seal_with(ctx.keyring, cid, wrapped, information_field(body.request_id),
                         orjson.dumps(body.answer))
        await records.put_personal(tx, case_id=cid, field=information_field(body.request_id),
                                   blob=blob)
        left = await records.answer_request(tx, request_id=body.request_id, by=principal.sub,
                                            at=now, document_ids=document_ids)
        status = domain.after_information_provided(case["status"], open_requests_left=left)
        await records.set_status(tx, case_id=cid, status=status, at=now)
        return [(subjects.CASE_INFORMATION_PROVIDED,
                 CaseInformationProvided(case_id=cid, request_id=body.request_id))]

    return await _change(
        db, request, principal, case_id=case_id, route=f"POST /cases/{case_id}/information",
        if_match=if_match, key=idempotency_key, change=change,
        payload=fingerprint(ctx.blind_index_key, body.model_dump(mode="json")))


@router.post("/cases/{case_id}/withdraw", response_model=ChangeOut, responses=CHANGE_RESPONSES)
async def withdraw_case(
    case_id: uuid.UUID, body: WithdrawIn, request: Request, db: DbDep, principal: Caseworker,
    if_match: IfMatch = None, idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def change(tx: Connection, case: asyncpg.Record, now: datetime
                     ) -> list[tuple[str, EventData]]:
        status = domain.withdraw(case["status"])
        await records.set_status(tx, case_id=str(case["case_id"]), status=status, at=now)
        return [(subjects.CASE_WITHDRAWN,
                 CaseWithdrawn(case_id=str(case["case_id"]), reason=body.reason))]

    return await _change(db, request, principal, case_id=case_id,
                         route=f"POST /cases/{case_id}/withdraw", if_match=if_match,
                         key=idempotency_key, payload=body.model_dump(mode="json"),
                         change=change)


@router.post("/cases/{case_id}/report", response_model=ChangeOut, responses=CHANGE_RESPONSES)
async def submit_report(
    case_id: uuid.UUID, body: ReportIn, request: Request, db: DbDep, principal: Caseworker,
    if_match: IfMatch = None, idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    document_ids = [str(d) for d in body.document_ids]

    async def change(tx: Connection, case: asyncpg.Record, now: datetime
                     ) -> list[tuple[str, EventData]]:
        cid = str(case["case_id"])
        status = domain.submit_report(case["status"])
        await _check_documents(tx, cid, document_ids)
        await records.set_status(tx, case_id=cid, status=status, at=now)
        return [(subjects.REPORT_SUBMITTED,
                 ReportSubmitted(case_id=cid, document_ids=document_ids)),
                (subjects.CASE_CLOSED, CaseClosed(case_id=cid))]

    return await _change(db, request, principal, case_id=case_id,
                         route=f"POST /cases/{case_id}/report", if_match=if_match,
                         key=idempotency_key, payload=body.model_dump(mode="json"),
                         change=change)


@router.post("/cases/{case_id}/duplicate-ruling", response_model=ChangeOut,
             responses=CHANGE_RESPONSES)
async def rule_on_duplicate(
    case_id: uuid.UUID, body: DuplicateRulingIn, request: Request, db: DbDep,
    principal: Annotated[Principal, Depends(require(*ASSESSORS))],
    if_match: IfMatch = None, idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    async def change(tx: Connection, case: asyncpg.Record, now: datetime
                     ) -> list[tuple[str, EventData]]:
        if not case["possible_duplicate"]:
            raise Problem(409, "the case is not flagged as a possible duplicate",
                          code="not-flagged")
        cid = str(case["case_id"])
        await records.clear_duplicate(tx, case_id=cid, at=now)
        return [(subjects.CASE_DUPLICATE_CLEARED, CaseDuplicateCleared(
            case_id=cid, matching_case_ids=[str(c) for c in case["duplicate_of"]],
            ruled_by=principal.sub, reason_code=body.reason_code))]

    return await _change(db, request, principal, case_id=case_id,
                         route=f"POST /cases/{case_id}/duplicate-ruling", if_match=if_match,
                         key=idempotency_key, payload=body.model_dump(mode="json"),
                         change=change, owner_only=False)


@router.delete("/cases/{case_id}/personal-data", response_model=ChangeOut,
               responses=CHANGE_RESPONSES)
async def erase_personal_data(
    case_id: uuid.UUID, request: Request, db: DbDep,
    principal: Annotated[Principal, Depends(require("admin"))],
    legal_basis: Annotated[ErasureBasis, Query()], if_match: IfMatch = None,
) -> JSONResponse:
    async def change(tx: Connection, case: asyncpg.Record, now: datetime
                     ) -> list[tuple[str, EventData]]:
        if case["erased_at"] is not None:
            raise Problem(409, "the case's personal data is already erased",
                          code="already-erased")
        cid = str(case["case_id"])
        await records.erase(tx, case_id=cid, by=principal.sub, basis=legal_basis, at=now)
        return [(subjects.PERSONAL_DATA_ERASED, PersonalDataErased(
            case_id=cid, erased_by=principal.sub, legal_basis=legal_basis))]

    return await _change(db, request, principal, case_id=case_id,
                         route=f"DELETE /cases/{case_id}/personal-data", if_match=if_match,
                         key=None, payload={}, change=change, owner_only=False)


async def _check_documents(tx: Connection, case_id: str, document_ids: list[str]) -> None:
    missing = await records.missing_documents(tx, case_id=case_id, document_ids=document_ids)
    if missing:
        raise Problem(422, "some documents are not attached to this case",
                      code="unknown-documents",
                      errors=[{"field": "document_ids", "code": "unknown_document",
                               "message": f"not a document of this case: {d}"}
                              for d in missing])
