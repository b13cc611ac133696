"""One handler per event the assessment service consumes: each calls its command."""

from __future__ import annotations

from services.assessment import commands, domain
from services.assessment.context import HandlerCtx
from shared.events.disbursement import FxRateRecorded
from shared.events.envelope import CloudEvent
from shared.events.intake import (
    CaseDuplicateCleared,
    CaseDuplicateSuspected,
    CaseInformationProvided,
    CaseSubmitted,
    CaseWithdrawn,
)


async def on_case_submitted(event: CloudEvent[CaseSubmitted], ctx: HandlerCtx) -> None:
    await commands.open_case(ctx, event)


async def on_information_provided(
    event: CloudEvent[CaseInformationProvided], ctx: HandlerCtx
) -> None:
    now, request_id = ctx.clock(), event.data.request_id
    await commands.apply(
        ctx,
        event.id,
        event.data.case_id,
        lambda case: domain.information_provided(case, request_id=request_id, now=now),
    )


async def on_case_withdrawn(event: CloudEvent[CaseWithdrawn], ctx: HandlerCtx) -> None:
    now = ctx.clock()
    await commands.apply(
        ctx, event.id, event.data.case_id, lambda case: domain.withdraw(case, now=now)
    )


async def on_duplicate_suspected(
    event: CloudEvent[CaseDuplicateSuspected], ctx: HandlerCtx
) -> None:
    await commands.flag_duplicate(ctx, event.id, event.data.case_id, True)


async def on_duplicate_cleared(event: CloudEvent[CaseDuplicateCleared], ctx: HandlerCtx) -> None:
    await commands.flag_duplicate(ctx, event.id, event.data.case_id, False)


async def on_fx_rate_recorded(event: CloudEvent[FxRateRecorded], ctx: HandlerCtx) -> None:
    await commands.record_fx_rate(ctx, event)
