"""Grants (create, adjust, read totals) and FX rates."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Request
from fastapi.responses import JSONResponse

from services.disbursement import budget, views
from services.disbursement import repository as repo
from services.disbursement.domain import (
    Conflict,
    Restrictions,
    adjust_grant,
    create_grant,
    record_fx_rate,
)
from services.disbursement.routing import Finance, new_router, now, publish, story
from services.disbursement.schemas import AdjustmentIn, FxRateIn, GrantIn
from shared import idempotency
from shared.db import Connection
from shared.deps import DbDep, IdempotencyKey, IfMatch, check_if_match, etag
from shared.money import Money, to_minor
from shared.problems import Problem

router = new_router("grants")
Limit = Annotated[int, Query(ge=1, le=200)]
Cursor = Annotated[str | None, Query(max_length=400)]
Reply = tuple[int, dict[str, Any], dict[str, str]]


async def _grant_reply(tx: Connection, grant_id: UUID, status: int) -> Reply:
    row = await repo.grant_row(tx, grant_id=grant_id)
    assert row is not None
    return status, views.grant(row), {"ETag": etag(row["version"]),
                                      "Location": f"/grants/{grant_id}"}


@router.post("/grants", status_code=201)
async def create(
    body: GrantIn, request: Request, db: DbDep, principal: Finance,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:  # fmt: skip
    async def work(tx: Connection) -> Reply:
        at = now()
        told = story(request, principal)
        made = create_grant(
            grant_id=uuid.uuid4(), donor=body.donor.strip(), name=body.name.strip(),
            amount=Money.parse(body.amount, body.currency), valid_from=body.valid_from,
            valid_to=body.valid_to, created_at=at,
            restrictions=Restrictions(frozenset(body.restrictions.countries),
                                      frozenset(body.restrictions.categories)),
        )  # fmt: skip
        await repo.lock_budget(tx)
        await repo.insert_grant(tx, grant=made.state, created_by=principal.sub)
        events = [*made.events, *await budget.retry(tx, story=told, today=at.date(), at=at)]
        await publish(tx, events, told)
        return await _grant_reply(tx, made.state.grant_id, 201)

    return await idempotency.run(db, key=idempotency_key, principal=principal.sub,
                                 route="POST /grants", payload=body.model_dump(mode="json"),
                                 work=work)


@router.get("/grants")
async def list_grants(
    db: DbDep, _: Finance, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    after = views.position(cursor)
    async with db.connection() as conn:
        rows = await repo.list_grants(conn, limit=limit + 1, after=after)
    page = rows[:limit]
    more = len(rows) > limit
    return {"items": [views.grant(r) for r in page],
            "next_cursor": views.encode_cursor(page[-1]["created_at"].isoformat(),
                                               page[-1]["grant_id"]) if more else None}


@router.get("/grants/{grant_id}")
async def read(grant_id: UUID, db: DbDep, _: Finance) -> JSONResponse:
    async with db.connection() as conn:
        row = await repo.grant_row(conn, grant_id=grant_id)
    if row is None:
        raise budget.Missing(f"grant {grant_id}")
    return JSONResponse(views.grant(row), headers={"ETag": etag(row["version"])})


@router.post("/grants/{grant_id}/adjustments", status_code=201)
async def adjust(
    grant_id: UUID, body: AdjustmentIn, request: Request, db: DbDep, principal: Finance,
    if_match: IfMatch = None, idempotency_key: IdempotencyKey = None,
) -> JSONResponse:  # fmt: skip
    async def work(tx: Connection) -> Reply:
        at = now()
        told = story(request, principal, reason=body.reason)
        await repo.lock_budget(tx)
        found = await repo.get_grant(tx, grant_id=grant_id, lock=True)
        if found is None:
            raise budget.Missing(f"grant {grant_id}")
        grant, version = found
        check_if_match(if_match, version, required=True)
        sign = -1 if body.delta.startswith("-") else 1
        delta = Money(sign * to_minor(body.delta.lstrip("-"), body.currency), body.currency)
        adjusted = adjust_grant(grant, delta)
        await repo.save_grant(tx, grant=adjusted.state)
        await repo.insert_adjustment(tx, adjustment_id=uuid.uuid4(), grant_id=grant_id,
                                     delta=delta, reason=body.reason, adjusted_by=principal.sub,
                                     at=at)
        events = list(adjusted.events)
        if delta.minor > 0:
            events += await budget.retry(tx, story=told, today=at.date(), at=at)
        await publish(tx, events, told)
        return await _grant_reply(tx, grant_id, 201)

    return await idempotency.run(db, key=idempotency_key, principal=principal.sub,
                                 route=f"POST /grants/{grant_id}/adjustments",
                                 payload=body.model_dump(mode="json"), work=work)


@router.post("/fx-rates", status_code=201)
async def record_rate(
    body: FxRateIn, request: Request, db: DbDep, principal: Finance,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:  # fmt: skip
    async def work(tx: Connection) -> Reply:
        at = now()
        told = story(request, principal)
        recorded = record_fx_rate(base=body.base, quote=body.quote,
                                  rate=Decimal(body.rate), as_of=body.as_of)
        await repo.lock_budget(tx)
        if not await repo.insert_rate(tx, rate=recorded.state, recorded_by=principal.sub, at=at):
            raise Conflict("fx_rate_exists",
                           f"a {body.base}/{body.quote} rate for {body.as_of} is recorded")
        events = [*recorded.events, *await budget.retry(tx, story=told, today=at.date(), at=at)]
        await publish(tx, events, told)
        rate = recorded.state
        return 201, {"base": rate.base, "quote": rate.quote, "rate": str(rate.rate.normalize()),
                     "as_of": rate.as_of.isoformat(), "recorded_by": principal.sub,
                     "recorded_at": at.isoformat()}, {}

    return await idempotency.run(db, key=idempotency_key, principal=principal.sub,
                                 route="POST /fx-rates", payload=body.model_dump(mode="json"),
                                 work=work)


@router.get("/fx-rates")
async def list_rates(
    db: DbDep, _: Finance, limit: Limit = 50, cursor: Cursor = None,
    base: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
    quote: Annotated[str | None, Query(pattern=r"^[A-Z]{3}$")] = None,
) -> dict[str, Any]:  # fmt: skip
    parts = views.decode_cursor(cursor, 1)
    if parts and not parts[0].isdigit():
        raise Problem(400, "the cursor is not one this service issued", code="bad-cursor")
    async with db.connection() as conn:
        rows = await repo.list_rates(conn, base=base, quote=quote, limit=limit + 1,
                                     after=int(parts[0]) if parts else None)
    page = rows[:limit]
    return {"items": [views.fx_rate(r) for r in page],
            "next_cursor": views.encode_cursor(page[-1]["seq"]) if len(rows) > limit else None}
