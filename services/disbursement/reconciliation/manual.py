"""Unmatched entries resolved by hand: matched to payments the officer chooses, or dismissed, by
a finance officer other than the one who imported the statement (four eyes, CONTRACT section 8).

A manual match may accept what the rules would not (an amount less the bank's charges, another
currency booked on the account): that is what a second person is there to judge. It can never
pay a payment twice or fail one the bank never had: the same `apply` rules hold.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from services.disbursement.reconciliation.decisions import (
    DISMISS_REASONS,
    Confirm,
    Decision,
    Dismissed,
    DismissReason,
    Fail,
    KnownPayment,
    Matched,
    Reconciliation,
    Returned,
    Unmatched,
)
from services.disbursement.reconciliation.matching import Book, bank_reference_of
from services.disbursement.reconciliation.model import Statement
from shared.errors import DomainError, Refusal

ISO_CODE = re.compile(r"^[A-Z0-9]{4}$")


def _conflict(code: str, detail: str) -> DomainError:
    return DomainError(Refusal.CONFLICT, code, detail)


def _open(decision: Decision, *, imported_by: str, officer: str) -> Unmatched:
    if officer == imported_by:
        raise _conflict(
            "statement_same_officer",
            "another finance officer than the one who imported the statement must do this",
        )
    if not isinstance(decision, Unmatched):
        raise _conflict("entry_not_unmatched", f"the entry is {decision.outcome}, not unmatched")
    return decision


def dismiss(
    decision: Decision, *, imported_by: str, officer: str, reason: DismissReason
) -> Dismissed:
    """An unmatched entry that is no vfund payment (charges, incoming funds, ...) is set aside,
    with a reason from a fixed list (no free text: it is stored and published)."""
    unmatched = _open(decision, imported_by=imported_by, officer=officer)
    if reason not in DISMISS_REASONS:
        raise DomainError(
            Refusal.INVALID,
            "invalid_dismiss_reason",
            f"reason must be one of {sorted(DISMISS_REASONS)}",
            errors=[{"field": "reason", "code": "enum", "message": "not a dismissal reason"}],
        )
    return Dismissed(unmatched.index, officer, reason)


def match_by_hand(
    statement: Statement,
    decision: Decision,
    payments: Sequence[KnownPayment],
    *,
    imported_by: str,
    officer: str,
    reason_code: str | None = None,
) -> Reconciliation:
    """Match an unmatched entry to the payments an officer chose. A debit pays them (each must
    be with the bank); a credit returns them (each with the bank or paid), with the entry's
    ISO return reason code or, when the bank gave none, the one the officer gives."""
    unmatched = _open(decision, imported_by=imported_by, officer=officer)
    if not 0 <= unmatched.index < len(statement.entries):
        raise ValueError("the decision is not about an entry of this statement")
    entry = statement.entries[unmatched.index]
    ids = tuple(p.payment_id for p in payments)
    if not ids or len(set(ids)) != len(ids):
        raise DomainError(
            Refusal.INVALID,
            "invalid_payment_choice",
            "choose one or more different payments",
            errors=[{"field": "payment_ids", "code": "choice", "message": "one or more, distinct"}],
        )
    reference = bank_reference_of(entry, statement)
    if any(reference in p.seen_references for p in payments):
        raise _conflict("entry_already_applied", "this bank entry was applied to a payment before")
    book = Book(payments)
    day = entry.booking_date or entry.value_date
    if entry.direction == "credit":
        info = entry.return_info
        code = info.code if info is not None and info.code else reason_code
        if code is None or not ISO_CODE.match(code):
            raise DomainError(
                Refusal.INVALID,
                "invalid_reason_code",
                "give the ISO return reason code: four capital letters or digits, e.g. AC04",
                errors=[{"field": "reason_code", "code": "pattern", "message": "e.g. AC04"}],
            )
        for p in payments:
            if not (p.with_bank or p.status == "sent"):
                raise _conflict("payment_not_returnable", f"a {p.status} payment cannot come back")
            book.do(Fail(p.payment_id, code, p.status == "sent", reference))
        paid = tuple(p.payment_id for p in payments if p.status == "sent")
        returned = Returned(
            unmatched.index, ids, code, entry.reversal, reference, day, paid, "manual", officer
        )
        return book.result([returned])
    if entry.reversal or day is None:
        raise _conflict("entry_not_payable", "a reversal, or an entry without a date, pays nothing")
    for p in payments:
        if p.status == "sent":
            raise _conflict("payment_already_paid", "a payment chosen is paid already")
        if not p.with_bank:
            raise _conflict("payment_not_with_bank", f"a {p.status} payment is not with the bank")
        book.do(Confirm(p.payment_id, reference, day))
    return book.result([Matched(unmatched.index, ids, "manual", day, reference, officer)])
