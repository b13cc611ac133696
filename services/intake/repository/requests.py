"""SQL of the information requests an assessor sent about a case (the answers are sealed)."""

from __future__ import annotations

from datetime import datetime

import asyncpg

from services.intake.domain.case import InformationRequest
from shared.db import Connection


async def add_request(
    conn: Connection,
    *,
    request_id: str,
    case_id: str,
    question_category: str,
    requested_by: str | None,
    at: datetime,
) -> None:
    await conn.execute(
        "INSERT INTO information_requests (request_id, case_id, question_category,"
        " requested_by, requested_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        request_id,
        case_id,
        question_category,
        requested_by,
        at,
    )


async def get_request(
    conn: Connection, *, case_id: str, request_id: str
) -> InformationRequest | None:
    """The request, with how many of the case's requests are open (the caller holds the case's
    lock, under which requests are added)."""
    row = await conn.fetchrow(
        "SELECT r.answered_at IS NOT NULL AS answered, (SELECT count(*) FROM information_requests"
        " o WHERE o.case_id = $1 AND o.answered_at IS NULL) AS open_requests"
        " FROM information_requests r WHERE r.case_id = $1 AND r.request_id = $2",
        case_id,
        request_id,
    )
    if row is None:
        return None
    return InformationRequest(request_id, row["answered"], row["open_requests"])


async def answer_request(
    conn: Connection, *, request_id: str, by: str, at: datetime, document_ids: list[str]
) -> None:
    await conn.execute(
        "UPDATE information_requests SET answered_at = $2, answered_by = $3,"
        " document_ids = $4::uuid[] WHERE request_id = $1",
        request_id,
        at,
        by,
        document_ids,
    )


async def list_requests(conn: Connection, *, case_id: str) -> list[asyncpg.Record]:
    return await conn.fetch(
        "SELECT request_id, question_category, requested_at, answered_at, document_ids"
        " FROM information_requests WHERE case_id = $1 ORDER BY requested_at, request_id",
        case_id,
    )
