"""The deadline checker: a background job that reports missed deadlines and ratifications once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

from services.assessment import domain, repository, wire
from services.assessment.context import AssessmentContext
from services.assessment.model import Policy
from shared.db import Db
from shared.logging import get_logger

log = get_logger(__name__)


async def check_due(db: Db, *, now: datetime, policy: Policy, limit: int = 100) -> int:
    """One batch of cases whose next deadline is past `now` (index on next_check_at).

    Each is checked and saved with its events in one transaction; the case's next moment to
    look at is recomputed, so a case is visited again only when something new can be due.
    """
    run_id = str(uuid.uuid4())  # the cause of what this run reports: the check itself
    async with db.transaction() as tx:
        ids = await repository.due_case_ids(tx, now=now, limit=limit)
        for case_id in ids:
            stored = await repository.lock_case(tx, case_id=case_id)
            if stored is None:  # pragma: no cover - locked by the query above
                continue
            result = domain.check_deadlines(stored.case, now=now, policy=policy)
            await repository.save_case(
                tx, case=result.case, previous_version=stored.case.version, now=now, policy=policy
            )
            await wire.enqueue(
                tx,
                result.events,
                case_id=case_id,
                correlation_id=stored.correlation_id,
                actor=wire.SERVICE,
                causation_id=run_id,
                now=now,
            )
            if result.events:
                log.info("deadline missed", case_id=case_id, events=len(result.events))
    return len(ids)


async def deadline_checker(ctx: AssessmentContext) -> None:
    """Background job (runs forever): check whatever is due, then sleep the interval."""
    settings = ctx.settings
    while True:
        now = ctx.clock()
        while await check_due(ctx.db, now=now, policy=ctx.policy, limit=settings.deadline_batch):
            pass
        await asyncio.sleep(settings.deadline_check_seconds)
