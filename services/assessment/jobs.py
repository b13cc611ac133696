"""Background jobs: the deadline checker reports what became due, once (commands.check_due)."""

from __future__ import annotations

import asyncio

from services.assessment import commands
from services.assessment.context import AssessmentContext


async def deadline_checker(ctx: AssessmentContext) -> None:
    """Runs forever: check whatever is due by the injected clock, then sleep the interval."""
    settings = ctx.settings
    while True:
        now = ctx.clock()
        while await commands.check_due(
            ctx.db, now=now, policy=ctx.policy, limit=settings.deadline_batch
        ):
            pass
        await asyncio.sleep(settings.deadline_check_seconds)
