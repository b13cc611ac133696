"""Audit HTTP route for offline use: the log as JSONL, streamed, with the signed tree heads that
prove it (the format: domain/export.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse

from services.audit import repository, views
from services.audit.context import Auditor, Ctx
from services.audit.domain import export as export_format
from services.audit.domain import queries
from services.audit.domain.heads import TreeHead
from shared.db import Connection, Db

router = APIRouter(tags=["audit"])
EXPORT_CHUNK = 2000
Index = Annotated[int, Query(ge=0, le=2**62)]


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}},
)
async def export(
    ctx: Ctx,
    _: Auditor,
    from_index: Index = 0,
    to_index: Annotated[
        int | None,
        Query(
            ge=0, le=2**62, description="inclusive; default: the last entry a signed head covers"
        ),
    ] = None,
) -> StreamingResponse:
    """Entries from_index..to_index (both included) as JSONL, streamed, then a trailer of signed
    tree heads with the range proofs that tie those entries to their roots. The range is fixed
    when the request arrives, so a growing log still exports one consistent part."""
    async with ctx.db.connection() as conn:
        size = await repository.log_size(conn)
        latest = await repository.latest_head(conn)
        signed = 0 if latest is None else latest["tree_size"]
        first, last = queries.export_range(from_index, to_index, size=size, signed=signed)
        trailer = await _trailer(conn, first, last, latest) if first <= last else []
    return StreamingResponse(
        _lines(ctx.db, first, last, trailer),
        media_type="application/x-ndjson",
        headers={
            "Content-Disposition": f'attachment; filename="audit-{first}-{last}.jsonl"',
            "Cache-Control": "no-store",
        },
    )


async def _trailer(
    conn: Connection, first: int, last: int, latest: TreeHead | None
) -> list[dict[str, Any]]:
    found = await repository.heads_at_or_above(conn, export_format.head_cuts(first, last))
    heads = export_format.trailer_heads(found, latest, first, last)
    nodes = await repository.fetch_nodes(conn, export_format.proof_nodes(heads, first, last))
    return [export_format.head_line(head, first, last, nodes) for head in heads]


async def _lines(
    db: Db, first: int, last: int, trailer: list[dict[str, Any]]
) -> AsyncIterator[bytes]:
    for start in range(first, last + 1, EXPORT_CHUNK):
        async with db.connection() as conn:
            rows = await repository.entries_between(
                conn, first=start, last=min(start + EXPORT_CHUNK - 1, last)
            )
        yield b"".join(views.export_line(r) for r in rows)
    yield b"".join(orjson.dumps(line) + b"\n" for line in trailer)
