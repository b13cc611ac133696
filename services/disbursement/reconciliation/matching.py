"""The matching rules (CONTRACT section 8) as pure functions: a statement or a status report and
the payments vfund knows in, one decision per entry and the effects on payments out.

- A booked debit is matched by the EndToEndIds of its transactions (vfund writes the payment id
  there), or, booked as one entry for a batch, by the batch's PmtInfId with the count and the sum.
  Currency and amounts must agree; only payments with the bank (in an approved batch) are paid.
- A return (`RtrInf`) or reversal (`RvslInd`) fails its payments with the ISO reason code; if they
  were paid, the amount goes back from disbursed to reserved (a failed payment's rules apply).
- An entry the bank reports again (same bank reference: camt.054 then camt.053) changes nothing;
  a payment is never paid twice; everything else is left unmatched, with why.
"""

from __future__ import annotations

import hashlib
from collections.abc import Container, Iterable
from uuid import UUID

from services.disbursement.reconciliation.decisions import (
    Confirm,
    Decision,
    Effect,
    Fail,
    KnownPayment,
    Matched,
    MatchedBy,
    Reconciliation,
    Returned,
    Unchanged,
    Unmatched,
    UnmatchedReason,
    apply,
)
from services.disbursement.reconciliation.model import Entry, Statement, StatementKey, vfund_id
from shared.errors import DomainError, Refusal
from shared.money import Money

NOT_PROVIDED = "NOTPROVIDED"  # what a bank writes where the debtor gave no EndToEndId


class Book:
    """The payments while one file is matched: each effect is applied as it is decided, so that
    later entries of the same file see it (a booking, then its return)."""

    def __init__(self, payments: Iterable[KnownPayment]) -> None:
        self.payments: dict[UUID, KnownPayment] = {p.payment_id: p for p in payments}
        self.batches: dict[UUID, list[UUID]] = {}
        for p in self.payments.values():
            if p.batch_id is not None:
                self.batches.setdefault(p.batch_id, []).append(p.payment_id)
        self.effects: list[Effect] = []
        self.touched: dict[UUID, KnownPayment] = {}

    def of_batch(self, batch_id: UUID) -> list[KnownPayment]:
        """The batch's payments that the bank may book: batched or paid, not failed/cancelled."""
        found = (self.payments[i] for i in self.batches.get(batch_id, ()))
        return [p for p in found if p.status in ("batched", "sent") and p.batch_id == batch_id]

    def do(self, effect: Effect) -> None:
        changed = apply(self.payments[effect.payment_id], effect)
        self.payments[effect.payment_id] = self.touched[effect.payment_id] = changed
        self.effects.append(effect)

    def result(self, decisions: list[Decision]) -> Reconciliation:
        return Reconciliation(tuple(decisions), tuple(self.effects), tuple(self.touched.values()))


def bank_reference_of(entry: Entry, statement: Statement) -> str:
    """The bank's reference for an entry (AcctSvcrRef of the entry, or of its one transaction).
    Without one, a stable stand-in derived from the account, the statement and the position."""
    single = entry.transactions[0].bank_reference if len(entry.transactions) == 1 else None
    for reference in (entry.bank_reference, single):
        if reference:
            return reference[:35]
    seed = f"{statement.account}\x00{statement.statement_id}\x00{entry.index}".encode()
    return "S" + hashlib.sha256(seed).hexdigest()[:32]


def ids_of(references: Iterable[str | None]) -> frozenset[UUID]:
    """The vfund ids among references a bank echoed (see model.vfund_id)."""
    return frozenset(i for i in map(vfund_id, references) if i is not None)


def referenced(statement: Statement) -> tuple[frozenset[UUID], frozenset[UUID]]:
    """The payment ids (EndToEndIds) and batch ids (PmtInfId, MsgId) a statement names: the
    payments to load for `match_statement` are those with one of these ids or batch ids."""
    batches = [e.batch for e in statement.entries if e.batch is not None]
    txs = [t for e in statement.entries for t in e.transactions]
    return ids_of(t.end_to_end_id for t in txs), ids_of(
        [
            *(b.payment_info_id for b in batches),
            *(b.message_id for b in batches),
            *(t.payment_info_id for t in txs),
            *(t.message_id for t in txs),
        ]
    )


