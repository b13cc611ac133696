"""What every disbursement route and handler receives: its settings and the pool."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from services.disbursement.settings import DisbursementSettings
from shared.consume import FromContext
from shared.db import Db
from shared.deps import context_of
from shared.service import Platform


@dataclass(frozen=True)
class DisbursementContext:
    settings: DisbursementSettings
    db: Db


async def build(platform: Platform[DisbursementSettings]) -> DisbursementContext:
    return DisbursementContext(settings=platform.settings, db=platform.db)


Ctx = Annotated[DisbursementContext, Depends(context_of(DisbursementContext))]
HandlerCtx = Annotated[DisbursementContext, FromContext("context")]
