"""Batches and their lines (the payee's bank details as they were when batched)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import asyncpg

from services.disbursement.domain.batches import Batch, BatchLine
from services.disbursement.domain.payees import BankAccount
from shared.db import Connection
from shared.money import Money


async def insert_batch(tx: Connection, *, batch: Batch) -> None:
    b = batch
    await tx.execute(
        "INSERT INTO batches (batch_id, currency, status, created_by, created_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        b.batch_id,
        b.currency,
        b.status,
        b.created_by,
        b.created_at,
    )
    await tx.executemany(
        "INSERT INTO batch_lines (batch_id, payment_id, position, case_id, payee_id,"
        " creditor_name, iban, bic, amount_minor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        [
            (
                b.batch_id,
                x.payment_id,
                n,
                x.case_id,
                x.payee_id,
                x.creditor_name,
                x.account.iban,
                x.account.bic,
                x.amount.minor,
            )
            for n, x in enumerate(b.lines)
        ],
    )


async def save_batch(tx: Connection, *, batch: Batch) -> int:
    """Status and approval; lines only ever leave a draft batch (a withdrawn case)."""
    b = batch
    await tx.execute(
        "DELETE FROM batch_lines WHERE batch_id = $1 AND NOT (payment_id = ANY($2::uuid[]))",
        b.batch_id,
        [x.payment_id for x in b.lines],
    )
    version: int = await tx.fetchval(
        "UPDATE batches SET status = $2, approved_by = $3, approved_at = $4,"
        " version = version + 1 WHERE batch_id = $1 RETURNING version",
        b.batch_id,
        b.status,
        b.approved_by,
        b.approved_at,
    )
    return version


async def get_batch(
    conn: Connection, *, batch_id: UUID, lock: bool = False
) -> tuple[Batch, int] | None:
    sql = "SELECT * FROM batches WHERE batch_id = $1" + (" FOR UPDATE" if lock else "")
    row = await conn.fetchrow(sql, batch_id)
    if row is None:
        return None
    lines = await conn.fetch(
        "SELECT * FROM batch_lines WHERE batch_id = $1 ORDER BY position", batch_id
    )
    currency = row["currency"]
    batch = Batch(
        row["batch_id"],
        currency,
        tuple(
            BatchLine(
                x["payment_id"],
                x["case_id"],
                x["payee_id"],
                x["creditor_name"],
                BankAccount(x["iban"], x["bic"]),
                Money(x["amount_minor"], currency),
            )
            for x in lines
        ),
        row["created_by"],
        row["created_at"],
        row["status"],
        row["approved_by"],
        row["approved_at"],
    )
    return batch, row["version"]


async def lock_batches(tx: Connection, *, ids: Iterable[UUID]) -> dict[UUID, Batch]:
    found: dict[UUID, Batch] = {}
    for batch_id in sorted(set(ids)):
        got = await get_batch(tx, batch_id=batch_id, lock=True)
        if got is not None:
            found[batch_id] = got[0]
    return found


async def list_batches(
    conn: Connection, *, status: str | None, limit: int, after: tuple[datetime, UUID] | None
) -> list[asyncpg.Record]:
    stamp, last = after or (None, None)
    return await conn.fetch(
        "SELECT b.*, (SELECT count(*) FROM batch_lines l WHERE l.batch_id = b.batch_id) AS n,"
        " (SELECT coalesce(sum(amount_minor), 0) FROM batch_lines l"
        "  WHERE l.batch_id = b.batch_id) AS total_minor FROM batches b"
        " WHERE ($1::text IS NULL OR status = $1)"
        " AND ($2::timestamptz IS NULL OR (created_at, batch_id) < ($2, $3))"
        " ORDER BY created_at DESC, batch_id DESC LIMIT $4",
        status,
        stamp,
        last,
        limit,
    )
