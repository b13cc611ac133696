"""Assessment HTTP routes."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from shared.auth import Principal, require
from shared.deps import DbDep
from shared.problems import Problem

router = APIRouter(tags=["assessment"])
ROLE_FOR_KIND = {"medical": "medical_assessor", "legal": "legal_assessor",
                 "decision": "fund_manager"}


@router.get("/queue")
async def queue(
    db: DbDep,
    principal: Annotated[Principal, Depends(require(*ROLE_FOR_KIND.values()))],
    kind: Annotated[Literal["medical", "legal", "decision"], Query()],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    if not principal.has(ROLE_FOR_KIND[kind]):
        raise Problem(403, f"the {kind} queue is for the role {ROLE_FOR_KIND[kind]}",
                      code="forbidden-role")
    condition = {"medical": "needs_medical", "legal": "needs_legal",
                 "decision": "NOT needs_medical AND NOT needs_legal"}[kind]
    async with db.connection() as conn:
        rows = await conn.fetch(
            f"SELECT case_id, reference, org_id, country, urgency, status, items, submitted_at"
            f" FROM case_files WHERE status = 'in_assessment' AND {condition}"
            f" ORDER BY urgency = 'emergency' DESC, submitted_at LIMIT $1", limit,
        )
    return {"items": [
        {"case_id": str(r["case_id"]), "reference": r["reference"], "org_id": r["org_id"],
         "country": r["country"], "urgency": r["urgency"], "status": r["status"],
         "items": r["items"], "submitted_at": r["submitted_at"].isoformat()}
        for r in rows
    ], "next_cursor": None}
