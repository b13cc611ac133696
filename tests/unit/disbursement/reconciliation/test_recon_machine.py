"""Any sequence of exports, statement and status-report imports, returns, manual matches and
dismissals keeps the grant's amount = available + reserved + disbursed and pays no payment twice.

The payments live in reconciliation's own pure view (KnownPayment); the grant's money follows the
rules of CONTRACT sections 4 and 8 (a payment's amount is reserved from creation; a confirmation
moves it to disbursed; a return after booking moves it back to reserved; a cancellation releases
it). Every file goes through real XML: vfund's pain.001 export, the bank's camt or pain.002 built
from it, the XSD check and the parser, then the matcher.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta
from uuid import UUID

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from support.disbursement_mothers import IBAN_CH, IBAN_DE, NOW, TODAY
from support.statements import (
    CAMT_VERSIONS,
    PAIN002_VERSIONS,
    Booking,
    Pain001,
    TxStatus,
    batch_booking,
    booking,
    camt,
    pain002,
    read_pain001,
    return_of,
    reversal_of,
)

from services.disbursement.bankfiles import DebtorAccount, end_to_end_id, export_pain001
from services.disbursement.domain.batches import Batch, BatchLine
from services.disbursement.domain.payees import BankAccount
from services.disbursement.reconciliation import (
    Confirm,
    Decision,
    Effect,
    KnownPayment,
    Reconciliation,
    Statement,
    StatementKey,
    Unmatched,
    apply,
    check_not_imported,
    dismiss,
    match_by_hand,
    match_statement,
    match_status_report,
    read_statement,
    read_status_report,
)
from shared.errors import DomainError
from shared.money import Money

GRANT = 1_000_000  # CHF minor units
DEBTOR = DebtorAccount.parse("Victims Fund", IBAN_CH)
CREDITOR = BankAccount.parse(IBAN_DE)
OFFICERS = st.sampled_from(["finance-1", "finance-2"])
REFERENCES = st.sampled_from([f"BANK-{i}" for i in range(8)])  # reused: re-reports happen
SHAPES = st.sampled_from(["book", "book", "wrong_amount", "other_currency", "return", "reversal", "skip"])  # fmt: skip


def exported(batch_id: UUID, payments: list[KnownPayment]) -> Pain001:
    """What vfund's pain.001 of a batch tells the bank: MsgId and PmtInfId are the batch id,
    each EndToEndId its payment's (bankfiles.end_to_end_id)."""
    transfers = tuple((end_to_end_id(p.payment_id), p.amount) for p in payments)
    return Pain001(batch_id.hex, DEBTOR.account.iban, "CHF", batch_id.hex, transfers)


def pain001_of(batch_id: UUID, payments: list[KnownPayment]) -> bytes:
    lines = tuple(
        BatchLine(p.payment_id, UUID(int=1), UUID(int=2), "Clinic", CREDITOR, p.amount)
        for p in payments
    )
    batch = replace(Batch(batch_id, "CHF", lines, "finance-1", NOW), status="approved")
    return export_pain001(batch, DEBTOR, execution_date=TODAY + timedelta(days=1), created_at=NOW)


