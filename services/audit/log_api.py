"""Audit HTTP routes over the log itself: its entries, its signed tree heads, its Merkle proofs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from services.audit import reading, repository, views
from services.audit.context import Auditor, Ctx, LogReader
from services.audit.domain import merkle, queries
from services.audit.domain.heads import TreeHead
from shared.db import Connection
from shared.types import IsoDate, Line

router = APIRouter(tags=["audit"])
Index = Annotated[int, Query(ge=0, le=2**62)]
Size = Annotated[int, Query(ge=0, le=2**62)]


@router.get(
    "/log",
    response_class=Response,
    responses={200: {"content": {"application/json": {"schema": views.LOG_PAGE_SCHEMA}}}},
)
async def log(
    ctx: Ctx,
    reader: LogReader,
    after: Annotated[int, Query(ge=-1, le=2**62, description="list entries after this index")] = -1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    type: Annotated[Line | None, Query(max_length=200)] = None,  # the contract's name
    subject: Annotated[Line | None, Query(max_length=200)] = None,
    from_: Annotated[
        IsoDate | None, Query(alias="from", description="recorded on or after this day (UTC)")
    ] = None,
    to: Annotated[IsoDate | None, Query(description="recorded on or before this day (UTC)")] = None,
    cursor: Annotated[int | None, Query(ge=-1, le=2**62, description="next_cursor")] = None,
) -> Response:
    """Entries in append order, each with the event exactly as received; for a donor, only the
    entries behind their grants' reports."""
    queries.check_period(from_, to)
    since, until = queries.day_bounds(from_, to)
    where = repository.LogFilter(
        after=cursor if cursor is not None else after,
        event_type=type,
        subject=subject,
        since=since,
        until=until,
    )
    async with ctx.db.connection() as conn:
        scope = await reading.scope_of(conn, reader)
        rows = await repository.log_page(conn, where=where, scope=scope, limit=limit + 1)
    return Response(views.log_page(rows, limit), media_type="application/json")


@router.get("/tree-heads/latest")
async def latest_tree_head(ctx: Ctx, _: LogReader) -> TreeHead:
    async with ctx.db.connection() as conn:
        head = await repository.latest_head(conn)
    if head is None:
        raise queries.no_tree_head()
    return head


@router.get(
    "/tree-heads/public-key",
    response_class=Response,
    responses={200: {"content": {"application/x-pem-file": {"schema": {"type": "string"}}}}},
)
async def public_key(ctx: Ctx, _: LogReader) -> Response:
    """The Ed25519 public key (PEM SubjectPublicKeyInfo) that verifies every tree head."""
    return Response(ctx.signer.public_key_pem(), media_type="application/x-pem-file")


@router.get("/tree-heads")
async def tree_heads(
    ctx: Ctx,
    _: LogReader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[int | None, Query(ge=1, le=2**62, description="next_cursor")] = None,
) -> dict[str, Any]:
    """Signed tree heads, newest first."""
    async with ctx.db.connection() as conn:
        heads = await repository.heads_page(conn, before=cursor, limit=limit + 1)
    page = heads[:limit]
    return {
        "items": page,
        "next_cursor": str(page[-1]["tree_size"]) if len(heads) > limit else None,
    }


@router.get("/proofs/inclusion")
async def inclusion_proof(
    ctx: Ctx,
    reader: LogReader,
    index: Index,
    tree_size: Annotated[
        int | None, Query(ge=0, le=2**62, description="default: the latest head's")
    ] = None,
) -> dict[str, Any]:
    """RFC 9162 audit path of the leaf at index in the tree of tree_size leaves (for a donor,
    only of the entries behind their grants' reports)."""
    async with ctx.db.connection() as conn:
        await reading.check_entry(conn, await reading.scope_of(conn, reader), index)
        size = await _tree_size(conn, tree_size, field="tree_size")
        queries.check_inclusion(index, size)
        ids = merkle.inclusion_proof_nodes(index, size)
        nodes = await repository.fetch_nodes(conn, [(0, index), *ids])
    path = merkle.inclusion_proof(index, size, nodes)
    return views.inclusion_json(index, size, nodes[(0, index)], path)


@router.get("/proofs/consistency")
async def consistency_proof(ctx: Ctx, _: Auditor, first: Size, second: Size) -> dict[str, Any]:
    """RFC 9162 proof that the tree of second leaves extends the tree of first leaves."""
    queries.check_consistency(first, second)
    async with ctx.db.connection() as conn:
        await _tree_size(conn, second, field="second")
        nodes = await repository.fetch_nodes(conn, merkle.consistency_proof_nodes(first, second))
    return views.consistency_json(first, second, merkle.consistency_proof(first, second, nodes))


async def _tree_size(conn: Connection, requested: int | None, *, field: str) -> int:
    """The requested tree size, checked against the log; the latest head's when not given."""
    if requested is None:
        head = await repository.latest_head(conn)
        if head is None:
            raise queries.no_tree_head()
        return head["tree_size"]
    queries.check_tree_size(requested, field=field, logged=await repository.log_size(conn))
    return requested
