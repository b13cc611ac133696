"""Intake HTTP routes: thin — validate, authorise, call the repository in one transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from services.intake import repository as repo
from services.intake.personal import FACTS, ITEM_DESCRIPTIONS, VICTIM, open_sealed, seal
from services.intake.schemas import CaseCreated, CaseIn, CaseList, CaseOut
from shared import idempotency, outbox
from shared.auth import ASSESSORS, Principal, require
from shared.crypto import CryptoError
from shared.db import Connection
from shared.deps import DbDep, IdempotencyKey, Runtime, etag
from shared.events import subjects
from shared.events.common import Item
from shared.events.envelope import new_event
from shared.events.intake import CaseSubmitted, Needs, PersonalDataAccessed
from shared.money import from_minor, to_minor
from shared.problems import Problem

router = APIRouter(tags=["cases"])
SERVICE = "intake"
READERS = ("caseworker", "medical_assessor", "legal_assessor", "fund_manager", "admin")
PERSONAL_READERS = ASSESSORS | {"caseworker"}
NEEDS_MEDICAL = {"medical", "psychological"}


@router.post("/cases", status_code=201, response_model=CaseCreated,
             responses={409: {}, 422: {}, 401: {}, 403: {}})
async def submit_case(
    body: CaseIn, request: Request, db: DbDep, rt: Runtime,
    principal: Annotated[Principal, Depends(require("caseworker"))],
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    if principal.org is None:
        raise Problem(403, "a caseworker token must name its organisation", code="no-org")
    org = principal.org

    async def work(tx: Connection) -> tuple[int, dict[str, Any], dict[str, str]]:
        now = datetime.now(UTC)
        case_id = str(uuid.uuid4())
        reference = await repo.next_reference(tx, year=now.year)
        items = [
            {"item_id": f"item-{n + 1}", "category": i.category, "currency": i.currency,
             "amount_minor": to_minor(i.amount, i.currency), "amount": i.amount}
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
        await repo.insert_case(
            tx, case_id=case_id, reference=reference, org_id=org, country=body.country,
            urgency=body.urgency, status="submitted", needs_medical=needs.medical,
            needs_legal=needs.legal, submitted_by=principal.sub, at=now,
            correlation_id=event.correlationid,
        )
        await repo.insert_items(tx, case_id=case_id, items=items)
        wrapped, blobs = seal(rt.extras["keyring"], case_id, {
            VICTIM: body.victim.model_dump(mode="json"),
            FACTS: body.facts,
            ITEM_DESCRIPTIONS: [i.description for i in body.items],
        })
        await repo.insert_sealed(tx, case_id=case_id, wrapped=wrapped, blobs=blobs)
        await repo.add_history(tx, case_id=case_id, at=now, kind="submitted",
                               actor=principal.sub, event_id=event.id)
        await outbox.add(tx, [(subjects.CASE_SUBMITTED, event)], service=SERVICE)
        created = CaseCreated(case_id=case_id, reference=reference, status="submitted")
        return 201, created.model_dump(), {"Location": f"/cases/{case_id}", "ETag": etag(1)}

    return await idempotency.run(
        db, key=idempotency_key, principal=principal.sub, route="POST /cases",
        payload=body.model_dump(mode="json"), work=work,
    )


def _visible(principal: Principal, org_id: str) -> bool:
    if principal.has("medical_assessor", "legal_assessor", "fund_manager", "admin"):
        return True
    return principal.has("caseworker") and principal.org == org_id


@router.get("/cases", response_model=CaseList)
async def list_cases(
    db: DbDep,
    principal: Annotated[Principal, Depends(require(*READERS))],
    status: Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")] = None,
    urgency: Annotated[str | None, Query(pattern=r"^(emergency|standard)$")] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")] = None,
    submitted_from: date | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> dict[str, Any]:
    org = None
    if not principal.has("medical_assessor", "legal_assessor", "fund_manager", "admin"):
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
    return {"items": [_summary(r) for r in page], "next_cursor": next_cursor}


def _summary(row: Any) -> dict[str, Any]:
    return {
        "case_id": str(row["case_id"]), "reference": row["reference"], "org_id": row["org_id"],
        "status": row["status"], "urgency": row["urgency"], "country": row["country"],
        "submitted_at": row["submitted_at"].isoformat(),
        "possible_duplicate": row["possible_duplicate"], "version": row["version"],
    }


@router.get("/cases/{case_id}", response_model=CaseOut)
async def read_case(
    case_id: uuid.UUID, request: Request, response: Response, db: DbDep, rt: Runtime,
    principal: Annotated[Principal, Depends(require(*READERS))],
    purpose: Annotated[str, Query(pattern=r"^[a-z_]{3,40}$")] = "case_review",
) -> dict[str, Any]:
    cid = str(case_id)
    async with db.transaction() as tx:
        case = await repo.get_case(tx, case_id=cid)
        if case is None or not _visible(principal, case["org_id"]):
            # Another organisation's case is indistinguishable from a missing one.
            raise Problem(404, "no such case", code="case-not-found")
        items = await repo.get_items(tx, case_id=cid)
        history = await repo.get_history(tx, case_id=cid)
        out = _summary(case) | {
            "items": [{"item_id": i["item_id"], "category": i["category"],
                       "amount": from_minor(i["amount_minor"], i["currency"]),
                       "currency": i["currency"]} for i in items],
            "needs": {"medical": case["needs_medical"], "legal": case["needs_legal"]},
            "history": [{"at": h["at"].isoformat(), "kind": h["kind"], "actor": h["actor"],
                         "detail": h["detail"]} for h in history],
            "duplicate_of": [str(d) for d in case["duplicate_of"]]
            if principal.has(*ASSESSORS, "fund_manager") else [],
            "personal_data": "withheld",
        }
        may_read = principal.roles & PERSONAL_READERS and (
            principal.has(*ASSESSORS) or principal.org == case["org_id"])
        if may_read:
            sealed = await repo.load_sealed(tx, case_id=cid)
            if sealed is None:
                out["personal_data"] = "erased"
            else:
                try:
                    opened = open_sealed(rt.extras["keyring"], cid, *sealed)
                except CryptoError as exc:
                    raise Problem(500, "the case's personal data could not be decrypted",
                                  code="decryption-failed") from exc
                out["victim"] = opened[VICTIM]
                out["facts"] = opened[FACTS]
                for item, text in zip(out["items"], opened[ITEM_DESCRIPTIONS], strict=False):
                    item["description"] = text
                out["personal_data"] = "included"
                role = next(iter(sorted(principal.roles & PERSONAL_READERS)))
                event = new_event(
                    subjects.PERSONAL_DATA_ACCESSED,
                    PersonalDataAccessed(case_id=cid, actor=principal.sub, role=role,
                                         purpose=purpose),
                    service=SERVICE, subject=cid, actor=principal.sub,
                    causation_id=request.state.request_id,
                    correlation_id=case["correlation_id"],
                )
                await outbox.add(tx, [(subjects.PERSONAL_DATA_ACCESSED, event)], service=SERVICE)
    response.headers["ETag"] = etag(case["version"])
    if out["personal_data"] == "included":
        response.headers["Cache-Control"] = "no-store"
    return out