class Ledger(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.reserved = self.disbursed = 0
        self.payments: dict[UUID, KnownPayment] = {}
        self.exports: dict[UUID, Pain001] = {}  # batch id -> what its pain.001 says
        self.imported: set[StatementKey] = set()
        self.open: list[tuple[Statement, Decision, str]] = []  # unmatched, with the importer
        self.paid: Counter[UUID] = Counter()  # net bookings per payment: never above one
        self.seq = 0

    def new_id(self) -> UUID:
        self.seq += 1
        return UUID(int=self.seq)

    @property
    def available(self) -> int:
        return GRANT - self.reserved - self.disbursed

    # --- what finance does ----------------------------------------------------------------------

    @rule(amount=st.integers(min_value=1, max_value=150_000))
    def open_payment(self, amount: int) -> None:
        if amount > self.available:
            return  # the grant cannot cover it: nothing is reserved
        payment_id = self.new_id()
        self.payments[payment_id] = KnownPayment(payment_id, Money(amount, "CHF"), "scheduled")
        self.reserved += amount

    @precondition(lambda self: any(p.status == "scheduled" for p in self.payments.values()))
    @rule()
    def export_batch(self) -> None:
        """Batch every scheduled payment, approve it (four eyes are the domain's, tested there)
        and export it: what its pain.001 tells the bank (see test_the_machine_reaches_every_outcome;
        sepaxml takes ~0.15 s to write one, too slow for hundreds of runs)."""
        batch_id = self.new_id()
        chosen = [p for p in self.payments.values() if p.status == "scheduled"]
        self.exports[batch_id] = exported(batch_id, chosen)
        for p in chosen:
            self.payments[p.payment_id] = replace(
                p, status="batched", batch_id=batch_id, batch_approved=True
            )

    @precondition(lambda self: self.exports)
    @rule(data=st.data(), importer=OFFICERS)
    def import_statement(self, data: st.DataObject, importer: str) -> None:
        batch_id = data.draw(st.sampled_from(sorted(self.exports)))
        pain = self.exports[batch_id]
        bookings: list[Booking] = []
        if data.draw(st.booleans()):
            details = data.draw(st.booleans())
            reference = data.draw(REFERENCES)
            bookings.append(batch_booking(pain.payment_info_id, pain.transfers, details=details,
                                          bank_reference=reference))  # fmt: skip
        for e2e, amount in pain.transfers:
            shape, reference = data.draw(SHAPES), data.draw(REFERENCES)
            reason = data.draw(st.sampled_from(["AC04", "AM04", "MS03"]))
            bookings += {
                "book": [booking(e2e, amount, bank_reference=reference)],
                "wrong_amount": [booking(e2e, Money(amount.minor + 1, "CHF"), bank_reference=reference)],
                "other_currency": [booking(e2e, Money(amount.minor, "EUR"), bank_reference=reference)],
                "return": [return_of(e2e, amount, reason=reason, bank_reference=reference)],
                "reversal": [reversal_of(e2e, amount, bank_reference=reference)],
                "skip": [],
            }[shape]  # fmt: skip
        if data.draw(st.booleans()):
            bookings.append(booking(self.new_id(), Money(5_000, "CHF"), bank_reference="UNKNOWN"))
        bookings = data.draw(st.permutations(bookings))
        kind = data.draw(st.sampled_from(["camt.053", "camt.054"]))
        version = data.draw(st.sampled_from(CAMT_VERSIONS))
        statement_id = data.draw(st.sampled_from([f"S-{i}" for i in range(6)]))
        file = camt(kind, version, bookings, account=pain.debtor_iban, statement_id=statement_id)
        (statement,) = read_statement(file).statements
        try:
            check_not_imported(statement.key, self.imported)
        except DomainError:
            return  # a duplicate is refused and changes nothing
        self.imported.add(statement.key)
        result = match_statement(statement, self.payments.values())
        self.settle(result)
        self.open += [
            (statement, d, importer) for d in result.decisions if isinstance(d, Unmatched)
        ]

    @precondition(lambda self: self.exports)
    @rule(data=st.data())
    def import_status_report(self, data: st.DataObject) -> None:
        batch_id = data.draw(st.sampled_from(sorted(self.exports)))
        pain = self.exports[batch_id]
        level = data.draw(st.sampled_from(["group", "block", "transactions"]))
        statuses = [
            TxStatus(e2e, data.draw(st.sampled_from(["RJCT", "ACSC", "ACCP"])), "AC01")
            for e2e, _ in pain.transfers if data.draw(st.booleans())
        ]  # fmt: skip
        file = pain002(
            version=data.draw(st.sampled_from(PAIN002_VERSIONS)),
            original_message_id=pain.message_id,
            group_status="RJCT" if level == "group" else "PART",
            payment_info_id=None if level == "group" else pain.payment_info_id,
            block_status="RJCT" if level == "block" else None,
            statuses=statuses if level == "transactions" else (),
            message_id=f"STS-{self.new_id().int}",
        )  # fmt: skip
        self.settle(match_status_report(read_status_report(file), self.payments.values()))

    @precondition(lambda self: self.open)
    @rule(data=st.data(), officer=OFFICERS)
    def match_by_hand(self, data: st.DataObject, officer: str) -> None:
        statement, decision, importer = data.draw(st.sampled_from(self.open))
        chosen = data.draw(st.lists(st.sampled_from(sorted(self.payments)), min_size=1, max_size=2))
        try:
            result = match_by_hand(
                statement, decision, [self.payments[i] for i in chosen], imported_by=importer,
                officer=officer, reason_code=data.draw(st.sampled_from([None, "AC04"])),
            )  # fmt: skip
        except DomainError:
            return  # refused: nothing changes
        self.settle(result)
        self.open.remove((statement, decision, importer))

    @precondition(lambda self: self.open)
    @rule(data=st.data(), officer=OFFICERS)
    def dismiss(self, data: st.DataObject, officer: str) -> None:
        entry = data.draw(st.sampled_from(self.open))
        try:
            dismiss(entry[1], imported_by=entry[2], officer=officer, reason="other")
        except DomainError:
            return
        self.open.remove(entry)

    @precondition(lambda self: any(p.status == "failed" for p in self.payments.values()))
    @rule(data=st.data(), cancel=st.booleans())
    def after_a_failure(self, data: st.DataObject, cancel: bool) -> None:
        """A failed payment is rescheduled (to be batched again) or cancelled (released)."""
        failed = sorted(i for i, p in self.payments.items() if p.status == "failed")
        payment = self.payments[data.draw(st.sampled_from(failed))]
        if cancel:
            self.payments[payment.payment_id] = replace(payment, status="cancelled")
            self.reserved -= payment.amount.minor
        else:
            self.payments[payment.payment_id] = replace(
                payment, status="scheduled", batch_id=None, batch_approved=False
            )

    # --- the money rules ------------------------------------------------------------------------

    def settle(self, result: Reconciliation) -> None:
        for decision in result.decisions if currently_in_test_context() else ():
            event(
                f"{decision.outcome}: {getattr(decision, 'reason', getattr(decision, 'why', ''))}"
            )
        for effect in result.effects:
            self.move(effect)
        for after in result.payments:
            assert self.payments[after.payment_id] == after

    def move(self, effect: Effect) -> None:
        payment = self.payments[effect.payment_id]
        self.payments[effect.payment_id] = apply(payment, effect)
        amount = payment.amount.minor
        if isinstance(effect, Confirm):
            self.reserved, self.disbursed = self.reserved - amount, self.disbursed + amount
            self.paid[effect.payment_id] += 1
        elif effect.after_booking:
            self.reserved, self.disbursed = self.reserved + amount, self.disbursed - amount
            self.paid[effect.payment_id] -= 1

    @invariant()
    def money_is_conserved(self) -> None:
        assert self.available + self.reserved + self.disbursed == GRANT
        assert min(self.available, self.reserved, self.disbursed) >= 0
        by_status = Counter[str]()
        for p in self.payments.values():
            by_status[p.status] += p.amount.minor
        assert self.disbursed == by_status["sent"]
        assert self.reserved == by_status["scheduled"] + by_status["batched"] + by_status["failed"]

    @invariant()
    def no_payment_is_paid_twice(self) -> None:
        for payment_id, p in self.payments.items():
            assert self.paid[payment_id] == (1 if p.status == "sent" else 0)


TestReconciliation = Ledger.TestCase
TestReconciliation.settings = settings(
    max_examples=100, stateful_step_count=30, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip


def test_the_machine_reaches_every_outcome() -> None:
    """The generated runs are not vacuous: a run that books, returns, rejects and leaves entries
    unmatched exists (found by hand here, so the property above is known to exercise them)."""
    machine = Ledger()
    for amount in (10_000, 20_000, 30_000):
        machine.open_payment(amount)
    scheduled = list(machine.payments.values())
    machine.export_batch()
    batch_id = next(iter(machine.exports))
    pain = read_pain001(pain001_of(batch_id, scheduled))
    assert pain == machine.exports[batch_id]  # the model's export is vfund's pain.001
    (first, a), (second, b), (third, _) = pain.transfers
    file = camt("camt.053", 8, [booking(first, a, bank_reference="X1"),
                                 return_of(first, a, bank_reference="X2"),
                                 booking(second, Money(b.minor + 1, "CHF"), bank_reference="X3")],
                account=pain.debtor_iban)  # fmt: skip
    (statement,) = read_statement(file).statements
    result = match_statement(statement, machine.payments.values())
    machine.settle(result)
    assert [d.outcome for d in result.decisions] == ["matched", "returned", "unmatched"]
    report = pain002(original_message_id=pain.message_id, payment_info_id=pain.payment_info_id,
                     statuses=[TxStatus(third)])  # fmt: skip
    machine.settle(match_status_report(read_status_report(report), machine.payments.values()))
    machine.money_is_conserved()
    machine.no_payment_is_paid_twice()
    statuses = sorted(p.status for p in machine.payments.values())
    assert statuses == ["batched", "failed", "failed"]
    assert (machine.reserved, machine.disbursed) == (60_000, 0)
    with pytest.raises(DomainError):
        check_not_imported(statement.key, {statement.key})
