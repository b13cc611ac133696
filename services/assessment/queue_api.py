"""GET /queue: the cases awaiting an assessor or a fund manager, most urgent and oldest first."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse

from services.assessment import domain, repository, views
from services.assessment.context import Ctx
from services.assessment.domain.codes import QueueKind
from shared.auth import Principal, require
from shared.problems import Problem

router = APIRouter(tags=["queues"])
ROLE_FOR_KIND = {
    "medical": "medical_assessor",
    "legal": "legal_assessor",
    "decision": "fund_manager",
}
AnyWorker = Annotated[Principal, Depends(require(*ROLE_FOR_KIND.values()))]


def _cursor(row: repository.QueueRow) -> str:
    raw = orjson.dumps([row.rank, row.due_at.isoformat(), row.stored.case.case_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


_CASE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


def _after(cursor: str | None) -> tuple[int, datetime, str] | None:
    """The keyset a cursor names; a cursor this service did not give out is a 422, whatever it
    holds (the values go to the database as parameters: each is checked for its column)."""
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        rank, due, case_id = orjson.loads(raw)
        moment = datetime.fromisoformat(due)
        if (
            type(rank) is int
            and rank in (0, 1)
            and moment.tzinfo is not None
            and moment.astimezone(UTC).year >= 1970
            and isinstance(case_id, str)
            and _CASE_ID.match(case_id)
        ):
            return rank, moment, case_id
    except (ValueError, TypeError, OverflowError, binascii.Error, orjson.JSONDecodeError):
        pass
    raise Problem(
        422,
        "the cursor is not one this service gave out",
        code="invalid-cursor",
        errors=[{"field": "cursor", "code": "invalid", "message": "unknown cursor"}],
    )


@router.get("/queue", responses={403: {}, 422: {}})
async def queue(
    ctx: Ctx,
    principal: AnyWorker,
    kind: Annotated[Literal["medical", "legal", "decision"], Query()],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=300)] = None,
    urgency: Annotated[Literal["emergency", "standard"] | None, Query()] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
) -> JSONResponse:
    """Cases awaiting this kind of work; no personal data. Flags: deadline_missed, overdue,
    information_answered, pending_second_approval, ratification_pending/missed,
    possible_duplicate."""
    if not principal.has(ROLE_FOR_KIND[kind]):
        raise Problem(
            403, f"the {kind} queue is for the role {ROLE_FOR_KIND[kind]}", code="forbidden-role"
        )
    queue_kind = QueueKind(kind)
    async with ctx.db.connection() as conn:
        rows = await repository.queue_page(
            conn,
            kind=queue_kind,
            limit=limit + 1,
            after=_after(cursor),
            urgency=urgency,
            country=country,
        )
    now, policy = ctx.clock(), ctx.policy
    items: list[dict[str, Any]] = []
    for row in rows[:limit]:
        entry = domain.queue_entry(row.stored.case, queue_kind, now=now, policy=policy)
        if entry is not None:
            items.append(views.queue_line(entry, row.stored))
    next_cursor = _cursor(rows[limit - 1]) if len(rows) > limit else None
    return JSONResponse(
        {"items": items, "next_cursor": next_cursor}, headers={"Cache-Control": "no-store"}
    )
