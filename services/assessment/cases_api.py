"""A case in assessment: its view, review requests and information requests."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from services.assessment import commands, repository, views
from services.assessment.context import Ctx
from services.assessment.domain.codes import AssessmentKind
from services.assessment.schemas import InformationRequestIn, ReviewRequestIn
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


def api_call(
    request: Request,
    principal: Principal,
    body: BaseModel | None,
    if_match: str | None,
    key: str | None,
) -> commands.ApiCall:
    """The change as the unit of work sees it: who, on which route, with which conditions."""
    return commands.ApiCall(
        principal=principal,
        route=f"{request.method} {request.url.path}",
        payload={} if body is None else body.model_dump(mode="json"),
        request_id=request.state.request_id,
        if_match=if_match,
        idempotency_key=key,
    )


@router.get("/cases/{case_id}", responses={401: {}, 403: {}, 404: {}})
async def get_case(case_id: CaseId, ctx: Ctx, principal: Reader) -> JSONResponse:
    """The assessment view (no personal data; notes for assessors and fund managers); ETag.
    `actions`: what the caller may do to the case now (what this service would accept)."""
    viewer = views.Viewer(principal.sub, principal.roles)
    async with ctx.db.connection() as conn:
        stored = await repository.get_case(conn, case_id=case_id)
        if stored is None:
            raise Problem(404, "no such case in assessment", code="case-not-found")
        body = await views.case_body(
            conn, stored, now=ctx.clock(), policy=ctx.policy, viewer=viewer
        )
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
    own = views.kinds_of(principal.roles)
    if body.kind is None and len(own) != 1:
        raise Problem(
            422,
            "name the kind of review",
            code="validation-error",
            errors=[{"field": "kind", "code": "missing", "message": "required"}],
        )
    kind = AssessmentKind(body.kind) if body.kind else own[0]
    call = api_call(request, principal, body, if_match, idempotency_key)
    return await commands.request_review(ctx, call, case_id, kind=kind)


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
    call = api_call(request, principal, body, if_match, idempotency_key)
    return await commands.request_information(
        ctx, call, case_id, category=body.question_category.value
    )
