"""Disbursement event handlers."""

from __future__ import annotations

from typing import Annotated

from faststream import Context
from faststream.nats import NatsRouter

from shared import inbox
from shared.consume import subscriber
from shared.db import Db
from shared.events import subjects
from shared.events.assessment import CaseApproved
from shared.events.envelope import CloudEvent

router = NatsRouter()
CONSUMER = "disbursement"
DbDep = Annotated[Db, Context("db")]


@subscriber(router, subjects.CASE_APPROVED, durable="disbursement-case-approved",
            description="An approved case is to be funded")
async def on_case_approved(event: CloudEvent[CaseApproved], db: DbDep) -> None:
    data = event.data
    async with db.transaction() as tx:
        if not await inbox.first_time(tx, event.id, consumer=CONSUMER):
            return
        await tx.execute(
            "INSERT INTO approved_cases (case_id, org_id, country, urgency, approved_items,"
            " decided_by, approved_at, correlation_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
            " ON CONFLICT (case_id) DO NOTHING",
            data.case_id, data.org_id, data.country, data.urgency,
            [i.model_dump() for i in data.approved_items], data.decided_by, event.time,
            event.correlationid,
        )