def check_not_imported(key: StatementKey, imported: Container[StatementKey]) -> None:
    """The same statement (account and statement id) is imported once (409 the second time)."""
    if key in imported:
        raise DomainError(
            Refusal.CONFLICT,
            "statement_already_imported",
            "this statement (same account and statement id) was imported before",
        )


def _compact(account: str) -> str:
    return "".join(account.split()).upper()


def check_account(statement: Statement, accounts: Iterable[str]) -> None:
    """Only statements of the fund's own accounts (those vfund pays from) are reconciled."""
    if _compact(statement.account) not in {_compact(a) for a in accounts}:
        raise DomainError(
            Refusal.CONFLICT,
            "statement_other_account",
            "the statement is for an account vfund does not pay from",
        )


def match_statement(statement: Statement, payments: Iterable[KnownPayment]) -> Reconciliation:
    """Decide every entry of one statement, in order, against the payments vfund knows."""
    book = Book(payments)
    decisions = [_decide(entry, statement, book) for entry in statement.entries]
    return book.result(decisions)


def _decide(entry: Entry, statement: Statement, book: Book) -> Decision:
    if not entry.booked:
        return Unchanged(entry.index, "not_booked")
    reference = bank_reference_of(entry, statement)
    if entry.is_return:
        return _return(entry, reference, book)
    if entry.direction == "credit":
        found = _targets(entry, book)
        if isinstance(found, Unmatched):
            return Unmatched(entry.index, "not_a_payment", "a credit that names no vfund payment")
        return Unmatched(
            entry.index,
            "credit_without_return_information",
            "a credit naming vfund payments without saying it returns them",
            tuple(p.payment_id for p in found[0]),
        )
    return _debit(entry, reference, book)


def _named_batch(entry: Entry) -> str | None:
    if entry.batch is not None and entry.batch.payment_info_id:
        return entry.batch.payment_info_id
    infos = {t.payment_info_id for t in entry.transactions if t.payment_info_id}
    if len(infos) == 1:
        return infos.pop()
    return entry.batch.message_id if entry.batch is not None else None  # vfund's MsgId = batch id


def _targets(entry: Entry, book: Book) -> tuple[list[KnownPayment], MatchedBy] | Unmatched:
    """The payments an entry is about: by the EndToEndId of every transaction when each has
    one, else by the batch it names."""
    index = entry.index
    ends = [
        t.end_to_end_id for t in entry.transactions if t.end_to_end_id not in (None, NOT_PROVIDED)
    ]
    named = _named_batch(entry)
    if ends and len(ends) == len(entry.transactions):
        ids = [vfund_id(e) for e in ends]
        known = [book.payments[i] for i in ids if i is not None and i in book.payments]
        if len(known) < len(ids):
            missing = len(ids) - len(known)
            detail = f"{missing} of {len(ids)} EndToEndId(s) name no vfund payment"
            found = tuple(p.payment_id for p in known)
            return Unmatched(index, "unknown_end_to_end_id", detail, found)
        if len({p.payment_id for p in known}) < len(known):
            return Unmatched(index, "duplicate_end_to_end_id", "a payment is named twice")
        batch_id = vfund_id(named)
        if named is not None and any(p.batch_id != batch_id for p in known):
            detail = "the bank names another batch than the one the payment is in"
            return Unmatched(index, "batch_differs", detail, tuple(p.payment_id for p in known))
        return known, "end_to_end_id"
    if named is None:
        return Unmatched(index, "no_reference", "the entry names no EndToEndId and no batch")
    batch_id = vfund_id(named)
    if batch_id is None or batch_id not in book.batches:
        return Unmatched(index, "unknown_batch", "the batch (PmtInfId) the entry names is unknown")
    return book.of_batch(batch_id), "batch"


