"""POST /cases/{id}/medical-assessment and /legal-assessment: recommendation, amounts, notes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from services.assessment import commands
from services.assessment.cases_api import CHANGE, CaseId, api_call
from services.assessment.context import Ctx
from services.assessment.domain.codes import AssessmentKind
from services.assessment.schemas import AssessmentIn, amounts_of
from shared.auth import Principal, require
from shared.deps import IdempotencyKey, IfMatch

router = APIRouter(tags=["assessments"])
MedicalAssessor = Annotated[Principal, Depends(require("medical_assessor"))]
LegalAssessor = Annotated[Principal, Depends(require("legal_assessor"))]


async def _assess(
    kind: AssessmentKind, case_id: str, body: AssessmentIn, call: commands.ApiCall, ctx: Ctx
) -> JSONResponse:
    return await commands.assess(
        ctx,
        call,
        case_id,
        kind=kind,
        recommendation=body.recommendation,
        amounts=amounts_of(body.recommended_items, "recommended_items"),
        notes=body.notes,
        exceeding_reason=body.exceeding_reason,
    )


@router.post("/cases/{case_id}/medical-assessment", status_code=201, responses=CHANGE)
async def medical_assessment(
    case_id: CaseId,
    body: AssessmentIn,
    request: Request,
    ctx: Ctx,
    principal: MedicalAssessor,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record a medical assessment (medical_assessor); a later one supersedes, history kept."""
    call = api_call(request, principal, body, if_match, idempotency_key)
    return await _assess(AssessmentKind.MEDICAL, case_id, body, call, ctx)


@router.post("/cases/{case_id}/legal-assessment", status_code=201, responses=CHANGE)
async def legal_assessment(
    case_id: CaseId,
    body: AssessmentIn,
    request: Request,
    ctx: Ctx,
    principal: LegalAssessor,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Record a legal assessment (legal_assessor); a later one supersedes, history kept."""
    call = api_call(request, principal, body, if_match, idempotency_key)
    return await _assess(AssessmentKind.LEGAL, case_id, body, call, ctx)
