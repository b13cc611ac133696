"""An unmatched statement entry, matched to payments or dismissed by hand: by a finance officer
other than the one who imported the statement (four eyes), on the version they reviewed
(If-Match: 428 without, 412 stale). A match pays (a debit) or returns (a credit) the payments
chosen, in one transaction with the budget, as an import would."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import UUID

from fastapi.responses import JSONResponse

from services.disbursement import statements_views, views
from services.disbursement.commands import budget, check_reviewed
from services.disbursement.commands.ledger import lock_chosen
from services.disbursement.commands.statements import apply_decisions, decided
from services.disbursement.context import DisbursementContext
from services.disbursement.domain.common import invalid, missing
from services.disbursement.domain.statements import StatementEntryDismissed, StatementEntryMatched
from services.disbursement.reconciliation import (
    Decision,
    Dismissed,
    Entry,
    EntryTransaction,
    Matched,
    MessageType,
    Returned,
    ReturnInfo,
    Statement,
    Unchanged,
    Unmatched,
    dismiss,
    match_by_hand,
)
from services.disbursement.repository import cases
from services.disbursement.repository import statements as rows
from services.disbursement.repository.statements import EntryRow, StatementRow
from services.disbursement.schemas import DismissIn, EntryMatchIn
from services.disbursement.wire import Cause, enqueue
from shared.db import Connection
from shared.deps import etag
from shared.money import Money


def _entry(row: EntryRow) -> Entry:
    """The entry as reconciliation reads it, from what was kept of it."""
    txs = (EntryTransaction(return_info=ReturnInfo(row.return_code)),) if row.return_code else ()
    return Entry(
        row.entry_index,
        Money(row.amount_minor, row.currency),
        "credit" if row.direction == "credit" else "debit",
        row.status,
        booking_date=row.booking_date,
        value_date=row.value_date,
        reversal=row.reversal,
        bank_reference=row.bank_reference,
        transactions=txs,
    )


def _statement(record: StatementRow, entries: list[EntryRow]) -> Statement:
    kind, _, version = record.message.rpartition(".001.")
    message = MessageType("camt.054" if kind == "camt.054" else "camt.053", int(version))
    return Statement(
        message,
        record.bank_message_id,
        record.bank_statement_id,
        record.account,
        None,
        record.created_at,
        tuple(_entry(e) for e in entries),
    )


def _decision(row: EntryRow, day: date) -> Decision:
    """The decision kept on an entry, as reconciliation names it."""
    if row.outcome == "unmatched":
        return Unmatched(row.entry_index, row.reason or "no_reference", "", row.candidates)  # type: ignore[arg-type]
    if row.outcome == "dismissed":
        return Dismissed(row.entry_index, row.resolved_by or "", "other")
    if row.outcome == "matched":
        return Matched(row.entry_index, row.payment_ids, "manual", day, row.bank_reference)
    if row.outcome == "returned":
        return Returned(
            row.entry_index, row.payment_ids, row.reason or "", False, row.bank_reference, day
        )
    return Unchanged(row.entry_index, "already_recorded", row.payment_ids)


async def _load(
    tx: Connection, statement_id: UUID, index: int, if_match: str | None
) -> tuple[StatementRow, list[EntryRow], EntryRow]:
    record = await rows.get_statement(tx, statement_id=statement_id)
    entry = await rows.lock_entry(tx, statement_id=statement_id, index=index)
    if record is None or entry is None:
        raise missing(f"entry {index} of statement {statement_id}")
    check_reviewed(if_match, entry.version)
    return record, await rows.entries_of(tx, statement_id=statement_id), entry


async def _reply(tx: Connection, statement_id: UUID, index: int, version: int) -> JSONResponse:
    body = await statements_views.entry_body(tx, statement_id=statement_id, index=index)
    return views.respond(200, body, {"ETag": etag(version)})


async def match(
    ctx: DisbursementContext,
    cause: Cause,
    statement_id: UUID,
    index: int,
    body: EntryMatchIn,
    *,
    if_match: str | None,
) -> JSONResponse:
    async with ctx.db.transaction() as tx:
        at = ctx.clock()
        await cases.lock_budget(tx)
        record, entries, entry = await _load(tx, statement_id, index, if_match)
        decision = _decision(entry, at.date())
        ledger = await lock_chosen(tx, payment_ids=body.payment_ids)
        unknown = [i for i in body.payment_ids if i not in ledger.payments]
        if unknown:
            raise invalid("unknown_payment", "a payment chosen does not exist", field="payment_ids")
        chosen = [k for k in ledger.known() if k.payment_id in set(body.payment_ids)]
        chosen.sort(key=lambda k: body.payment_ids.index(k.payment_id))
        result = match_by_hand(
            _statement(record, entries),
            decision,
            chosen,
            imported_by=record.imported_by,
            officer=cause.actor,
            reason_code=body.reason_code,
        )
        apply_decisions(ledger, result, statement_id=statement_id, today=at.date())
        await ledger.save(tx, at=at)
        outcome = decided(entry, result.decisions[0])
        version = await rows.resolve_entry(
            tx, statement_id=statement_id, entry=outcome, resolved_by=cause.actor, at=at
        )
        returned = isinstance(result.decisions[0], Returned)
        fact = StatementEntryMatched(
            statement_id,
            index,
            "returned" if returned else "matched",
            outcome.payment_ids,
            cause.actor,
        )
        events = [fact, *ledger.events]
        if ledger.released:
            events += await budget.retry(tx, today=at.date(), at=at)
        await enqueue(tx, events, cause)
        return await _reply(tx, statement_id, index, version)


async def dismiss_entry(
    ctx: DisbursementContext,
    cause: Cause,
    statement_id: UUID,
    index: int,
    body: DismissIn,
    *,
    if_match: str | None,
) -> JSONResponse:
    async with ctx.db.transaction() as tx:
        at = ctx.clock()
        record, _, entry = await _load(tx, statement_id, index, if_match)
        dismissed = dismiss(
            _decision(entry, at.date()),
            imported_by=record.imported_by,
            officer=cause.actor,
            reason=body.reason,
        )
        changed = replace(entry, outcome="dismissed", reason=dismissed.reason)
        version = await rows.resolve_entry(
            tx, statement_id=statement_id, entry=changed, resolved_by=cause.actor, at=at
        )
        fact = StatementEntryDismissed(statement_id, index, dismissed.reason, cause.actor)
        await enqueue(tx, [fact], cause)
        return await _reply(tx, statement_id, index, version)
