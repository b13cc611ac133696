"""A case in assessment: its view, review requests and information requests."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse

from services.assessment import commands, domain, repository
from services.assessment.context import Ctx
from services.assessment.events import InformationRequested, Result
from services.assessment.model import AssessmentKind, CaseFile
from services.assessment.schemas import InformationRequestIn, ReviewRequestIn
from services.assessment.views import kinds_of
from shared.auth import Principal, require
from shared.deps import IdempotencyKey, IfMatch, etag
from shared.problems import Problem

router = APIRouter(tags=["cases"])
CaseId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
Reader = Annotated[
    Principal, Depends(require("medical_assessor", "legal_assessor", "fund_manager"))
]
Assessor = Annotated[Principal, Depends(require("medical_assessor", "legal_assessor"))]
CHANGE: dict[int | str, dict[str, Any]] = {401: {}, 403: {}, 404: {}, 409: {}, 412: {}, 422: {}}


@router.get("/cases/{case_id}", responses={401: {}, 403: {}, 404: {}})
async def get_case(case_id: CaseId, ctx: Ctx, _: Reader) -> JSONResponse:
    """The assessment view (no personal data; notes for assessors and fund managers); ETag."""
    async with ctx.db.connection() as conn:
        stored = await repository.get_case(conn, case_id=case_id)
        if stored is None:
            raise Problem(404, "no such case in assessment", code="case-not-found")
        body = await commands.view_of(conn, stored, ctx)
    return JSONResponse(body, headers={"ETag": etag(stored.case.version), **commands.NO_STORE})


@router.post("/cases/{case_id}/review-requests", status_code=201, responses=CHANGE)
async def request_review(
    case_id: CaseId,
    body: ReviewRequestIn,
    request: Request,
    ctx: Ctx,
    principal: Assessor,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """An assessor asks that a social or relocation case be reviewed by their specialty."""
    own = kinds_of(principal.roles)
    if body.kind is None and len(own) != 1:
        raise Problem(
            422,
            "name the kind of review",
            code="validation-error",
            errors=[{"field": "kind", "code": "missing", "message": "required"}],
        )
    kind = AssessmentKind(body.kind) if body.kind else own[0]

    def command(case: CaseFile, now: Any) -> Result:
        return domain.request_review(
            case, kind=kind, assessor=principal.sub, roles=principal.roles, now=now
        )

    return await commands.run(
        ctx,
        request,
        principal,
        case_id=case_id,
        route=f"POST /cases/{case_id}/review-requests",
        if_match=if_match,
        key=idempotency_key,
        payload=body.model_dump(mode="json"),
        command=command,
        respond=lambda _: (201, {}),
    )


@router.post("/cases/{case_id}/information-requests", status_code=201, responses=CHANGE)
async def request_information(
    case_id: CaseId,
    body: InformationRequestIn,
    request: Request,
    ctx: Ctx,
    principal: Assessor,
    if_match: IfMatch = None,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    """Ask the caseworker a question from the fixed list (no free text); the clock pauses."""

    def command(case: CaseFile, now: Any) -> Result:
        return domain.request_information(
            case,
            assessor=principal.sub,
            roles=principal.roles,
            category_code=body.question_category.value,
            now=now,
        )

    def respond(result: Result) -> tuple[int, dict[str, Any]]:
        asked = next(e for e in result.events if isinstance(e, InformationRequested))
        return 201, {"request_id": asked.request_id}

    return await commands.run(
        ctx,
        request,
        principal,
        case_id=case_id,
        route=f"POST /cases/{case_id}/information-requests",
        if_match=if_match,
        key=idempotency_key,
        payload=body.model_dump(mode="json"),
        command=command,
        respond=respond,
    )
