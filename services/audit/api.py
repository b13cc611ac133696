"""Audit HTTP routes: the log, signed tree heads, Merkle proofs; read-only, for auditors, admins."""

from __future__ import annotations

from typing import Annotated, Any

import asyncpg
import orjson
from fastapi import APIRouter, Depends, Query

from services.audit import merkle, repository
from shared.auth import Principal, require
from shared.db import Connection
from shared.deps import DbDep
from shared.problems import Problem

router = APIRouter(tags=["audit"])
Reader = Annotated[Principal, Depends(require("auditor", "admin"))]
Index = Annotated[int, Query(ge=0, le=2**62)]
Size = Annotated[int, Query(ge=0, le=2**62)]


def entry_json(row: asyncpg.Record) -> dict[str, Any]:
    """A /log item: the event as received (parsed), when it was recorded, its leaf hash."""
    return {
        "index": row["idx"],
        "event": orjson.loads(row["event"]),
        "recorded_at": row["recorded_at"].isoformat(),
        "leaf_hash": bytes(row["leaf_hash"]).hex(),
    }


def out_of_range(field: str, detail: str) -> Problem:
    return Problem(
        422,
        detail,
        code="out-of-range",
        errors=[{"field": f"query.{field}", "code": "out_of_range", "message": detail}],
    )


@router.get("/log")
async def log(
    db: DbDep,
    _: Reader,
    after: Annotated[int, Query(ge=-1, le=2**62, description="list entries after this index")] = -1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    type: Annotated[str | None, Query(max_length=200)] = None,  # the contract's name
    subject: Annotated[str | None, Query(max_length=200)] = None,
    cursor: Annotated[int | None, Query(ge=-1, le=2**62, description="next_cursor")] = None,
) -> dict[str, Any]:
    async with db.connection() as conn:
        rows = await repository.log_page(
            conn,
            after=cursor if cursor is not None else after,
            limit=limit + 1,
            event_type=type,
            subject=subject,
        )
    page = rows[:limit]
    return {
        "items": [entry_json(r) for r in page],
        "next_cursor": str(page[-1]["idx"]) if len(rows) > limit else None,
    }


@router.get("/tree-heads/latest")
async def latest_tree_head(db: DbDep, _: Reader) -> dict[str, Any]:
    async with db.connection() as conn:
        row = await repository.latest_head(conn)
    if row is None:
        raise Problem(404, "no tree head has been signed yet", code="no-tree-head")
    return repository.head_json(row)


@router.get("/tree-heads")
async def tree_heads(
    db: DbDep,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[int | None, Query(ge=1, le=2**62, description="next_cursor")] = None,
) -> dict[str, Any]:
    """Signed tree heads, newest first."""
    async with db.connection() as conn:
        rows = await repository.heads_page(conn, before=cursor, limit=limit + 1)
    page = rows[:limit]
    return {
        "items": [repository.head_json(r) for r in page],
        "next_cursor": str(page[-1]["tree_size"]) if len(rows) > limit else None,
    }


async def _size_or_latest(conn: Connection, tree_size: int | None) -> int:
    """The requested tree size, checked against the log; the latest head's when not given."""
    if tree_size is None:
        head = await repository.latest_head(conn)
        if head is None:
            raise Problem(404, "no tree head has been signed yet", code="no-tree-head")
        return int(head["tree_size"])
    logged = await repository.log_size(conn)
    if tree_size > logged:
        raise out_of_range("tree_size", f"tree_size {tree_size} is beyond the log's {logged}")
    return tree_size


@router.get("/proofs/inclusion")
async def inclusion_proof(
    db: DbDep,
    _: Reader,
    index: Index,
    tree_size: Annotated[
        int | None, Query(ge=0, le=2**62, description="default: the latest head's")
    ] = None,
) -> dict[str, Any]:
    """RFC 9162 audit path of the leaf at index in the tree of tree_size leaves."""
    async with db.connection() as conn:
        size = await _size_or_latest(conn, tree_size)
        if index >= size:
            raise out_of_range("index", f"index {index} is not below tree_size {size}")
        ids = merkle.inclusion_proof_nodes(index, size)
        nodes = await repository.fetch_nodes(conn, [(0, index), *ids])
    return {
        "index": index,
        "tree_size": size,
        "leaf_hash": nodes[(0, index)].hex(),
        "audit_path": [h.hex() for h in merkle.inclusion_proof(index, size, nodes)],
    }


@router.get("/proofs/consistency")
async def consistency_proof(db: DbDep, _: Reader, first: Size, second: Size) -> dict[str, Any]:
    """RFC 9162 proof that the tree of second leaves extends the tree of first leaves."""
    if first > second:
        raise out_of_range("first", f"first {first} is larger than second {second}")
    async with db.connection() as conn:
        await _size_or_latest(conn, second)
        nodes = await repository.fetch_nodes(conn, merkle.consistency_proof_nodes(first, second))
    return {
        "first": first,
        "second": second,
        "consistency_path": [h.hex() for h in merkle.consistency_proof(first, second, nodes)],
    }
