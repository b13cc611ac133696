"""SQL of a case's documents (their bytes sealed under the case's data key)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from shared.db import Connection


async def insert_document(
    conn: Connection,
    *,
    document_id: str,
    case_id: str,
    purpose: str,
    media_type: str,
    size_bytes: int,
    sha256: str,
    uploaded_by: str,
    at: datetime,
    blob: bytes,
) -> None:
    await conn.execute(
        "INSERT INTO case_documents (document_id, case_id, purpose, media_type, size_bytes,"
        " sha256, uploaded_by, uploaded_at, blob) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        document_id,
        case_id,
        purpose,
        media_type,
        size_bytes,
        sha256,
        uploaded_by,
        at,
        blob,
    )


async def count_documents(conn: Connection, *, case_id: str) -> int:
    count: int = await conn.fetchval(
        "SELECT count(*) FROM case_documents WHERE case_id = $1", case_id
    )
    return count


async def list_documents(conn: Connection, *, case_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT document_id, purpose, media_type, size_bytes, sha256, uploaded_at,"
        " blob IS NOT NULL AS stored FROM case_documents WHERE case_id = $1"
        " ORDER BY uploaded_at, document_id",
        case_id,
    )


async def get_document(
    conn: Connection, *, case_id: str, document_id: str
) -> asyncpg.Record | None:
    return await conn.fetchrow(
        "SELECT document_id, media_type, blob FROM case_documents"
        " WHERE case_id = $1 AND document_id = $2",
        case_id,
        document_id,
    )


async def missing_documents(
    conn: Connection, *, case_id: str, document_ids: list[str]
) -> list[str]:
    """The ids among `document_ids` that are not documents of this case."""
    rows = await conn.fetch(
        "SELECT document_id FROM case_documents WHERE case_id = $1"
        " AND document_id = ANY($2::uuid[])",
        case_id,
        document_ids,
    )
    found = {str(r["document_id"]) for r in rows}
    return [d for d in document_ids if d not in found]
