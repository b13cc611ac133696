"""Bank statements, their entries, status reports, and the bank entries applied to payments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.db import Connection


@dataclass(frozen=True, slots=True)
class StatementRow:
    """What is kept of one statement: where it came from, never what it says of people."""

    statement_id: UUID
    message: str
    account: str
    bank_statement_id: str
    bank_message_id: str
    file_sha256: str
    created_at: datetime | None
    imported_by: str
    imported_at: datetime


@dataclass(frozen=True, slots=True)
class EntryRow:
    """One entry of a statement with the decision taken on it."""

    entry_index: int
    amount_minor: int
    currency: str
    direction: str
    status: str
    booking_date: date | None
    value_date: date | None
    reversal: bool
    bank_reference: str
    return_code: str | None
    outcome: str
    reason: str | None
    matched_by: str | None = None
    payment_ids: tuple[UUID, ...] = ()
    candidates: tuple[UUID, ...] = ()
    paid_before: tuple[UUID, ...] = ()
    resolved_by: str | None = None
    resolved_at: datetime | None = None
    version: int = 1


def entry_of(row: asyncpg.Record) -> EntryRow:
    return EntryRow(
        row["entry_index"],
        row["amount_minor"],
        row["currency"],
        row["direction"],
        row["status"],
        row["booking_date"],
        row["value_date"],
        row["reversal"],
        row["bank_reference"],
        row["return_code"],
        row["outcome"],
        row["reason"],
        row["matched_by"],
        tuple(row["payment_ids"]),
        tuple(row["candidates"]),
        tuple(row["paid_before"]),
        row["resolved_by"],
        row["resolved_at"],
        row["version"],
    )


def statement_of(row: asyncpg.Record) -> StatementRow:
    return StatementRow(
        row["statement_id"],
        row["message"],
        row["account"],
        row["bank_statement_id"],
        row["bank_message_id"],
        row["file_sha256"],
        row["created_at"],
        row["imported_by"],
        row["imported_at"],
    )


async def insert_statement(tx: Connection, *, statement: StatementRow) -> bool:
    """False when the same statement (account and statement id) was imported before."""
    s = statement
    inserted: UUID | None = await tx.fetchval(
        "INSERT INTO statements (statement_id, message, account, bank_statement_id,"
        " bank_message_id, file_sha256, created_at, imported_by, imported_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        " ON CONFLICT ON CONSTRAINT statements_imported_once DO NOTHING RETURNING statement_id",
        s.statement_id,
        s.message,
        s.account,
        s.bank_statement_id,
        s.bank_message_id,
        s.file_sha256,
        s.created_at,
        s.imported_by,
        s.imported_at,
    )
    return inserted is not None


def _entry_values(statement_id: UUID, e: EntryRow) -> tuple[Any, ...]:
    return (
        statement_id,
        e.entry_index,
        e.amount_minor,
        e.currency,
        e.direction,
        e.status,
        e.booking_date,
        e.value_date,
        e.reversal,
        e.bank_reference,
        e.return_code,
        e.outcome,
        e.reason,
        e.matched_by,
        list(e.payment_ids),
        list(e.candidates),
        list(e.paid_before),
    )


async def insert_entries(
    tx: Connection, *, statement_id: UUID, entries: Sequence[EntryRow]
) -> None:
    await tx.executemany(
        "INSERT INTO statement_entries (statement_id, entry_index, amount_minor, currency,"
        " direction, status, booking_date, value_date, reversal, bank_reference, return_code,"
        " outcome, reason, matched_by, payment_ids, candidates, paid_before)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        [_entry_values(statement_id, e) for e in entries],
    )


async def get_statement(conn: Connection, *, statement_id: UUID) -> StatementRow | None:
    row = await conn.fetchrow("SELECT * FROM statements WHERE statement_id = $1", statement_id)
    return statement_of(row) if row else None


async def entries_of(conn: Connection, *, statement_id: UUID) -> list[EntryRow]:
    rows = await conn.fetch(
        "SELECT * FROM statement_entries WHERE statement_id = $1 ORDER BY entry_index",
        statement_id,
    )
    return [entry_of(r) for r in rows]


async def lock_entry(tx: Connection, *, statement_id: UUID, index: int) -> EntryRow | None:
    row = await tx.fetchrow(
        "SELECT * FROM statement_entries WHERE statement_id = $1 AND entry_index = $2 FOR UPDATE",
        statement_id,
        index,
    )
    return entry_of(row) if row else None


async def resolve_entry(
    tx: Connection,
    *,
    statement_id: UUID,
    entry: EntryRow,
    resolved_by: str,
    at: datetime,
) -> int:
    """Record an officer's decision on an entry (outcome, reason, payments); its new version."""
    version: int = await tx.fetchval(
        "UPDATE statement_entries SET outcome = $3, reason = $4, matched_by = $5,"
        " payment_ids = $6, paid_before = $7, resolved_by = $8, resolved_at = $9,"
        " version = version + 1 WHERE statement_id = $1 AND entry_index = $2 RETURNING version",
        statement_id,
        entry.entry_index,
        entry.outcome,
        entry.reason,
        entry.matched_by,
        list(entry.payment_ids),
        list(entry.paid_before),
        resolved_by,
        at,
    )
    return version


