"""What every intake route and handler receives: settings, the pool and the keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from services.intake.blind_index import blind_index_key_from_config
from services.intake.settings import IntakeSettings
from shared.consume import FromContext
from shared.crypto import MasterKeyring
from shared.db import Db
from shared.deps import context_of
from shared.service import Platform


@dataclass(frozen=True)
class IntakeContext:
    settings: IntakeSettings
    db: Db
    # Wraps each case's data key; the blind-index key makes duplicate tokens and the keyed
    # digests of idempotent bodies with personal data.
    keyring: MasterKeyring
    blind_index_key: bytes


def keyring_from(settings: IntakeSettings) -> MasterKeyring:
    if settings.master_key:
        return MasterKeyring.from_config(settings.master_key)
    if settings.master_key_file:
        return MasterKeyring.from_file(settings.master_key_file)
    raise RuntimeError("set VFUND_MASTER_KEY or VFUND_MASTER_KEY_FILE")


async def build(platform: Platform[IntakeSettings]) -> IntakeContext:
    """Startup: the keys must be there (no silent running without duplicate detection)."""
    settings = platform.settings
    keyring = keyring_from(settings)
    if settings.blind_index_key:
        encoded = settings.blind_index_key
    elif settings.blind_index_key_file:
        encoded = settings.blind_index_key_file.read_text()
    else:
        raise RuntimeError("set VFUND_BLIND_INDEX_KEY or VFUND_BLIND_INDEX_KEY_FILE")
    return IntakeContext(
        settings=settings,
        db=platform.db,
        keyring=keyring,
        blind_index_key=blind_index_key_from_config(encoded, master=keyring),
    )


Ctx = Annotated[IntakeContext, Depends(context_of(IntakeContext))]
HandlerCtx = Annotated[IntakeContext, FromContext("context")]