def _disagreement(
    entry: Entry, targets: list[KnownPayment], by: MatchedBy, *, returning: bool
) -> Unmatched | None:
    """Currency, count and amounts must agree; a return may bring back less (the bank's
    charges), never more."""
    ids = tuple(p.payment_id for p in targets)
    currency = entry.amount.currency

    def no(reason: UnmatchedReason, detail: str) -> Unmatched:
        return Unmatched(entry.index, reason, detail, ids)

    def fits(booked: Money, paid: Money) -> bool:
        return 0 < booked.minor <= paid.minor if returning else booked == paid

    if not targets:
        return no("count_differs", "no payment of the batch is with the bank")
    if any(p.amount.currency != currency for p in targets):
        return no("currency_differs", f"booked in {currency}, the payments are in another currency")
    if by == "end_to_end_id":
        for tx, p in zip(entry.transactions, targets, strict=True):
            if tx.amount is not None and tx.amount.currency != p.amount.currency:
                return no("currency_differs", "a transaction is in another currency")
            if tx.amount is not None and not fits(tx.amount, p.amount):
                return no("amount_differs", "a transaction's amount differs from its payment's")
    declared = entry.batch.count if entry.batch is not None else None
    if declared is None and entry.transactions:
        declared = len(entry.transactions)
    if declared is None:
        return no("count_missing", "a batch booking must say how many transactions it holds")
    if declared != len(targets):
        return no("count_differs", f"the bank counts {declared}, vfund {len(targets)} payment(s)")
    total = entry.batch.total if entry.batch is not None else None
    if total is not None and total != entry.amount:
        return no("amount_differs", "the batch total differs from the entry's amount")
    paid = Money(sum(p.amount.minor for p in targets), currency)
    if not fits(entry.amount, paid):
        return no("amount_differs", f"the entry's {entry.amount} differs from the payments' {paid}")
    return None


def _state_problem(
    entry: Entry, targets: list[KnownPayment], *, returning: bool
) -> Unmatched | None:
    """Only a payment with the bank is booked; only one with the bank or paid comes back."""
    ids = tuple(p.payment_id for p in targets)
    for p in targets:
        if p.status == "sent" and not returning:
            return Unmatched(entry.index, "already_paid", "a payment is paid already", ids)
        if p.status == "failed":
            return Unmatched(entry.index, "payment_failed", "vfund holds a payment as failed", ids)
        if p.status == "cancelled":
            return Unmatched(entry.index, "payment_cancelled", "a payment was cancelled", ids)
        if not (p.with_bank or (returning and p.status == "sent")):
            return Unmatched(entry.index, "not_sent", "a payment was never sent to the bank", ids)
    return None


def _debit(entry: Entry, reference: str, book: Book) -> Decision:
    found = _targets(entry, book)
    if isinstance(found, Unmatched):
        return found
    targets, by = found
    ids = tuple(p.payment_id for p in targets)
    problem = _disagreement(entry, targets, by, returning=False)
    if problem is not None:
        return problem
    if all(reference in p.seen_references for p in targets):
        return Unchanged(entry.index, "already_recorded", ids)
    problem = _state_problem(entry, targets, returning=False)
    if problem is not None:
        return problem
    day = entry.booking_date or entry.value_date
    if day is None:
        return Unmatched(entry.index, "no_booking_date", "the entry has no booking date", ids)
    for p in targets:
        book.do(Confirm(p.payment_id, reference, day))
    return Matched(entry.index, ids, by, day, reference)


def _return(entry: Entry, reference: str, book: Book) -> Decision:
    if entry.direction == "debit":
        detail = "a debit that reverses or returns something is not a vfund payment coming back"
        return Unmatched(entry.index, "unexpected_reversal", detail)
    found = _targets(entry, book)
    if isinstance(found, Unmatched):
        return found
    targets, by = found
    ids = tuple(p.payment_id for p in targets)
    problem = _disagreement(entry, targets, by, returning=True)
    if problem is not None:
        return problem
    if all(reference in p.seen_references for p in targets):
        return Unchanged(entry.index, "already_recorded", ids)
    problem = _state_problem(entry, targets, returning=True)
    if problem is not None:
        return problem
    info = entry.return_info
    reason = "reversed" if entry.reversal else "returned"
    if info is not None and info.code:
        reason = info.code
    paid = tuple(p.payment_id for p in targets if p.status == "sent")
    for p in targets:
        book.do(Fail(p.payment_id, reason, p.status == "sent", reference))
    day = entry.booking_date or entry.value_date
    return Returned(entry.index, ids, reason, entry.reversal, reference, day, paid, by)
