"""Random command sequences: money is conserved, no case is overpaid, no payment is sent twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import TypeVar
from uuid import UUID

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from support.disbursement_mothers import NOW, RATES, TODAY, payee

from services.disbursement.domain import batches as b
from services.disbursement.domain import common
from services.disbursement.domain import grants as d
from services.disbursement.domain import payees as pe
from services.disbursement.domain import payments as p
from services.disbursement.domain import reservations as r
from shared.errors import DomainError
from shared.money import Money

T = TypeVar("T")
OFFICERS = st.sampled_from(["finance-1", "finance-2"])
COUNTRIES = st.sampled_from(["UG", "KE"])
INDEX = st.integers(min_value=0, max_value=1000)
ITEMS = st.lists(
    st.tuples(
        st.sampled_from(sorted(common.CATEGORIES)),
        st.integers(min_value=1, max_value=80_000),
        st.sampled_from(["CHF", "EUR", "USD"]),
    ),
    min_size=1,
    max_size=3,
)


def refused(call: Callable[[], object]) -> str:
    with pytest.raises(DomainError) as err:
        call()
    return err.value.code


class Ledger(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.grants: dict[UUID, d.Grant] = {}
        self.reservations: dict[UUID, r.Reservation] = {}
        self.payments: dict[UUID, p.Payment] = {}
        self.batches: dict[UUID, b.Batch] = {}
        self.waiting: list[r.WaitingCase] = []
        self.seq = 0
        made = [payee("org-a"), payee("org-b", is_default=False)]
        self.payees = {x.payee_id: x for x in (replace(y, payee_id=self.new_id()) for y in made)}
        self.sent: Counter[UUID] = Counter()
        self.clock = NOW

    def new_id(self) -> UUID:
        """Ids in creation order: hypothesis must see the same choices when it replays a run."""
        self.seq += 1
        return UUID(int=self.seq)

    def tick(self) -> datetime:
        self.clock += timedelta(seconds=1)
        return self.clock

    @staticmethod
    def pick(items: dict[UUID, T], index: int, prefer: Callable[[T], bool] | None = None) -> T:
        """The index-th item, among the preferred ones when there are any (so that the rare
        states, such as a payment in an approved batch, are reached often enough)."""
        keys = sorted(items)
        if prefer is not None:
            keys = [k for k in keys if prefer(items[k])] or keys
        return items[keys[index % len(keys)]]

    def in_approved_batch(self, payment: p.Payment) -> bool:
        batch = self.batches.get(payment.batch_id) if payment.batch_id else None
        return payment.status == "batched" and batch is not None and batch.status == "approved"

    def open_payment(self, reservation: r.Reservation) -> None:
        self.reservations[reservation.case_id] = reservation
        default = pe.default_payee(reservation.org_id, list(self.payees.values()))
        opened = p.open_payment(
            reservation, payment_id=self.new_id(), default=default, at=self.tick()
        )
        self.payments[opened.state.payment_id] = opened.state

    def retry(self) -> None:
        grants = list(self.grants.values())
        result = r.retry_waiting(self.waiting, grants, RATES, today=TODAY, at=self.tick())
        self.grants = {g.grant_id: g for g in result.grants}
        self.waiting = list(result.waiting)
        for reservation in result.reservations:
            self.open_payment(reservation)

    def settle(self, s: p.Settlement) -> None:
        self.payments[s.payment.payment_id] = s.payment
        self.reservations[s.reservation.case_id] = s.reservation
        self.grants[s.grant.grant_id] = s.grant
        self.sent[s.payment.payment_id] += sum(isinstance(e, p.PaymentSent) for e in s.events)

    # --- commands ---------------------------------------------------------------------------

    @rule(
        minor=st.integers(min_value=100_000, max_value=3_000_000),
        currency=st.sampled_from(["CHF", "EUR"]),
        ugandan_only=st.booleans(),
    )
    def create_grant(self, minor: int, currency: str, ugandan_only: bool) -> None:
        made = d.create_grant(
            grant_id=self.new_id(), donor="Donor", name="Grant", amount=Money(minor, currency),
            valid_from=TODAY, valid_to=TODAY + timedelta(days=minor % 400), created_at=self.tick(),
            restrictions=d.Restrictions(frozenset({"UG"}) if ugandan_only else frozenset()),
        )  # fmt: skip
        self.grants[made.state.grant_id] = made.state
        self.retry()

    @precondition(lambda self: self.grants)
    @rule(index=INDEX, delta=st.integers(min_value=-300_000, max_value=300_000).filter(bool))
    def adjust_grant(self, index: int, delta: int) -> None:
        grant = self.pick(self.grants, index)
        change = Money(delta, grant.currency)
        if grant.available.minor + delta < 0:
            assert refused(lambda: d.adjust_grant(grant, change)) == "grant_below_committed"
            return
        if grant.amount.minor + delta == 0:  # nothing committed, and all of it taken away
            assert refused(lambda: d.adjust_grant(grant, change)) == "grant_amount_not_positive"
            return
        self.grants[grant.grant_id] = d.adjust_grant(grant, change).state
        if delta > 0:
            self.retry()

    @rule(items=ITEMS, org=st.sampled_from(["org-a", "org-b"]), country=COUNTRIES)
    def approve_case(self, items: list[tuple[str, int, str]], org: str, country: str) -> None:
        approved = tuple(
            r.ApprovedItem(f"item-{n}", cat, Money(m, ccy)) for n, (cat, m, ccy) in enumerate(items)
        )
        case_id = self.new_id()
        ref = common.CaseRef(case_id, org, country, str(case_id))
        case = r.ApprovedCase(ref, approved, self.tick())
        result = r.reserve(case, list(self.grants.values()), RATES, today=TODAY, at=self.clock)
        if result.reservation is None or result.grant is None:
            assert result.waiting is not None
            self.waiting.append(result.waiting)
            return
        self.grants[result.grant.grant_id] = result.grant
        self.open_payment(result.reservation)

    @precondition(lambda self: self.payments)
    @rule(index=INDEX, focus=st.booleans())
    def set_payee(self, index: int, focus: bool) -> None:
        payment = self.pick(self.payments, index, (lambda x: x.status in p.OPEN) if focus else None)
        chosen = next(x for x in self.payees.values() if x.org_id == payment.org_id)
        if payment.status not in p.OPEN:
            assert refused(lambda: p.set_payee(payment, chosen)) == "payment_not_open"
        elif not chosen.active:
            assert refused(lambda: p.set_payee(payment, chosen)) == "payee_not_active"
        else:
            self.payments[payment.payment_id] = p.set_payee(payment, chosen).state

    @rule(index=INDEX, officer=OFFICERS)
    def change_payee_bank_details(self, index: int, officer: str) -> None:
        chosen = self.pick(self.payees, index)
        if chosen.pending_account is None:
            assert chosen.account is not None  # every payee here was confirmed once
            iban = chosen.account.iban
            changed = pe.change_bank_details(chosen, iban=iban, bic=None, requested_by=officer)
        elif chosen.pending_by == officer:
            assert refused(lambda: pe.confirm_payee(chosen, confirmed_by=officer)) == (
                "payee_same_officer"
            )
            return
        else:
            changed = pe.confirm_payee(chosen, confirmed_by=officer)
        self.payees[chosen.payee_id] = changed.state

    @precondition(lambda self: self.payments)
    @rule(index=INDEX, share=st.integers(min_value=1, max_value=99))
    def split(self, index: int, share: int) -> None:
        payment = self.pick(self.payments, index)
        first = payment.amount.minor * share // 100
        if payment.status not in ("awaiting_payee", "scheduled") or first == 0:
            return
        parts = [p.SplitPart(Money(first, payment.amount.currency)),
                 p.SplitPart(payment.amount - Money(first, payment.amount.currency), None,
                             frozenset({0}))]  # fmt: skip
        made, _ = p.split_payment(
            payment, parts, reservation=self.reservations[payment.case_id], new_ids=[self.new_id()],
            payees=self.payees, at=self.tick(),
        )  # fmt: skip
        self.payments.update({x.payment_id: x for x in made})

    @rule(currency=st.sampled_from(["CHF", "EUR"]), officer=OFFICERS, limit=st.integers(0, 3))
    def create_batch(self, currency: str, officer: str, limit: int) -> None:
        chosen = b.batchable(list(self.payments.values()), currency, self.payees)[:limit]
        args = {"batch_id": self.new_id(), "currency": currency, "payments": chosen,
                "payees": self.payees, "created_by": officer, "at": self.tick()}  # fmt: skip
        if not chosen:
            assert refused(lambda: b.create_batch(**args)) == "batch_empty"  # type: ignore[arg-type]
            return
        made = b.create_batch(**args)  # type: ignore[arg-type]
        self.batches[made.batch.batch_id] = made.batch
        self.payments.update({x.payment_id: x for x in made.payments})

    @precondition(lambda self: self.batches)
    @rule(index=INDEX, officer=OFFICERS, focus=st.booleans())
    def approve_batch(self, index: int, officer: str, focus: bool) -> None:
        batch = self.pick(self.batches, index, (lambda x: x.status == "draft") if focus else None)
        call = lambda: b.approve_batch(batch, approved_by=officer, at=self.clock)  # noqa: E731
        if batch.status != "draft":
            assert refused(call) == "batch_not_draft"
        elif batch.created_by == officer:
            assert refused(call) == "batch_same_officer"
        elif not batch.lines:
            assert refused(call) == "batch_empty"
        else:
            self.batches[batch.batch_id] = call().state

    @rule(currency=st.sampled_from(["CHF", "EUR"]), outcomes=st.lists(st.booleans(), max_size=8))
    def payment_run(self, currency: str, outcomes: list[bool]) -> None:
        """The whole happy path in one step: batch, second officer approves, bank answers."""
        chosen = b.batchable(list(self.payments.values()), currency, self.payees)
        if not chosen:
            return
        made = b.create_batch(
            batch_id=self.new_id(), currency=currency, payments=chosen, payees=self.payees,
            created_by="finance-1", at=self.tick(),
        )  # fmt: skip
        batch = b.approve_batch(made.batch, approved_by="finance-2", at=self.clock).state
        self.batches[batch.batch_id] = batch
        self.payments.update({x.payment_id: x for x in made.payments})
        for payment, sent in zip(made.payments, outcomes, strict=False):
            _, reservation, grant = self.context(payment)
            if sent:
                self.settle(b.confirm_payment(
                    payment, batch=batch, reservation=reservation, grant=grant,
                    bank_reference=f"REF-{payment.payment_id.int}", paid_on=TODAY,
                ))  # fmt: skip
            else:
                self.settle(b.fail_payment(
                    payment, batch=batch, reservation=reservation, grant=grant, reason="AC04"
                ))  # fmt: skip

    def context(self, payment: p.Payment) -> tuple[b.Batch | None, r.Reservation, d.Grant]:
        reservation = self.reservations[payment.case_id]
        batch = self.batches.get(payment.batch_id) if payment.batch_id else None
        return batch, reservation, self.grants[reservation.grant_id]

    @precondition(lambda self: self.payments)
    @rule(index=INDEX, ref=st.sampled_from(["REF-1", "REF-2"]), focus=st.booleans())
    def confirm(self, index: int, ref: str, focus: bool) -> None:
        payment = self.pick(self.payments, index, self.in_approved_batch if focus else None)
        batch, reservation, grant = self.context(payment)
        call = lambda: b.confirm_payment(  # noqa: E731
            payment, batch=batch, reservation=reservation, grant=grant, bank_reference=ref,
            paid_on=TODAY,
        )  # fmt: skip
        if payment.status == "sent" and payment.bank_reference != ref:
            assert refused(call) == "payment_already_sent"
        elif payment.status == "sent":
            assert call().events == ()
        elif payment.status != "batched" or batch is None or batch.status != "approved":
            assert refused(call) == "payment_not_in_approved_batch"
        else:
            self.settle(call())

    @precondition(lambda self: self.payments)
    @rule(index=INDEX, focus=st.booleans())
    def fail(self, index: int, focus: bool) -> None:
        payment = self.pick(self.payments, index, self.in_approved_batch if focus else None)
        batch, reservation, grant = self.context(payment)
        call = lambda: b.fail_payment(  # noqa: E731
            payment, batch=batch, reservation=reservation, grant=grant, reason="AC04"
        )
        if payment.status == "sent":
            assert refused(call) == "payment_already_sent"
        elif payment.status != "batched" or batch is None or batch.status != "approved":
            assert refused(call) == "payment_not_in_approved_batch"
        else:
            self.settle(call())

    @precondition(lambda self: self.payments)
    @rule(index=INDEX)
    def reschedule(self, index: int) -> None:
        payment = self.pick(self.payments, index, lambda x: x.status == "failed")
        current = self.payees[payment.payee_id] if payment.payee_id else None
        if payment.status == "failed" and current is not None and current.active:
            self.payments[payment.payment_id] = p.reschedule_payment(payment, current).state

    @precondition(lambda self: self.payments)
    @rule(index=INDEX)
    def cancel(self, index: int) -> None:
        payment = self.pick(self.payments, index)
        _, reservation, grant = self.context(payment)
        call = lambda: p.cancel_payment(  # noqa: E731
            payment, reservation=reservation, grant=grant, reason="finance"
        )
        expected = {"sent": "payment_already_sent", "batched": "payment_in_batch"}
        if payment.status in expected:
            assert refused(call) == expected[payment.status]
        else:
            self.settle(call())

    @precondition(lambda self: self.reservations)
    @rule(index=INDEX)
    def withdraw(self, index: int) -> None:
        reservation = self.pick(self.reservations, index)
        result = b.withdraw_case(
            reservation, grant=self.grants[reservation.grant_id],
            payments=[x for x in self.payments.values() if x.case_id == reservation.case_id],
            batches=self.batches,
        )  # fmt: skip
        self.reservations[reservation.case_id] = result.reservation
        self.grants[result.grant.grant_id] = result.grant
        self.payments.update({x.payment_id: x for x in result.payments})
        self.batches.update({x.batch_id: x for x in result.batches})

    # --- invariants -------------------------------------------------------------------------

    @invariant()
    def money_is_conserved_per_grant(self) -> None:
        for grant in self.grants.values():
            assert grant.amount == grant.available + grant.reserved + grant.disbursed
            assert grant.available.minor >= 0
            mine = [x for x in self.reservations.values() if x.grant_id == grant.grant_id]
            assert grant.reserved.minor == sum(x.outstanding.minor for x in mine)
            assert grant.disbursed.minor == sum(x.disbursed.minor for x in mine)

    @invariant()
    def no_case_is_paid_more_than_approved(self) -> None:
        for reservation in self.reservations.values():
            converted = sum(c.target.minor for c in reservation.conversions)
            assert reservation.amount.minor == converted  # reserved == approved, converted
            assert [c.source for c in reservation.conversions] == [
                i.amount for i in reservation.items
            ]
            case = [x for x in self.payments.values() if x.case_id == reservation.case_id]
            live = [x for x in case if x.status != "cancelled"]
            assert sum(x.amount.minor for x in live) <= reservation.amount.minor
            unsent = sum(x.amount.minor for x in live if x.status != "sent")
            assert reservation.outstanding.minor == unsent
            sent = sum(x.amount.minor for x in live if x.status == "sent")
            assert reservation.disbursed.minor == sent

    @invariant()
    def no_payment_is_sent_twice(self) -> None:
        assert all(count <= 1 for count in self.sent.values())
        for payment in self.payments.values():
            assert (payment.status == "sent") is (self.sent[payment.payment_id] == 1)

    @invariant()
    def batches_hold_what_they_say(self) -> None:
        for batch in self.batches.values():
            assert batch.total.minor == sum(line.amount.minor for line in batch.lines)
            assert batch.count == len(batch.payment_ids)
        for payment in self.payments.values():
            if payment.status == "batched":
                assert payment.batch_id is not None
                assert payment.payment_id in self.batches[payment.batch_id].payment_ids


Ledger.TestCase.settings = settings(
    max_examples=200, stateful_step_count=60, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)  # fmt: skip
TestLedger = Ledger.TestCase
