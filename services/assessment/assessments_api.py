"""POST /cases/{id}/medical-assessment and /legal-assessment: recommendation, amounts, notes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from services.assessment import commands, domain, repository
from services.assessment.cases_api import CHANGE, CaseId
from services.assessment.context import AssessmentContext, Ctx
from services.assessment.errors import DomainError
from services.assessment.events import Result
from services.assessment.model import AssessmentKind, CaseFile
from services.assessment.notes import check_notes
from services.assessment.schemas import AssessmentIn, amounts_of
from shared.auth import Principal, require
from shared.db import Connection
from shared.deps import IdempotencyKey, IfMatch

router = APIRouter(tags=["assessments"])


async def _assess(
    kind: AssessmentKind,
    case_id: str,
    body: AssessmentIn,
    request: Request,
    ctx: AssessmentContext,
    principal: Principal,
    if_match: str | None,
    key: str | None,
) -> JSONResponse:
    amounts = amounts_of(body.recommended_items, "recommended_items")

    def command(case: CaseFile, now: Any) -> Result:
        result = domain.record_assessment(
            case,
            kind=kind,
            assessor=principal.sub,
            roles=principal.roles,
            recommendation=body.recommendation,
            amounts=amounts,
            now=now,
            has_reason_for_exceeding=body.exceeding_reason is not None,
        )
        # Checked after the role and state: a wrong-role caller learns nothing about the notes.
        for field, text in (("notes", body.notes), ("exceeding_reason", body.exceeding_reason)):
            try:
                check_notes(text or "")
            except DomainError as exc:
                raise commands.problem_of(exc, field=field) from exc
        return result

    async def after(tx: Connection, result: Result) -> None:
        recorded = result.case.latest_assessment(kind)
        assert recorded is not None
        await repository.add_assessment(
            tx,
            case_id=case_id,
            assessment=recorded,
            notes=body.notes,
            exceeding_reason=body.exceeding_reason,
            case_version=result.case.version,
        )

    return await commands.run(
        ctx,
        request,
        principal,
        case_id=case_id,
        route=f"POST /cases/{case_id}/{kind}-assessment",
        if_match=if_match,
        key=key,
        payload=body.model_dump(mode="json"),
        command=command,
        after=after,
        respond=lambda _: (201, {}),
    )


@router.post("/cases/{case_id}/medical-assessment", status_code=201, responses=CHANGE)
async def medical_assessment(
    case_id: CaseId,
    body: AssessmentIn,
    request: Request,
    ctx: Ctx,
    principal: Principal = Depends(require("medical_assessor")),  # noqa: B008
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record a medical assessment (medical_assessor); a later one supersedes, history kept."""
    return await _assess(
        AssessmentKind.MEDICAL, case_id, body, request, ctx, principal, if_match, idempotency_key
    )


@router.post("/cases/{case_id}/legal-assessment", status_code=201, responses=CHANGE)
async def legal_assessment(
    case_id: CaseId,
    body: AssessmentIn,
    request: Request,
    ctx: Ctx,
    principal: Principal = Depends(require("legal_assessor")),  # noqa: B008
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record a legal assessment (legal_assessor); a later one supersedes, history kept."""
    return await _assess(
        AssessmentKind.LEGAL, case_id, body, request, ctx, principal, if_match, idempotency_key
    )
