"""What every audit route and background job receives: settings, pool, writer and signer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from services.audit.heads import HeadSigner, load_signing_key
from services.audit.settings import AuditSettings
from services.audit.tree_store import LogWriter
from shared.consume import Delivery
from shared.db import Db
from shared.deps import context_of
from shared.service import Platform


@dataclass(frozen=True)
class AuditContext:
    settings: AuditSettings
    db: Db
    delivery: Delivery
    writer: LogWriter
    signer: HeadSigner


async def build(platform: Platform[AuditSettings]) -> AuditContext:
    """Startup: the writer's frontier from the stored nodes, and the signer's key."""
    writer = LogWriter(platform.db)
    await writer.load()
    return AuditContext(
        settings=platform.settings,
        db=platform.db,
        delivery=platform.delivery,
        writer=writer,
        signer=HeadSigner(platform.db, load_signing_key(platform.settings)),
    )


Ctx = Annotated[AuditContext, Depends(context_of(AuditContext))]
