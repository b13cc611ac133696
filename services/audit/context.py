"""What every audit route and background job receives: settings, pool, writer and signer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from anyio import CapacityLimiter
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import Depends

from services.audit.commands import HeadSigner, LogWriter
from services.audit.domain.heads import load_private_key
from services.audit.settings import AuditSettings
from shared.auth import Principal, require
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
    # The donor report PDF is rendered in a worker thread, one at a time (CPU and memory bound).
    pdf_limiter: CapacityLimiter


def load_signing_key(settings: AuditSettings) -> Ed25519PrivateKey:
    """The configured Ed25519 key; refuses to start without one, or with a mismatched pair."""
    if settings.audit_signing_key is None:
        raise RuntimeError("VFUND_AUDIT_SIGNING_KEY is not set: the audit log cannot sign heads")
    public = settings.audit_public_key
    try:
        return load_private_key(
            settings.audit_signing_key.read_bytes(),
            None if public is None else public.read_bytes(),
        )
    except (TypeError, ValueError) as error:
        raise RuntimeError(str(error)) from error


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
        pdf_limiter=CapacityLimiter(1),
    )


Ctx = Annotated[AuditContext, Depends(context_of(AuditContext))]
# Every audit route only reads. Auditors and administrators read everything; a donor reads the
# reports of their own grants, the entries behind them with their proofs, and the tree heads
# (the routes narrow what a donor sees: reading.scope_of).
Auditor = Annotated[Principal, Depends(require("auditor", "admin"))]
LogReader = Annotated[Principal, Depends(require("auditor", "admin", "donor"))]
