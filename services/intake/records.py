"""SQL for what hangs off a case: documents, information requests, blind tokens, erasure."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from shared.crypto import WrappedKey
from shared.db import Connection


async def lock_case(conn: Connection, *, case_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM cases WHERE case_id = $1 FOR UPDATE", case_id)


async def set_status(conn: Connection, *, case_id: str, status: str, at: datetime) -> int:
    """Every change of a case bumps its version: the ETag a stale If-Match is refused against."""
    version: int = await conn.fetchval(
        "UPDATE cases SET status = $2, version = version + 1, updated_at = $3"
        " WHERE case_id = $1 RETURNING version", case_id, status, at,
    )
    return version


async def load_key(conn: Connection, *, case_id: str) -> WrappedKey | None:
    row = await conn.fetchrow("SELECT key_id, wrapped FROM case_keys WHERE case_id = $1", case_id)
    return WrappedKey(row["key_id"], bytes(row["wrapped"])) if row else None


async def put_personal(conn: Connection, *, case_id: str, field: str, blob: bytes) -> None:
    await conn.execute(
        "INSERT INTO case_personal (case_id, field, blob) VALUES ($1, $2, $3)",
        case_id, field, blob,
    )


async def insert_document(
    conn: Connection, *, document_id: str, case_id: str, purpose: str, media_type: str,
    size_bytes: int, sha256: str, uploaded_by: str, at: datetime, blob: bytes,
) -> None:
    await conn.execute(
        "INSERT INTO case_documents (document_id, case_id, purpose, media_type, size_bytes,"
        " sha256, uploaded_by, uploaded_at, blob) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        document_id, case_id, purpose, media_type, size_bytes, sha256, uploaded_by, at, blob,
    )


async def list_documents(conn: Connection, *, case_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT document_id, purpose, media_type, size_bytes, sha256, uploaded_at,"
        " blob IS NOT NULL AS stored FROM case_documents WHERE case_id = $1"
        " ORDER BY uploaded_at, document_id", case_id,
    )


async def get_document(
    conn: Connection, *, case_id: str, document_id: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT document_id, media_type, blob FROM case_documents"
        " WHERE case_id = $1 AND document_id = $2", case_id, document_id,
    )


async def missing_documents(
    conn: Connection, *, case_id: str, document_ids: list[str]
) -> list[str]:
    """The ids among `document_ids` that are not documents of this case."""
    found = {str(r["document_id"]) for r in await conn.fetch(
        "SELECT document_id FROM case_documents WHERE case_id = $1"
        " AND document_id = ANY($2::uuid[])", case_id, document_ids)}
    return [d for d in document_ids if d not in found]


async def add_request(
    conn: Connection, *, request_id: str, case_id: str, question_category: str,
    requested_by: str | None, at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO information_requests (request_id, case_id, question_category,"
        " requested_by, requested_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        request_id, case_id, question_category, requested_by, at,
    )


async def get_request(conn: Connection, *, case_id: str, request_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT * FROM information_requests WHERE case_id = $1 AND request_id = $2",
        case_id, request_id,
    )


async def answer_request(
    conn: Connection, *, request_id: str, by: str, at: datetime, document_ids: list[str],
) -> int:
    """Mark the request answered; returns how many requests of the case stay open."""
    case_id = await conn.fetchval(
        "UPDATE information_requests SET answered_at = $2, answered_by = $3,"
        " document_ids = $4::uuid[] WHERE request_id = $1 RETURNING case_id",
        request_id, at, by, document_ids,
    )
    left: int = await conn.fetchval(
        "SELECT count(*) FROM information_requests WHERE case_id = $1 AND answered_at IS NULL",
        case_id,
    )
    return left


async def list_requests(conn: Connection, *, case_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT request_id, question_category, requested_at, answered_at, document_ids"
        " FROM information_requests WHERE case_id = $1 ORDER BY requested_at, request_id",
        case_id,
    )


async def lock_tokens(conn: Connection, *, tokens: list[tuple[str, bytes]]) -> None:
    # Two submissions of one victim at the same moment must not miss each other: whoever comes
    # second waits for the first to commit its tokens, then sees them. One statement takes the
    # locks in the array's (sorted) order; the duplicate match must come in a later statement,
    # whose snapshot is taken after the wait.
    keys = sorted({int.from_bytes(digest[:8], "big", signed=True) for _, digest in tokens})
    await conn.execute("SELECT pg_advisory_xact_lock(k) FROM unnest($1::bigint[]) AS k", keys)


async def flag_duplicate(conn: Connection, *, case_id: str, matches: list[str]) -> None:
    await conn.execute(
        "UPDATE cases SET possible_duplicate = true, duplicate_of = $2::uuid[] WHERE case_id = $1",
        case_id, matches,
    )


async def clear_duplicate(conn: Connection, *, case_id: str, at: datetime) -> int:
    version: int = await conn.fetchval(
        "UPDATE cases SET possible_duplicate = false, version = version + 1, updated_at = $2"
        " WHERE case_id = $1 RETURNING version", case_id, at,
    )
    return version


async def erase(conn: Connection, *, case_id: str, by: str, basis: str, at: datetime) -> int:
    """Crypto-shredding: the data key, every ciphertext and the identity tokens go."""
    await conn.execute("DELETE FROM case_personal WHERE case_id = $1", case_id)
    await conn.execute("DELETE FROM case_keys WHERE case_id = $1", case_id)
    await conn.execute("UPDATE case_documents SET blob = NULL WHERE case_id = $1", case_id)
    await conn.execute("DELETE FROM case_blind_tokens WHERE case_id = $1", case_id)
    version: int = await conn.fetchval(
        "UPDATE cases SET erased_at = $2, erased_by = $3, erasure_basis = $4,"
        " version = version + 1, updated_at = $2 WHERE case_id = $1 RETURNING version",
        case_id, at, by, basis,
    )
    return version
