"""Master-key rotation: every case's data key re-wrapped under the active master key."""

from __future__ import annotations

from services.intake.repository import sealed
from shared.crypto import MasterKeyring, rewrap
from shared.db import Db


async def rotate_master_key(db: Db, keyring: MasterKeyring, *, batch: int = 500) -> tuple[int, int]:
    """Re-wrap every data key not yet under the active master key: (re-wrapped, still left).

    The field ciphertexts are never touched. Resumable: keys already under the active master
    key are skipped, each batch commits on its own, and replicas of the job skip locked rows."""
    changed = 0
    while True:
        async with db.transaction() as tx:
            found = await sealed.keys_not_under(tx, key_id=keyring.active_key_id, limit=batch)
            for case_id, wrapped in found:
                await sealed.replace_key(
                    tx, case_id=case_id, wrapped=rewrap(keyring, wrapped, case_id)
                )
        changed += len(found)
        if len(found) < batch:
            break
    async with db.connection() as conn:
        return changed, await sealed.count_not_under(conn, key_id=keyring.active_key_id)