async def list_statements(
    conn: Connection, *, limit: int, after: tuple[datetime, UUID] | None
) -> list[asyncpg.Record]:
    """Statements, the latest import first, with how many entries each outcome has."""
    stamp, last = after or (None, None)
    return await conn.fetch(
        "SELECT s.*, count(e.*) AS entries,"
        " count(*) FILTER (WHERE e.outcome = 'matched') AS matched,"
        " count(*) FILTER (WHERE e.outcome = 'returned') AS returned,"
        " count(*) FILTER (WHERE e.outcome = 'unmatched') AS unmatched,"
        " count(*) FILTER (WHERE e.outcome = 'dismissed') AS dismissed,"
        " count(*) FILTER (WHERE e.outcome = 'unchanged') AS unchanged"
        " FROM statements s LEFT JOIN statement_entries e USING (statement_id)"
        " WHERE ($1::timestamptz IS NULL OR (s.imported_at, s.statement_id) < ($1, $2))"
        " GROUP BY s.statement_id ORDER BY s.imported_at DESC, s.statement_id DESC LIMIT $3",
        stamp,
        last,
        limit,
    )


# --- status reports -----------------------------------------------------------------------------


async def insert_status_report(
    tx: Connection,
    *,
    report_id: UUID,
    message: str,
    bank_message_id: str,
    original_message_id: str,
    group_status: str | None,
    file_sha256: str,
    created_at: datetime | None,
    imported_by: str,
    imported_at: datetime,
    lines: list[dict[str, Any]],
) -> bool:
    """False when a report with the same message id was imported before."""
    inserted: UUID | None = await tx.fetchval(
        "INSERT INTO status_reports (report_id, message, bank_message_id, original_message_id,"
        " group_status, file_sha256, created_at, imported_by, imported_at, lines)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT ON CONSTRAINT status_reports_imported_once DO NOTHING RETURNING report_id",
        report_id,
        message,
        bank_message_id,
        original_message_id,
        group_status,
        file_sha256,
        created_at,
        imported_by,
        imported_at,
        lines,
    )
    return inserted is not None


async def get_status_report(conn: Connection, *, report_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM status_reports WHERE report_id = $1", report_id)


async def list_status_reports(
    conn: Connection, *, limit: int, after: tuple[datetime, UUID] | None
) -> list[asyncpg.Record]:
    stamp, last = after or (None, None)
    return await conn.fetch(
        "SELECT * FROM status_reports"
        " WHERE ($1::timestamptz IS NULL OR (imported_at, report_id) < ($1, $2))"
        " ORDER BY imported_at DESC, report_id DESC LIMIT $3",
        stamp,
        last,
        limit,
    )


# --- what the bank said about payments ----------------------------------------------------------


async def referenced_payments(
    conn: Connection, *, payment_ids: Sequence[UUID], batch_ids: Sequence[UUID]
) -> list[tuple[UUID, UUID]]:
    """(payment id, case id) of the payments a bank file names, by id or by batch."""
    rows = await conn.fetch(
        "SELECT payment_id, case_id FROM payments"
        " WHERE payment_id = ANY($1::uuid[]) OR batch_id = ANY($2::uuid[])",
        list(payment_ids),
        list(batch_ids),
    )
    return [(r["payment_id"], r["case_id"]) for r in rows]


async def seen_references(
    conn: Connection, *, payment_ids: Sequence[UUID]
) -> dict[UUID, frozenset[str]]:
    """The bank references of the entries already applied to each payment."""
    rows = await conn.fetch(
        "SELECT payment_id, array_agg(bank_reference) AS refs FROM payment_bank_entries"
        " WHERE payment_id = ANY($1::uuid[]) GROUP BY payment_id",
        list(payment_ids),
    )
    return {r["payment_id"]: frozenset(r["refs"]) for r in rows}


@dataclass(frozen=True, slots=True)
class BankEntry:
    payment_id: UUID
    bank_reference: str
    effect: str  # paid | returned
    statement_id: UUID
    entry_index: int


async def record_bank_entries(
    tx: Connection, *, entries: Sequence[BankEntry], at: datetime
) -> None:
    await tx.executemany(
        "INSERT INTO payment_bank_entries (payment_id, bank_reference, effect, statement_id,"
        " entry_index, applied_at) VALUES ($1, $2, $3, $4, $5, $6)",
        [
            (e.payment_id, e.bank_reference, e.effect, e.statement_id, e.entry_index, at)
            for e in entries
        ],
    )
