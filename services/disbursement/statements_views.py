"""Read models of bank reconciliation → response bodies: statements with their entries and what
each was matched to, status reports with their lines. Amounts as decimal strings plus currency;
lists as `{"items": [...], "next_cursor": …}`; the latest import first."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
from fastapi.responses import JSONResponse

from services.disbursement.domain.common import missing
from services.disbursement.repository import statements as rows
from services.disbursement.repository.statements import EntryRow, StatementRow
from services.disbursement.views import Body, encode_cursor, position, respond
from shared.db import Connection, Db
from shared.deps import etag
from shared.money import from_minor

OUTCOMES = ("matched", "returned", "unmatched", "dismissed", "unchanged")


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def entry(e: EntryRow) -> Body:
    return {
        "index": e.entry_index,
        "amount": from_minor(e.amount_minor, e.currency),
        "currency": e.currency,
        "direction": e.direction,
        "status": e.status,
        "booking_date": _day(e.booking_date),
        "value_date": _day(e.value_date),
        "reversal": e.reversal,
        "bank_reference": e.bank_reference,
        "return_code": e.return_code,
        "outcome": e.outcome,
        "reason": e.reason,
        "matched_by": e.matched_by,
        "payment_ids": [str(i) for i in e.payment_ids],
        "candidates": [str(i) for i in e.candidates],
        "paid_before": [str(i) for i in e.paid_before],
        "resolved_by": e.resolved_by,
        "resolved_at": _day(e.resolved_at),
        "version": e.version,
    }


def _summary(s: StatementRow, counts: dict[str, int]) -> Body:
    return {
        "statement_id": str(s.statement_id),
        "message": s.message,
        "account": s.account,
        "bank_statement_id": s.bank_statement_id,
        "bank_message_id": s.bank_message_id,
        "file_sha256": s.file_sha256,
        "created_at": _day(s.created_at),
        "imported_by": s.imported_by,
        "imported_at": s.imported_at.isoformat(),
        "entries": sum(counts.values()),
        **{outcome: counts.get(outcome, 0) for outcome in OUTCOMES},
    }


async def statement_body(conn: Connection, *, statement_id: UUID) -> Body:
    found = await rows.get_statement(conn, statement_id=statement_id)
    if found is None:
        raise missing(f"statement {statement_id}")
    entries = await rows.entries_of(conn, statement_id=statement_id)
    counts: dict[str, int] = {}
    for e in entries:
        counts[e.outcome] = counts.get(e.outcome, 0) + 1
    return _summary(found, counts) | {"items": [entry(e) for e in entries]}


async def one_statement(db: Db, statement_id: UUID) -> JSONResponse:
    async with db.connection() as conn:
        body = await statement_body(conn, statement_id=statement_id)
    return respond(200, body, {})


async def entry_body(conn: Connection, *, statement_id: UUID, index: int) -> Body:
    found = await rows.get_statement(conn, statement_id=statement_id)
    entries = await rows.entries_of(conn, statement_id=statement_id) if found else []
    chosen = next((e for e in entries if e.entry_index == index), None)
    if found is None or chosen is None:
        raise missing(f"entry {index} of statement {statement_id}")
    return entry(chosen) | {"statement_id": str(statement_id), "imported_by": found.imported_by}


async def one_entry(db: Db, statement_id: UUID, index: int) -> JSONResponse:
    async with db.connection() as conn:
        body = await entry_body(conn, statement_id=statement_id, index=index)
    return respond(200, body, {"ETag": etag(body["version"])})


def _after(cursor: str | None) -> tuple[datetime, UUID] | None:
    return position(cursor)


def _next(page: list[asyncpg.Record], more: bool, key: str) -> str | None:
    if not more:
        return None
    last = page[-1]
    return encode_cursor(last["imported_at"].astimezone(UTC).isoformat(), last[key])


async def statement_page(db: Db, *, limit: int, cursor: str | None) -> Body:
    after = _after(cursor)
    async with db.connection() as conn:
        found = await rows.list_statements(conn, limit=limit + 1, after=after)
    page = found[:limit]
    items = [_summary(rows.statement_of(r), {o: int(r[o]) for o in OUTCOMES}) for r in page]
    return {"items": items, "next_cursor": _next(page, len(found) > limit, "statement_id")}


# --- status reports -----------------------------------------------------------------------------


def status_report(row: asyncpg.Record) -> Body:
    lines: list[dict[str, Any]] = list(row["lines"])
    counts: dict[str, int] = {}
    for line in lines:
        counts[line["outcome"]] = counts.get(line["outcome"], 0) + 1
    return {
        "report_id": str(row["report_id"]),
        "message": row["message"],
        "bank_message_id": row["bank_message_id"],
        "original_message_id": row["original_message_id"],
        "group_status": row["group_status"],
        "file_sha256": row["file_sha256"],
        "created_at": _day(row["created_at"]),
        "imported_by": row["imported_by"],
        "imported_at": row["imported_at"].isoformat(),
        "lines": len(lines),
        "rejected": counts.get("rejected", 0),
        "unmatched": counts.get("unmatched", 0),
        "unchanged": counts.get("unchanged", 0),
        "items": lines,
    }


async def status_report_body(conn: Connection, *, report_id: UUID) -> Body:
    row = await rows.get_status_report(conn, report_id=report_id)
    if row is None:
        raise missing(f"status report {report_id}")
    return status_report(row)


async def one_status_report(db: Db, report_id: UUID) -> JSONResponse:
    async with db.connection() as conn:
        body = await status_report_body(conn, report_id=report_id)
    return respond(200, body, {})


async def status_report_page(db: Db, *, limit: int, cursor: str | None) -> Body:
    after = _after(cursor)
    async with db.connection() as conn:
        found = await rows.list_status_reports(conn, limit=limit + 1, after=after)
    page = found[:limit]
    return {
        "items": [status_report(r) for r in page],
        "next_cursor": _next(page, len(found) > limit, "report_id"),
    }
