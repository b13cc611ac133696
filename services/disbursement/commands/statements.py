"""Bank files in (CONTRACT section 8): a camt.053/.054 statement or a pain.002 status report is
read (off the event loop), matched, and its effects applied to payments, reservations and grants
in ONE transaction with the events they cause; the same statement or report twice is a 409 that
changes nothing. Unmatched entries are matched or dismissed by hand (`commands.entries`).

Imported by the routes on the first bank file: the reconciliation package costs ~12 MB."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from fastapi.responses import JSONResponse

from services.disbursement import statements_views, views
from services.disbursement.commands import budget
from services.disbursement.commands.ledger import Ledger, lock_ledger
from services.disbursement.context import DisbursementContext
from services.disbursement.domain.common import DomainEvent, conflict
from services.disbursement.domain.reconciling import reason_code
from services.disbursement.domain.statements import StatementImported, StatusReportImported
from services.disbursement.reconciliation import (
    Decision,
    Matched,
    Reconciliation,
    Rejected,
    Returned,
    Statement,
    StatementFile,
    StatusReport,
    Unchanged,
    Unmatched,
    bank_reference_of,
    check_account,
    match_statement,
    match_status_report,
    read_bank_file,
    referenced,
    referenced_by_report,
)
from services.disbursement.repository import cases
from services.disbursement.repository import statements as rows
from services.disbursement.repository.statements import EntryRow, StatementRow
from services.disbursement.settings import compact_account
from services.disbursement.wire import Cause, enqueue
from shared import idempotency
from shared.db import Connection

Reply = tuple[int, views.Body, dict[str, str]]


async def import_file(
    ctx: DisbursementContext, cause: Cause, data: bytes, *, key: str | None
) -> JSONResponse:
    """Read, check (XSD, account) and reconcile one bank file; 201 with what it did."""
    digest = hashlib.sha256(data).hexdigest()
    limit = ctx.settings.statement_max_bytes
    found = await asyncio.to_thread(read_bank_file, data, max_bytes=limit)
    if isinstance(found, StatementFile):
        for statement in found.statements:
            check_account(statement, ctx.settings.reconciled_accounts)

    async def work(tx: Connection) -> Reply:
        at = ctx.clock()
        await cases.lock_budget(tx)  # a return of a withdrawn case's payment releases money
        if isinstance(found, StatusReport):
            return await _import_report(tx, cause, found, digest, at)
        return await _import_statements(tx, cause, found, digest, at)

    return await idempotency.run(
        ctx.db,
        key=key,
        principal=(cause.actor, cause.org),
        route="POST /statements",
        payload={"sha256": digest},
        work=work,
    )


def returned_on(decisions: tuple[Decision, ...], fallback: date) -> dict[int, date]:
    """The day each returning entry gave the money back (its booking or value date)."""
    return {d.index: d.booking_date or fallback for d in decisions if isinstance(d, Returned)}


def apply_decisions(
    ledger: Ledger, result: Reconciliation, *, statement_id: uuid.UUID | None, today: date
) -> None:
    """Apply the effects in order, each with the entry that decided it."""
    days = returned_on(result.decisions, today)
    owner: dict[tuple[Any, ...], int] = {}
    for d in result.decisions:
        if isinstance(d, Matched | Returned):
            for payment_id in d.payment_ids:
                owner[(payment_id, d.bank_reference)] = d.index
        elif isinstance(d, Rejected):
            for payment_id in d.payment_ids:
                owner[(payment_id, None)] = d.index
    for effect in result.effects:
        index = owner[(effect.payment_id, effect.bank_reference)]
        ledger.apply(
            effect, returned_on=days.get(index, today), statement_id=statement_id, index=index
        )


async def _finish(
    tx: Connection, ledger: Ledger, cause: Cause, event: DomainEvent, at: datetime
) -> None:
    await ledger.save(tx, at=at)
    events = [event, *ledger.events]
    if ledger.released:
        events += await budget.retry(tx, today=at.date(), at=at)
    await enqueue(tx, events, cause)


def _code(code: str | None) -> str | None:
    """A code from the file, when it is one (not words)."""
    return (reason_code(code, "") or None) if code else None


# --- statements ---------------------------------------------------------------------------------


def entry_row(statement: Statement, decision: Decision) -> EntryRow:
    """An entry as kept: amounts, dates, references and the decision, never its texts."""
    entry = statement.entries[decision.index]
    info = entry.return_info
    code = _code(info.code if info is not None else None)
    base = EntryRow(
        entry.index,
        entry.amount.minor,
        entry.amount.currency,
        entry.direction,
        entry.status,
        entry.booking_date,
        entry.value_date,
        entry.reversal,
        bank_reference_of(entry, statement),
        code,
        decision.outcome,
        None,
    )
    return decided(base, decision)


def decided(entry: EntryRow, decision: Decision) -> EntryRow:
    """The entry with the decision's outcome, reason and payments."""
    if isinstance(decision, Matched):
        return replace(
            entry,
            outcome="matched",
            reason=None,
            matched_by=decision.by,
            payment_ids=decision.payment_ids,
        )
    if isinstance(decision, Returned):
        return replace(
            entry,
            outcome="returned",
            reason=reason_code(decision.reason),
            matched_by=decision.by,
            payment_ids=decision.payment_ids,
            paid_before=decision.after_booking,
        )
    if isinstance(decision, Unchanged):
        return replace(
            entry, outcome="unchanged", reason=decision.why, payment_ids=decision.payment_ids
        )
    if isinstance(decision, Unmatched):
        return replace(
            entry, outcome="unmatched", reason=decision.reason, candidates=decision.candidates
        )
    raise ValueError(f"a statement entry is never {decision.outcome}")


