"""Payees and their bank details (confirmed, and pending a second officer)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

import asyncpg

from services.disbursement.domain.payees import BankAccount, Payee
from shared.db import Connection


def payee_of(row: asyncpg.Record) -> Payee:
    account = BankAccount(row["iban"], row["bic"]) if row["iban"] else None
    pending = BankAccount(row["pending_iban"], row["pending_bic"]) if row["pending_iban"] else None
    return Payee(
        row["payee_id"],
        row["org_id"],
        row["kind"],
        row["name"],
        account,
        pending,
        row["pending_by"],
        row["is_default"],
        row["created_at"],
    )


async def insert_payee(tx: Connection, *, payee: Payee, created_by: str) -> None:
    p, pending = payee, payee.pending_account
    await tx.execute(
        "INSERT INTO payees (payee_id, org_id, kind, name, pending_iban, pending_bic, pending_by,"
        " is_default, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        p.payee_id,
        p.org_id,
        p.kind,
        p.name,
        pending.iban if pending else None,
        pending.bic if pending else None,
        p.pending_by,
        p.is_default,
        created_by,
        p.created_at,
    )


async def save_payee(tx: Connection, *, payee: Payee) -> int:
    p, a, pending = payee, payee.account, payee.pending_account
    version: int = await tx.fetchval(
        "UPDATE payees SET iban = $2, bic = $3, pending_iban = $4, pending_bic = $5,"
        " pending_by = $6, version = version + 1 WHERE payee_id = $1 RETURNING version",
        p.payee_id,
        a.iban if a else None,
        a.bic if a else None,
        pending.iban if pending else None,
        pending.bic if pending else None,
        p.pending_by,
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
        " ORDER BY created_at DESC, payee_id DESC LIMIT $4",
        org_id,
        stamp,
        last,
        limit,
    )
