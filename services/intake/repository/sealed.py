"""SQL of a case's sealed personal data: its data key, ciphertexts, blind tokens, erasure."""

from __future__ import annotations

from datetime import datetime

from shared.crypto import WrappedKey
from shared.db import Connection


async def load_key(conn: Connection, *, case_id: str) -> WrappedKey | None:
    row = await conn.fetchrow("SELECT key_id, wrapped FROM case_keys WHERE case_id = $1", case_id)
    return WrappedKey(row["key_id"], bytes(row["wrapped"])) if row else None


async def load_sealed(
    conn: Connection, *, case_id: str
) -> tuple[WrappedKey, dict[str, bytes]] | None:
    key = await load_key(conn, case_id=case_id)
    if key is None:
        return None
    rows = await conn.fetch("SELECT field, blob FROM case_personal WHERE case_id = $1", case_id)
    return key, {r["field"]: bytes(r["blob"]) for r in rows}


async def put_personal(conn: Connection, *, case_id: str, field: str, blob: bytes) -> None:
    await conn.execute(
        "INSERT INTO case_personal (case_id, field, blob) VALUES ($1, $2, $3)",
        case_id,
        field,
        blob,
    )


async def lock_tokens(conn: Connection, *, tokens: list[tuple[str, bytes]]) -> None:
    # Two submissions of one victim at the same moment must not miss each other: whoever comes
    # second waits for the first to commit its tokens, then sees them. One statement takes the
    # locks in the array's (sorted) order; the duplicate match must come in a later statement,
    # whose snapshot is taken after the wait.
    keys = sorted({int.from_bytes(digest[:8], "big", signed=True) for _, digest in tokens})
    await conn.execute("SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k", keys)


async def erase(conn: Connection, *, case_id: str, by: str, basis: str, at: datetime) -> None:
    """Crypto-shredding: the data key, every ciphertext and the identity tokens go."""
    await conn.execute("DELETE FROM case_personal WHERE case_id = $1", case_id)
    await conn.execute("DELETE FROM case_keys WHERE case_id = $1", case_id)
    await conn.execute("UPDATE case_documents SET blob = NULL WHERE case_id = $1", case_id)
    await conn.execute("DELETE FROM case_blind_tokens WHERE case_id = $1", case_id)
    await conn.execute(
        "UPDATE cases SET erased_at = $2, erased_by = $3, erasure_basis = $4 WHERE case_id = $1",
        case_id,
        at,
        by,
        basis,
    )


async def keys_not_under(
    conn: Connection, *, key_id: str, limit: int
) -> list[tuple[str, WrappedKey]]:
    """Data keys wrapped under another master key, locked (replicas of the job skip them)."""
    rows = await conn.fetch(
        "SELECT case_id, key_id, wrapped FROM case_keys WHERE key_id <> $1"
        " ORDER BY case_id LIMIT $2 FOR UPDATE SKIP LOCKED",
        key_id,
        limit,
    )
    return [(str(r["case_id"]), WrappedKey(r["key_id"], bytes(r["wrapped"]))) for r in rows]


async def replace_key(conn: Connection, *, case_id: str, wrapped: WrappedKey) -> None:
    await conn.execute(
        "UPDATE case_keys SET key_id = $2, wrapped = $3 WHERE case_id = $1",
        case_id,
        wrapped.key_id,
        wrapped.blob,
    )


async def count_not_under(conn: Connection, *, key_id: str) -> int:
    count: int = await conn.fetchval("SELECT count(*) FROM case_keys WHERE key_id <> $1", key_id)
    return count
