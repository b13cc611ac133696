"""Audit HTTP route for offline use: the log as JSONL, streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from services.audit import repository, views
from services.audit.context import Ctx, Reader
from services.audit.domain import queries
from shared.db import Db

router = APIRouter(tags=["audit"])
EXPORT_CHUNK = 2000
Index = Annotated[int, Query(ge=0, le=2**62)]


async def _lines(db: Db, first: int, last: int) -> AsyncIterator[bytes]:
    for start in range(first, last + 1, EXPORT_CHUNK):
        async with db.connection() as conn:
            rows = await repository.entries_between(
                conn, first=start, last=min(start + EXPORT_CHUNK - 1, last)
            )
        yield b"".join(views.export_line(r) for r in rows)


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}},
)
async def export(
    ctx: Ctx,
    _: Reader,
    from_index: Index = 0,
    to_index: Annotated[
        int | None, Query(ge=0, le=2**62, description="inclusive; default: the newest entry")
    ] = None,
) -> StreamingResponse:
    """Entries from_index..to_index (both included) as JSONL, streamed; the end is fixed when the
    request arrives, so a growing log still exports one consistent prefix."""
    async with ctx.db.connection() as conn:
        size = await repository.log_size(conn)
    first, last = queries.export_range(from_index, to_index, size=size)
    return StreamingResponse(
        _lines(ctx.db, first, last),
        media_type="application/x-ndjson",
        headers={
            "Content-Disposition": f'attachment; filename="audit-{first}-{last}.jsonl"',
            "Cache-Control": "no-store",
        },
    )
