"""Grants: created and adjusted by finance; new money serves the waiting list at once."""

from __future__ import annotations

import uuid
from uuid import UUID

from fastapi.responses import JSONResponse

from services.disbursement import views
from services.disbursement.commands import budget
from services.disbursement.context import DisbursementContext
from services.disbursement.domain.common import missing, money_of, signed_money_of
from services.disbursement.domain.grants import Restrictions, adjust_grant, create_grant
from services.disbursement.repository import cases, grants
from services.disbursement.schemas import AdjustmentIn, GrantIn
from services.disbursement.wire import Cause, enqueue
from shared import idempotency
from shared.db import Connection
from shared.deps import check_if_match, etag

Reply = tuple[int, views.Body, dict[str, str]]


async def _reply(tx: Connection, grant_id: UUID, status: int) -> Reply:
    row = await grants.grant_row(tx, grant_id=grant_id)
    assert row is not None
    headers = {"ETag": etag(row["version"]), "Location": f"/grants/{grant_id}"}
    return status, views.grant(row), headers


async def create(
    ctx: DisbursementContext, cause: Cause, body: GrantIn, *, key: str | None
) -> JSONResponse:
    async def work(tx: Connection) -> Reply:
        at = ctx.clock()
        made = create_grant(
            grant_id=uuid.uuid4(),
            donor=body.donor.strip(),
            name=body.name.strip(),
            amount=money_of(body.amount, body.currency, field="amount"),
            valid_from=body.valid_from,
            valid_to=body.valid_to,
            created_at=at,
            restrictions=Restrictions(
                frozenset(body.restrictions.countries), frozenset(body.restrictions.categories)
            ),
        )
        await cases.lock_budget(tx)
        await grants.insert_grant(tx, grant=made.state, created_by=cause.actor)
        events = [*made.events, *await budget.retry(tx, today=at.date(), at=at)]
        await enqueue(tx, events, cause)
        return await _reply(tx, made.state.grant_id, 201)

    return await idempotency.run(
        ctx.db,
        key=key,
        principal=(cause.actor, cause.org),
        route="POST /grants",
        payload=body.model_dump(mode="json"),
        work=work,
    )


async def adjust(
    ctx: DisbursementContext,
    cause: Cause,
    grant_id: UUID,
    body: AdjustmentIn,
    *,
    if_match: str | None,
    key: str | None,
) -> JSONResponse:
    async def work(tx: Connection) -> Reply:
        at = ctx.clock()
        await cases.lock_budget(tx)
        found = await grants.get_grant(tx, grant_id=grant_id, lock=True)
        if found is None:
            raise missing(f"grant {grant_id}")
        grant, version = found
        check_if_match(if_match, version, required=True)
        delta = signed_money_of(body.delta, body.currency, field="delta")
        adjusted = adjust_grant(grant, delta, body.reason)
        await grants.save_grant(tx, grant=adjusted.state)
        await grants.insert_adjustment(
            tx,
            adjustment_id=uuid.uuid4(),
            grant_id=grant_id,
            delta=delta,
            reason=body.reason,
            adjusted_by=cause.actor,
            at=at,
        )
        events = list(adjusted.events)
        if delta.minor > 0:
            events += await budget.retry(tx, today=at.date(), at=at)
        await enqueue(tx, events, cause)
        return await _reply(tx, grant_id, 201)

    return await idempotency.run(
        ctx.db,
        key=key,
        principal=(cause.actor, cause.org),
        route=f"POST /grants/{grant_id}/adjustments",
        payload=body.model_dump(mode="json"),
        work=work,
    )
