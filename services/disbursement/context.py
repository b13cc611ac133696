"""What every disbursement route and handler receives: its settings, the pool, the clock, and
(routes) the finance officer acting."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

from services.disbursement.domain.payees import DebtorAccount
from services.disbursement.settings import DisbursementSettings
from services.disbursement.wire import Cause
from shared.auth import Principal, require
from shared.consume import FromContext
from shared.db import Db
from shared.deps import context_of
from shared.service import Platform


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class DisbursementContext:
    settings: DisbursementSettings
    db: Db
    debtor: DebtorAccount
    clock: Callable[[], datetime] = field(default=_utc_now)


async def build(platform: Platform[DisbursementSettings]) -> DisbursementContext:
    settings = platform.settings
    # The fund's own account goes into every bank file: a wrong one stops the service at once,
    # not at the first export.
    debtor = DebtorAccount.parse(settings.debtor_name, settings.debtor_iban, settings.debtor_bic)
    return DisbursementContext(settings=settings, db=platform.db, debtor=debtor)


Ctx = Annotated[DisbursementContext, Depends(context_of(DisbursementContext))]
HandlerCtx = Annotated[DisbursementContext, FromContext("context")]
Finance = Annotated[Principal, Depends(require("finance"))]


def cause_of(request: Request, principal: Principal) -> Cause:
    """A request's changes: the officer acted, the request caused them, its story holds them."""
    return Cause(
        actor=principal.sub,
        causation_id=request.state.request_id,
        correlation_id=request.state.correlation_id,
        org=principal.org,
    )
