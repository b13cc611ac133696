"""Audit HTTP routes over the log itself: its entries, its signed tree heads, its Merkle proofs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from services.audit import repository, views
from services.audit.context import Ctx, Reader
from services.audit.domain import merkle, queries
from services.audit.domain.heads import TreeHead
from shared.db import Connection
from shared.types import Line

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
    _: Reader,
    after: Annotated[int, Query(ge=-1, le=2**62, description="list entries after this index")] = -1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    type: Annotated[Line | None, Query(max_length=200)] = None,  # the contract's name
    subject: Annotated[Line | None, Query(max_length=200)] = None,
    cursor: Annotated[int | None, Query(ge=-1, le=2**62, description="next_cursor")] = None,
) -> Response:
    """Entries in append order, each with the event exactly as received."""
    async with ctx.db.connection() as conn:
        rows = await repository.log_page(
            conn,
            after=cursor if cursor is not None else after,
            limit=limit + 1,
            event_type=type,
            subject=subject,
        )
    return Response(views.log_page(rows, limit), media_type="application/json")


@router.get("/tree-heads/latest")
async def latest_tree_head(ctx: Ctx, _: Reader) -> TreeHead:
    async with ctx.db.connection() as conn:
        head = await repository.latest_head(conn)
    if head is None:
        raise queries.no_tree_head()
    return head


@router.get("/tree-heads")
async def tree_heads(
    ctx: Ctx,
    _: Reader,
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
    _: Reader,
    index: Index,
    tree_size: Annotated[
        int | None, Query(ge=0, le=2**62, description="default: the latest head's")
    ] = None,
) -> dict[str, Any]:
    """RFC 9162 audit path of the leaf at index in the tree of tree_size leaves."""
    async with ctx.db.connection() as conn:
        size = await _tree_size(conn, tree_size, field="tree_size")
        queries.check_inclusion(index, size)
        ids = merkle.inclusion_proof_nodes(index, size)
        nodes = await repository.fetch_nodes(conn, [(0, index), *ids])
    path = merkle.inclusion_proof(index, size, nodes)
    return views.inclusion_json(index, size, nodes[(0, index)], path)


@router.get("/proofs/consistency")
async def consistency_proof(ctx: Ctx, _: Reader, first: Size, second: Size) -> dict[str, Any]:
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
