"""Master-key rotation: every case's data key re-wrapped under the active master key.

Operators first deploy the new keyring (new key first, old keys after it) to every intake
replica, then run `python -m services.intake rotate-master-key`, then drop the old key. The field
ciphertexts are never touched: only the small wrapped data keys change. The job is resumable:
keys already under the active master key are skipped, and each batch commits on its own.
"""

from __future__ import annotations

import asyncpg

from shared.crypto import MasterKeyring, WrappedKey, rewrap
from shared.db import Connection

BATCH = 500


async def rotate_master_key(conn: Connection, keyring: MasterKeyring, *, batch: int = BATCH) -> int:
    """Re-wrap every data key not yet under the active master key; returns how many changed."""
    changed = 0
    while True:
        async with conn.transaction():
            rows = await conn.fetch(
                "SELECT case_id, key_id, wrapped FROM case_keys WHERE key_id <> $1"
                " ORDER BY case_id LIMIT $2 FOR UPDATE SKIP LOCKED",
                keyring.active_key_id, batch,
            )
            for row in rows:
                case_id = str(row["case_id"])
                new = rewrap(keyring, WrappedKey(row["key_id"], bytes(row["wrapped"])), case_id)
                await conn.execute(
                    "UPDATE case_keys SET key_id = $2, wrapped = $3 WHERE case_id = $1",
                    case_id, new.key_id, new.blob,
                )
        changed += len(rows)
        if len(rows) < batch:
            return changed


async def rotate(dsn: str, keyring: MasterKeyring) -> tuple[int, int]:
    """(re-wrapped now, still under another key) for the database at `dsn`."""
    conn: Connection = await asyncpg.connect(dsn)
    try:
        changed = await rotate_master_key(conn, keyring)
        left: int = await conn.fetchval(
            "SELECT count(*) FROM case_keys WHERE key_id <> $1", keyring.active_key_id)
        return changed, left
    finally:
        await conn.close()
