"""SQL for payees, payments and batches: keyword-only functions in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.disbursement.batches import Batch, BatchLine
from services.disbursement.payments import BankAccount, Payee, Payment
from shared.db import Connection
from shared.money import Money

# --- payees -------------------------------------------------------------------------------------


def payee_of(row: asyncpg.Record) -> Payee:
    account = BankAccount(row["iban"], row["bic"]) if row["iban"] else None
    pending = BankAccount(row["pending_iban"], row["pending_bic"]) if row["pending_iban"] else None
    return Payee(row["payee_id"], row["org_id"], row["kind"], row["name"], account, pending,
                 row["pending_by"], row["is_default"], row["created_at"])


async def insert_payee(tx: Connection, *, payee: Payee, created_by: str) -> None:
    p, pending = payee, payee.pending_account
    await tx.execute(
        "INSERT INTO payees (payee_id, org_id, kind, name, pending_iban, pending_bic, pending_by,"
        " is_default, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        p.payee_id, p.org_id, p.kind, p.name, pending.iban if pending else None,
        pending.bic if pending else None, p.pending_by, p.is_default, created_by, p.created_at,
    )


async def save_payee(tx: Connection, *, payee: Payee) -> int:
    p, a, pending = payee, payee.account, payee.pending_account
    version: int = await tx.fetchval(
        "UPDATE payees SET iban = $2, bic = $3, pending_iban = $4, pending_bic = $5,"
        " pending_by = $6, version = version + 1 WHERE payee_id = $1 RETURNING version",
        p.payee_id, a.iban if a else None, a.bic if a else None,
        pending.iban if pending else None, pending.bic if pending else None, p.pending_by,
    )
    return version


async def get_payee(
    conn: Connection, *, payee_id: UUID, lock: bool = False
) -> tuple[Payee, int] | None:
    sql = "SELECT * FROM payees WHERE payee_id = $1" + (" FOR UPDATE" if lock else "")
    row = await conn.fetchrow(sql, payee_id)
    return (payee_of(row), row["version"]) if row else None


async def payees_by_id(conn: Connection, *, ids: Iterable[UUID]) -> dict[UUID, Payee]:
    rows = await conn.fetch(
        "SELECT * FROM payees WHERE payee_id = ANY($1::uuid[]) ORDER BY payee_id FOR SHARE",
        list(set(ids)),
    )
    return {r["payee_id"]: payee_of(r) for r in rows}


async def org_payees(conn: Connection, *, org_id: str) -> list[Payee]:
    rows = await conn.fetch("SELECT * FROM payees WHERE org_id = $1 AND is_default", org_id)
    return [payee_of(r) for r in rows]


async def list_payees(
    conn: Connection, *, org_id: str | None, limit: int, after: tuple[datetime, UUID] | None
) -> list[asyncpg.Record]:
    stamp, last = after or (None, None)
    return await conn.fetch(
        "SELECT * FROM payees WHERE ($1::text IS NULL OR org_id = $1)"
        " AND ($2::timestamptz IS NULL OR (created_at, payee_id) < ($2, $3))"
        " ORDER BY created_at DESC, payee_id DESC LIMIT $4", org_id, stamp, last, limit,
    )  # fmt: skip


# --- payments -----------------------------------------------------------------------------------


def payment_of(row: asyncpg.Record) -> Payment:
    return Payment(
        row["payment_id"], row["case_id"], row["org_id"], row["grant_id"],
        Money(row["amount_minor"], row["currency"]), row["status"], row["created_at"],
        row["payee_id"], frozenset(row["items"]), row["batch_id"], row["bank_reference"],
        row["paid_on"], row["failure_reason"],
    )  # fmt: skip


async def insert_payment(tx: Connection, *, payment: Payment, at: datetime) -> None:
    p = payment
    await tx.execute(
        "INSERT INTO payments (payment_id, case_id, org_id, grant_id, currency, amount_minor,"
        " status, payee_id, items, batch_id, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        p.payment_id, p.case_id, p.org_id, p.grant_id, p.amount.currency, p.amount.minor,
        p.status, p.payee_id, sorted(p.items), p.batch_id, p.created_at, at,
    )


async def save_payment(tx: Connection, *, payment: Payment, at: datetime) -> int:
    p = payment
    version: int = await tx.fetchval(
        "UPDATE payments SET amount_minor = $2, status = $3, payee_id = $4, items = $5,"
        " batch_id = $6, bank_reference = $7, paid_on = $8, failure_reason = $9,"
        " updated_at = $10, version = version + 1 WHERE payment_id = $1 RETURNING version",
        p.payment_id, p.amount.minor, p.status, p.payee_id, sorted(p.items), p.batch_id,
        p.bank_reference, p.paid_on, p.failure_reason, at,
    )
    return version


async def get_payment(
    conn: Connection, *, payment_id: UUID, lock: bool = False
) -> tuple[Payment, int] | None:
    sql = "SELECT * FROM payments WHERE payment_id = $1" + (" FOR UPDATE" if lock else "")
    row = await conn.fetchrow(sql, payment_id)
    return (payment_of(row), row["version"]) if row else None


async def payment_row(conn: Connection, *, payment_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM payments WHERE payment_id = $1", payment_id)


async def lock_case_payments(tx: Connection, *, case_id: UUID) -> list[Payment]:
    rows = await tx.fetch(
        "SELECT * FROM payments WHERE case_id = $1 ORDER BY payment_id FOR UPDATE", case_id)
    return [payment_of(r) for r in rows]


async def lock_awaiting_payee(tx: Connection, *, org_id: str) -> list[Payment]:
    rows = await tx.fetch(
        "SELECT * FROM payments WHERE status = 'awaiting_payee' AND org_id = $1"
        " ORDER BY created_at, payment_id FOR UPDATE", org_id)
    return [payment_of(r) for r in rows]


async def lock_scheduled(
    tx: Connection, *, currency: str, payment_ids: list[UUID] | None
) -> list[Payment]:
    """Scheduled payments, locked; a concurrent batch that took one first removes it here."""
    rows = await tx.fetch(
        "SELECT * FROM payments WHERE status = 'scheduled' AND currency = $1"
        " AND ($2::uuid[] IS NULL OR payment_id = ANY($2::uuid[]))"
        " ORDER BY payment_id FOR UPDATE", currency, payment_ids,
    )  # fmt: skip
    return [payment_of(r) for r in rows]


async def list_payments(
    conn: Connection, *, filters: dict[str, Any], limit: int,
    after: tuple[datetime, UUID] | None,
) -> list[asyncpg.Record]:  # fmt: skip
    stamp, last = after or (None, None)
    return await conn.fetch(
        "SELECT * FROM payments WHERE ($1::text IS NULL OR status = $1)"
        " AND ($2::uuid IS NULL OR case_id = $2) AND ($3::uuid IS NULL OR batch_id = $3)"
        " AND ($4::timestamptz IS NULL OR (created_at, payment_id) > ($4, $5))"
        " ORDER BY created_at, payment_id LIMIT $6",
        filters.get("status"), filters.get("case_id"), filters.get("batch_id"), stamp, last,
        limit,
    )


# --- batches ------------------------------------------------------------------------------------


async def insert_batch(tx: Connection, *, batch: Batch) -> None:
    b = batch
    await tx.execute(
        "INSERT INTO batches (batch_id, currency, status, created_by, created_at)"
        " VALUES ($1, $2, $3, $4, $5)", b.batch_id, b.currency, b.status, b.created_by,
        b.created_at,
    )  # fmt: skip
    await tx.executemany(
        "INSERT INTO batch_lines (batch_id, payment_id, position, case_id, payee_id,"
        " creditor_name, iban, bic, amount_minor) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        [(b.batch_id, x.payment_id, n, x.case_id, x.payee_id, x.creditor_name, x.account.iban,
          x.account.bic, x.amount.minor) for n, x in enumerate(b.lines)],
    )


async def save_batch(tx: Connection, *, batch: Batch) -> int:
    """Status and approval; lines only ever leave a draft batch (a withdrawn case)."""
    b = batch
    await tx.execute(
        "DELETE FROM batch_lines WHERE batch_id = $1 AND NOT (payment_id = ANY($2::uuid[]))",
        b.batch_id, [x.payment_id for x in b.lines],
    )
    version: int = await tx.fetchval(
        "UPDATE batches SET status = $2, approved_by = $3, approved_at = $4,"
        " version = version + 1 WHERE batch_id = $1 RETURNING version",
        b.batch_id, b.status, b.approved_by, b.approved_at,
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
        "SELECT * FROM batch_lines WHERE batch_id = $1 ORDER BY position", batch_id)
    currency = row["currency"]
    batch = Batch(
        row["batch_id"], currency,
        tuple(BatchLine(x["payment_id"], x["case_id"], x["payee_id"], x["creditor_name"],
                        BankAccount(x["iban"], x["bic"]), Money(x["amount_minor"], currency))
              for x in lines),
        row["created_by"], row["created_at"], row["status"], row["approved_by"],
        row["approved_at"],
    )  # fmt: skip
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
        " ORDER BY created_at DESC, batch_id DESC LIMIT $4", status, stamp, last, limit,
    )  # fmt: skip
