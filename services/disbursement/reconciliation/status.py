"""pain.002 status reports against vfund's payments: a rejection fails a payment with its ISO
reason code before any booking (CONTRACT section 8); any other status changes nothing.

Each status line covers the payments it names that no more specific line names: a transaction line
its payment, a block line (`PmtInfSts`) the payments of that batch, the group line (`GrpSts`) the
payments of the batch vfund sent as that message (vfund's MsgId and PmtInfId are the batch id).
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from services.disbursement.reconciliation.decisions import (
    Decision,
    Fail,
    KnownPayment,
    Reconciliation,
    Rejected,
    Unchanged,
    Unmatched,
)
from services.disbursement.reconciliation.matching import Book, ids_of
from services.disbursement.reconciliation.model import StatusReport, TransactionStatus, vfund_id


def match_status_report(report: StatusReport, payments: Iterable[KnownPayment]) -> Reconciliation:
    """Decide every status line of one pain.002, in order."""
    book = Book(payments)
    named = {vfund_id(s.end_to_end_id) for s in report.statuses if s.end_to_end_id}
    blocks = {vfund_id(s.payment_info_id) for s in report.statuses if s.end_to_end_id is None}
    decisions: list[Decision] = []
    for line in report.statuses:
        if line.end_to_end_id is not None:
            decisions.append(_transaction(line, book))
            continue
        batch = vfund_id(line.payment_info_id or report.original_message_id)
        if line.payment_info_id is None and batch in blocks:
            decisions.append(Unchanged(line.index, "acknowledged"))  # its blocks speak for it
            continue
        if batch is None or batch not in book.batches:
            detail = "the batch (PmtInfId or MsgId) the report names is unknown"
            decisions.append(Unmatched(line.index, "unknown_batch", detail))
            continue
        covered = [book.payments[i] for i in book.batches[batch] if i not in named]
        if not covered:
            decisions.append(Unchanged(line.index, "acknowledged"))  # each payment has its line
            continue
        decisions.append(_block(line, covered, book))
    return book.result(decisions)


def referenced_by_report(report: StatusReport) -> tuple[frozenset[UUID], frozenset[UUID]]:
    """The payment ids and batch ids a status report names (see matching.referenced)."""
    payments = ids_of(s.end_to_end_id for s in report.statuses)
    batches = ids_of([report.original_message_id, *(s.payment_info_id for s in report.statuses)])
    return payments, batches


def _reason(line: TransactionStatus) -> str:
    return line.reason.code if line.reason is not None and line.reason.code else "rejected"


def _transaction(line: TransactionStatus, book: Book) -> Decision:
    payment_id = vfund_id(line.end_to_end_id)
    payment = book.payments.get(payment_id) if payment_id is not None else None
    if payment is None:
        detail = "the OrgnlEndToEndId names no vfund payment"
        return Unmatched(line.index, "unknown_end_to_end_id", detail)
    ids = (payment.payment_id,)
    if line.payment_info_id is not None and vfund_id(line.payment_info_id) != payment.batch_id:
        detail = "the report is about another batch than the one the payment is in"
        return Unmatched(line.index, "batch_differs", detail, ids)
    if not line.rejected:
        return Unchanged(line.index, "acknowledged", ids)
    amount = line.instructed_amount
    if amount is not None and amount != payment.amount:
        detail = "the rejected amount differs from the payment's"
        return Unmatched(line.index, "amount_differs", detail, ids)
    return _block(line, [payment], book)


def _block(line: TransactionStatus, payments: list[KnownPayment], book: Book) -> Decision:
    ids = tuple(p.payment_id for p in payments)
    if not line.rejected:
        return Unchanged(line.index, "acknowledged", ids)
    reason = _reason(line)
    paid = tuple(p.payment_id for p in payments if p.status == "sent")
    if paid:
        detail = "the bank rejects a payment it has booked; a person must look at it"
        return Unmatched(line.index, "rejected_after_booking", detail, paid)
    if all(p.status == "failed" and p.failure_reason == reason for p in payments):
        return Unchanged(line.index, "already_recorded", ids)
    rejectable: list[UUID] = [p.payment_id for p in payments if p.with_bank]
    if not rejectable:
        return _not_rejectable(line, payments)
    for payment_id in rejectable:
        book.do(Fail(payment_id, reason, after_booking=False))
    return Rejected(line.index, tuple(rejectable), reason)


def _not_rejectable(line: TransactionStatus, payments: list[KnownPayment]) -> Decision:
    ids = tuple(p.payment_id for p in payments)
    if any(p.status == "cancelled" for p in payments):
        return Unmatched(line.index, "payment_cancelled", "a payment was cancelled", ids)
    if any(p.status == "failed" for p in payments):
        return Unchanged(line.index, "already_recorded", ids)
    return Unmatched(line.index, "not_sent", "no payment it names is with the bank", ids)
