"""Exchange rates under four eyes: proposed by one finance officer, confirmed (or rejected) by
another; a confirmed rate takes effect and serves the waiting list at once."""

from __future__ import annotations

import uuid
from decimal import Decimal
from uuid import UUID

from fastapi.responses import JSONResponse

from services.disbursement import views
from services.disbursement.commands import budget, check_reviewed
from services.disbursement.context import DisbursementContext
from services.disbursement.domain import fx
from services.disbursement.domain.common import DomainEvent, conflict, missing
from services.disbursement.repository import cases
from services.disbursement.repository import fx as rates
from services.disbursement.schemas import FxRateIn
from services.disbursement.wire import Cause, enqueue
from shared import idempotency
from shared.db import Connection
from shared.deps import etag


async def propose(
    ctx: DisbursementContext, cause: Cause, body: FxRateIn, *, key: str | None
) -> JSONResponse:
    """Record a pending rate: it converts nothing until another officer confirms it."""

    async def work(tx: Connection) -> tuple[int, views.Body, dict[str, str]]:
        at = ctx.clock()
        rate = fx.fx_rate(
            base=body.base,
            quote=body.quote,
            rate=Decimal(body.rate),
            as_of=body.as_of,
            today=at.date(),
        )
        review = fx.review(
            rate, await rates.references(tx, rate=rate), ctx.settings.fx_max_deviation
        )
        made = fx.propose_rate(
            rate_id=uuid.uuid4(), rate=rate, proposed_by=cause.actor, at=at, review=review
        )
        if not await rates.insert_rate(tx, entry=made.state):
            raise conflict(
                "fx_rate_exists", f"a {rate.base}/{rate.quote} rate for {rate.as_of} is recorded"
            )
        await enqueue(tx, made.events, cause)
        headers = {"ETag": etag(1), "Location": f"/fx-rates/{made.state.rate_id}"}
        return 201, views.fx_rate(made.state, review, 1), headers

    return await idempotency.run(
        ctx.db,
        key=key,
        principal=(cause.actor, cause.org),
        route="POST /fx-rates",
        payload=body.model_dump(mode="json"),
        work=work,
    )


async def _decide(
    ctx: DisbursementContext,
    cause: Cause,
    rate_id: UUID,
    if_match: str | None,
    *,
    confirm: bool,
) -> JSONResponse:
    """One officer's decision on a pending rate, against the version they reviewed (If-Match
    required: 428 without, 412 when the rate changed since)."""
    async with ctx.db.transaction() as tx:
        at = ctx.clock()
        if confirm:
            await cases.lock_budget(tx)  # the rate may let waiting cases be reserved
        row = await rates.lock_rate(tx, rate_id=rate_id)
        if row is None:
            raise missing(f"rate {rate_id}")
        check_reviewed(if_match, row["version"])
        entry = rates.entry_of(row)
        review = fx.review(entry.rate, rates.references_of(row), ctx.settings.fx_max_deviation)
        if confirm:
            done = fx.confirm_rate(entry, confirmed_by=cause.actor, at=at, review=review)
        else:
            done = fx.reject_rate(entry, rejected_by=cause.actor, at=at, review=review)
        version = await rates.save_rate(tx, entry=done.state)
        events: list[DomainEvent] = list(done.events)
        if confirm:
            events += await budget.retry(tx, today=at.date(), at=at)
        await enqueue(tx, events, cause)
    return views.respond(200, views.fx_rate(done.state, review, version), {"ETag": etag(version)})


async def confirm(
    ctx: DisbursementContext, cause: Cause, rate_id: UUID, *, if_match: str | None
) -> JSONResponse:
    return await _decide(ctx, cause, rate_id, if_match, confirm=True)


async def reject(
    ctx: DisbursementContext, cause: Cause, rate_id: UUID, *, if_match: str | None
) -> JSONResponse:
    return await _decide(ctx, cause, rate_id, if_match, confirm=False)
