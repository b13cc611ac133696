"""What every assessment route and handler receives: settings, the pool, the clock, the policy."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import Depends

from services.assessment.domain.model import Policy
from services.assessment.settings import AssessmentSettings
from shared.consume import FromContext
from shared.db import Db
from shared.deps import context_of
from shared.service import Platform

Clock = Callable[[], datetime]


@dataclass(frozen=True)
class AssessmentContext:
    settings: AssessmentSettings
    db: Db
    clock: Clock
    policy: Policy


async def build(platform: Platform[AssessmentSettings]) -> AssessmentContext:
    settings = platform.settings
    offset = timedelta(seconds=settings.clock_offset_seconds)
    return AssessmentContext(
        settings=settings,
        db=platform.db,
        clock=lambda: datetime.now(UTC) + offset,
        policy=settings.policy(),
    )


Ctx = Annotated[AssessmentContext, Depends(context_of(AssessmentContext))]
HandlerCtx = Annotated[AssessmentContext, FromContext("context")]
