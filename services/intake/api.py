"""Intake HTTP routes for submitting and listing cases: validate, authorise, one transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from services.intake import records
from services.intake import repository as repo
from services.intake.access import OVERSEERS, SERVICE, fingerprint
from services.intake.blind_index import VictimIdentity, blind_tokens
from services.intake.context import Ctx
from services.intake.personal import FACTS, ITEM_DESCRIPTIONS, VICTIM, seal
from services.intake.schemas import CaseCreated, CaseIn, CaseList
from shared import idempotency, outbox
from shared.auth import Principal, require
from shared.db import Connection
from shared.deps import DbDep, IdempotencyKey, etag
from shared.events import subjects
from shared.events.common import Item
from shared.events.envelope import new_event
from shared.events.intake import CaseDuplicateSuspected, CaseSubmitted, Needs
from shared.money import from_minor, to_minor
from shared.problems import Problem
from shared.types import IsoDate

router = APIRouter(tags=["cases"])
READERS = ("caseworker", *OVERSEERS)
NEEDS_MEDICAL = {"medical", "psychological"}


@router.post("/cases", status_code=201, response_model=CaseCreated,
             responses={409: {}, 422: {}, 401: {}, 403: {}})
async def submit_case(
    body: CaseIn, request: Request, db: DbDep, ctx: Ctx,
    principal: Annotated[Principal, Depends(require("caseworker"))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    if principal.org is None:
        raise Problem(403, "a caseworker token must name its organisation", code="no-org")
    org = principal.org
    tokens = blind_tokens(ctx.blind_index_key, VictimIdentity(
        body.victim.full_name, body.victim.date_of_birth, body.victim.contact))

    async def work(tx: Connection) -> tuple[int, dict[str, Any], dict[str, str]]:
        now = datetime.now(UTC)
        case_id = str(uuid.uuid4())
        reference = await repo.next_reference(tx, year=now.year)
        items: list[dict[str, Any]] = [
            {"item_id": f"item-{n + 1}", "category": i.category, "currency": i.currency,
             "amount_minor": to_minor(i.amount, i.currency)}
            for n, i in enumerate(body.items)
        ]
        categories = {i.category for i in body.items}
        needs = Needs(medical=bool(categories & NEEDS_MEDICAL), legal="legal" in categories)
        event = new_event(
            subjects.CASE_SUBMITTED,
            CaseSubmitted(
                case_id=case_id, reference=reference, org_id=org, country=body.country,
                urgency=body.urgency, needs=needs, submitted_by=principal.sub,
                items=[Item(item_id=i["item_id"], category=i["category"],
                            amount=from_minor(i["amount_minor"], i["currency"]),
                            currency=i["currency"]) for i in items],
            ),
            service=SERVICE, subject=case_id, actor=principal.sub,
            causation_id=request.state.request_id, correlation_id=None, now=now,
        )
        wrapped, blobs = seal(ctx.keyring, case_id, {
            VICTIM: body.victim.model_dump(mode="json"),
            FACTS: body.facts,
            ITEM_DESCRIPTIONS: [i.description for i in body.items],
        })
        await records.lock_tokens(tx, tokens=tokens)
        matches = await repo.insert_submission(
            tx, case_id=case_id, reference=reference, org_id=org, country=body.country,
            urgency=body.urgency, status="submitted", needs_medical=needs.medical,
            needs_legal=needs.legal, submitted_by=principal.sub, at=now,
            correlation_id=event.correlationid, event_id=event.id, items=items,
            wrapped=wrapped, blobs=blobs, tokens=tokens,
        )
        published: list[tuple[str, Any]] = [(subjects.CASE_SUBMITTED, event)]
        if matches:
            published.append(await _flag_duplicate(tx, request, case_id, event.correlationid,
                                                   matches, now))
        await outbox.add(tx, published, service=SERVICE)
        created = CaseCreated(case_id=case_id, reference=reference, status="submitted")
        return 201, created.model_dump(), {"Location": f"/cases/{case_id}", "ETag": etag(1)}

    return await idempotency.run(
        db, key=idempotency_key, principal=principal.sub, route="POST /cases",
        payload=fingerprint(ctx.blind_index_key, body.model_dump(mode="json")),
        work=work,
    )


async def _flag_duplicate(
    tx: Connection, request: Request, case_id: str, correlation_id: str, matches: list[str],
    now: datetime,
) -> tuple[str, Any]:
    """Matches compare keyed digests only: no other case is decrypted to find a duplicate."""
    await records.flag_duplicate(tx, case_id=case_id, matches=matches)
    event = new_event(
        subjects.CASE_DUPLICATE_SUSPECTED,
        CaseDuplicateSuspected(case_id=case_id, matching_case_ids=matches),
        service=SERVICE, subject=case_id, actor=SERVICE,
        causation_id=request.state.request_id, correlation_id=correlation_id, now=now,
    )
    await repo.add_history(tx, case_id=case_id, at=now, kind="case.duplicate_suspected",
                           actor=SERVICE, event_id=event.id)
    return subjects.CASE_DUPLICATE_SUSPECTED, event


@router.get("/cases", response_model=CaseList)
async def list_cases(
    db: DbDep,
    principal: Annotated[Principal, Depends(require(*READERS))],
    status: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")] = None,
    urgency: Annotated[str | None, Query(pattern=r"^(emergency|standard)$")] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    submitted_from: IsoDate | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    org = None
    if not principal.has(*OVERSEERS):
        org = principal.org
        if org is None:
            raise Problem(403, "a caseworker token must name its organisation", code="no-org")
    try:
        after = repo.decode_cursor(cursor) if cursor else None
    except (ValueError, TypeError) as exc:
        raise Problem(400, "the cursor is not one this service issued", code="bad-cursor") from exc
    async with db.connection() as conn:
        rows = await repo.list_cases(conn, org_id=org, status=status, urgency=urgency,
                                     country=country, submitted_from=submitted_from,
                                     limit=limit + 1, after=after)
    page = rows[:limit]
    next_cursor = (repo.encode_cursor(page[-1]["submitted_at"], page[-1]["case_id"])
                   if len(rows) > limit else None)
    return {"items": [summary(r, principal) for r in page], "next_cursor": next_cursor}


def summary(row: Any, principal: Principal) -> dict[str, Any]:
    # Whether a case may be someone else's too is for assessors and fund managers to weigh.
    flagged = row["possible_duplicate"] and principal.has(
        "medical_assessor", "legal_assessor", "fund_manager")
    return {
        "case_id": str(row["case_id"]), "reference": row["reference"], "org_id": row["org_id"],
        "status": row["status"], "urgency": row["urgency"], "country": row["country"],
        "submitted_at": row["submitted_at"].isoformat(),
        "possible_duplicate": bool(flagged), "version": row["version"],
    }


def money(row: Any) -> str:
    return from_minor(row["amount_minor"], row["currency"])
