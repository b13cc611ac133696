"""Assessment event handlers: cases enter the queues when intake submits them."""

from __future__ import annotations

from typing import Annotated

import orjson
from faststream import Context
from faststream.nats import NatsRouter

from shared import inbox
from shared.consume import subscriber
from shared.db import Db
from shared.events import subjects
from shared.events.envelope import CloudEvent
from shared.events.intake import CaseSubmitted

router = NatsRouter()
CONSUMER = "assessment"
DbDep = Annotated[Db, Context("db")]


@subscriber(router, subjects.CASE_SUBMITTED, durable="assessment-case-submitted",
            description="A submitted case enters the assessment queues")
async def on_case_submitted(event: CloudEvent[CaseSubmitted], db: DbDep) -> None:
    data = event.data
    async with db.transaction() as tx:
        if not await inbox.first_time(tx, event.id, consumer=CONSUMER):
            return
        await tx.execute(
            "INSERT INTO case_files (case_id, reference, org_id, country, urgency, status,"
            " needs_medical, needs_legal, items, submitted_at, correlation_id)"
            " VALUES ($1, $2, $3, $4, $5, 'in_assessment', $6, $7, $8, $9, $10)"
            " ON CONFLICT (case_id) DO NOTHING",
            data.case_id, data.reference, data.org_id, data.country, data.urgency,
            data.needs.medical, data.needs.legal,
            orjson.loads(orjson.dumps([i.model_dump() for i in data.items])),
            event.time, event.correlationid,
        )