async def _import_statements(
    tx: Connection, cause: Cause, found: StatementFile, digest: str, at: datetime
) -> Reply:
    ids = [await _import_statement(tx, cause, s, digest, at) for s in found.statements]
    body: views.Body = {
        "message": found.message.name,
        "statements": [await statements_views.statement_body(tx, statement_id=i) for i in ids],
        "status_report": None,
    }
    return 201, body, {"Location": f"/statements/{ids[0]}"}


async def _import_statement(
    tx: Connection, cause: Cause, statement: Statement, digest: str, at: datetime
) -> uuid.UUID:
    statement_id = uuid.uuid4()
    record = StatementRow(
        statement_id,
        statement.message.name,
        compact_account(statement.account),
        statement.statement_id,
        statement.message_id,
        digest,
        statement.created_at,
        cause.actor,
        at,
    )
    if not await rows.insert_statement(tx, statement=record):
        raise conflict(
            "statement_already_imported",
            "this statement (same account and statement id) was imported before",
        )
    payment_ids, batch_ids = referenced(statement)
    ledger = await lock_ledger(tx, payment_ids=payment_ids, batch_ids=batch_ids)
    result = match_statement(statement, ledger.known())
    apply_decisions(ledger, result, statement_id=statement_id, today=at.date())
    entries = [entry_row(statement, d) for d in result.decisions]
    await rows.insert_entries(tx, statement_id=statement_id, entries=entries)
    imported = StatementImported(
        statement_id,
        record.account,
        record.message,
        len(entries),
        result.matched,
        result.unmatched,
        cause.actor,
    )
    await _finish(tx, ledger, cause, imported, at)
    return statement_id


# --- status reports -----------------------------------------------------------------------------


def _line(report: StatusReport, decision: Decision) -> dict[str, Any]:
    line = report.statuses[decision.index]
    out: dict[str, Any] = {
        "index": decision.index,
        "status": line.status,
        "status_reason": _code(line.reason.code if line.reason is not None else None),
        "outcome": decision.outcome,
        "reason": None,
        "payment_ids": [],
        "candidates": [],
    }
    if isinstance(decision, Rejected):
        out |= {
            "reason": reason_code(decision.reason, "rejected"),
            "payment_ids": decision.payment_ids,
        }
    elif isinstance(decision, Unchanged):
        out |= {"reason": decision.why, "payment_ids": decision.payment_ids}
    elif isinstance(decision, Unmatched):
        out |= {"reason": decision.reason, "candidates": decision.candidates}
    return out | {
        "payment_ids": [str(i) for i in out["payment_ids"]],
        "candidates": [str(i) for i in out["candidates"]],
    }


async def _import_report(
    tx: Connection, cause: Cause, report: StatusReport, digest: str, at: datetime
) -> Reply:
    payment_ids, batch_ids = referenced_by_report(report)
    ledger = await lock_ledger(tx, payment_ids=payment_ids, batch_ids=batch_ids)
    result = match_status_report(report, ledger.known())
    apply_decisions(ledger, result, statement_id=None, today=at.date())
    report_id = uuid.uuid4()
    inserted = await rows.insert_status_report(
        tx,
        report_id=report_id,
        message=report.message.name,
        bank_message_id=report.message_id,
        original_message_id=report.original_message_id,
        group_status=report.group_status,
        file_sha256=digest,
        created_at=report.created_at,
        imported_by=cause.actor,
        imported_at=at,
        lines=[_line(report, d) for d in result.decisions],
    )
    if not inserted:
        raise conflict(
            "status_report_already_imported",
            "this payment status report (same message id) was imported before",
        )
    counts = result.outcomes
    imported = StatusReportImported(
        report_id,
        report.message.name,
        len(result.decisions),
        counts["rejected"],
        counts["unmatched"],
        cause.actor,
    )
    await _finish(tx, ledger, cause, imported, at)
    body: views.Body = {
        "message": report.message.name,
        "statements": [],
        "status_report": await statements_views.status_report_body(tx, report_id=report_id),
    }
    return 201, body, {"Location": f"/status-reports/{report_id}"}
