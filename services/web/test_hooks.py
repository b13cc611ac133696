"""/_test/clock: moves the web service's clock, so that tests see sessions and step-up expire
without sleeping. Served only where VFUND_WEB_TEST_HOOKS is on (never in production)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Body

from services.web.context import Ctx

router = APIRouter(include_in_schema=False)


@router.get("/_test/clock")
async def clock(ctx: Ctx) -> dict[str, float]:
    return {"now": ctx.clock.now().timestamp(), "offset_seconds": ctx.clock.offset.total_seconds()}


@router.post("/_test/clock")
async def move_clock(
    ctx: Ctx, offset_seconds: Annotated[float, Body(embed=True, ge=0, le=10 * 86400)]
) -> dict[str, float]:
    ctx.clock.offset = timedelta(seconds=offset_seconds)
    return {"now": ctx.clock.now().timestamp(), "offset_seconds": offset_seconds}
