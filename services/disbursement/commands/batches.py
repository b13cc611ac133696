"""Batches: one finance officer collects scheduled payments, another approves exactly what the
bank file will carry."""

from __future__ import annotations

import uuid
from uuid import UUID

from fastapi.responses import JSONResponse

from services.disbursement import views
from services.disbursement.commands import check_reviewed
from services.disbursement.context import DisbursementContext
from services.disbursement.domain.batches import (
    approve_batch,
    batchable,
    create_batch,
    within_total,
)
from services.disbursement.domain.common import conflict, missing
from services.disbursement.repository import batches, payees, payments
from services.disbursement.schemas import BatchIn
from services.disbursement.wire import Cause, enqueue
from shared import idempotency
from shared.db import Connection
from shared.deps import etag


async def create(
    ctx: DisbursementContext, cause: Cause, body: BatchIn, *, key: str | None
) -> JSONResponse:
    async def work(tx: Connection) -> tuple[int, views.Body, dict[str, str]]:
        at = ctx.clock()
        scheduled = await payments.lock_scheduled(
            tx, currency=body.currency, payment_ids=body.payment_ids
        )
        found = await payees.payees_by_id(
            tx, ids=[p.payee_id for p in scheduled if p.payee_id is not None]
        )
        chosen = batchable(scheduled, body.currency, found)
        if body.payment_ids is None:
            chosen = within_total(chosen, body.currency)
        elif len(chosen) != len(set(body.payment_ids)):
            raise conflict(
                "payment_not_scheduled",
                "some payments are not scheduled in this currency with an active payee",
            )
        made = create_batch(
            batch_id=uuid.uuid4(),
            currency=body.currency,
            payments=chosen,
            payees=found,
            created_by=cause.actor,
            at=at,
        )
        await batches.insert_batch(tx, batch=made.batch)
        await payments.save_payments(tx, payments=list(made.payments), at=at)
        await enqueue(tx, made.events, cause)
        headers = {"ETag": etag(1), "Location": f"/batches/{made.batch.batch_id}"}
        return 201, views.batch(made.batch, 1), headers

    return await idempotency.run(
        ctx.db,
        key=key,
        principal=(cause.actor, cause.org),
        route="POST /batches",
        payload=body.model_dump(mode="json"),
        work=work,
    )


async def approve(
    ctx: DisbursementContext, cause: Cause, batch_id: UUID, *, if_match: str | None
) -> JSONResponse:
    """The second officer approves the batch they reviewed (If-Match required)."""
    async with ctx.db.transaction() as tx:
        found = await batches.get_batch(tx, batch_id=batch_id, lock=True)
        if found is None:
            raise missing(f"batch {batch_id}")
        check_reviewed(if_match, found[1])
        approved = approve_batch(found[0], approved_by=cause.actor, at=ctx.clock())
        version = await batches.save_batch(tx, batch=approved.state)
        await enqueue(tx, approved.events, cause)
    return views.respond(200, views.batch(approved.state, version), {"ETag": etag(version)})
