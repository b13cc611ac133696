"""The payments a bank file is about, with their reservations, batches and grants: locked in
the service's order (budget lock → reservations → payments → batches → grants), shown to
reconciliation as it sees payments, changed by its effects, saved in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from uuid import UUID

from services.disbursement.domain.batches import Batch
from services.disbursement.domain.common import DomainEvent
from services.disbursement.domain.grants import Grant
from services.disbursement.domain.payments import Payment
from services.disbursement.domain.reconciling import known_payment, settle
from services.disbursement.domain.reservations import Reservation, ReservationReleased
from services.disbursement.reconciliation import Confirm, Effect, KnownPayment
from services.disbursement.repository import batches, grants, payments, reservations
from services.disbursement.repository import statements as rows
from services.disbursement.repository.statements import BankEntry
from shared.db import Connection


@dataclass
class Ledger:
    payments: dict[UUID, Payment]
    reservations: dict[UUID, Reservation]  # by case id
    batches: dict[UUID, Batch]
    grants: dict[UUID, Grant]
    seen: dict[UUID, frozenset[str]]
    changed: set[UUID] = field(default_factory=set)
    events: list[DomainEvent] = field(default_factory=list)
    bank_entries: list[BankEntry] = field(default_factory=list)

    def known(self) -> list[KnownPayment]:
        return [
            known_payment(
                p,
                self.batches.get(p.batch_id) if p.batch_id else None,
                self.seen.get(p.payment_id, frozenset()),
            )
            for p in self.payments.values()
        ]

    def apply(
        self, effect: Effect, *, returned_on: date, statement_id: UUID | None, index: int
    ) -> None:
        """One effect, on the state as the effects before it left it; the bank entry that
        caused it is recorded (once per payment, reference and kind)."""
        payment = self.payments[effect.payment_id]
        reservation = self.reservations[payment.case_id]
        grant = self.grants[reservation.grant_id]
        batch = self.batches.get(payment.batch_id) if payment.batch_id else None
        done = settle(
            effect,
            payment,
            batch=batch,
            reservation=reservation,
            grant=grant,
            returned_on=returned_on,
        )
        self.payments[payment.payment_id] = done.payment
        self.reservations[payment.case_id] = done.reservation
        self.grants[grant.grant_id] = done.grant
        self.changed.add(payment.payment_id)
        self.events.extend(done.events)
        if statement_id is not None and effect.bank_reference is not None:
            kind = "paid" if isinstance(effect, Confirm) else "returned"
            entry = BankEntry(payment.payment_id, effect.bank_reference, kind, statement_id, index)
            self.bank_entries.append(entry)

    @property
    def released(self) -> bool:
        """Whether money went back to a grant's available (a withdrawn case's return)."""
        return any(isinstance(e, ReservationReleased) for e in self.events)

    async def save(self, tx: Connection, *, at: datetime) -> None:
        """Bank entries first: the database lets a paid payment fail only with its return on
        record (migration 005)."""
        if self.bank_entries:
            await rows.record_bank_entries(tx, entries=self.bank_entries, at=at)
        cases: set[UUID] = set()
        touched: set[UUID] = set()
        for payment_id in sorted(self.changed):
            payment = self.payments[payment_id]
            await payments.save_payment(tx, payment=payment, at=at)
            cases.add(payment.case_id)
        for case_id in sorted(cases):
            reservation = self.reservations[case_id]
            await reservations.save_reservation(tx, reservation=reservation)
            touched.add(reservation.grant_id)
        for grant_id in sorted(touched):
            await grants.save_grant(tx, grant=self.grants[grant_id])


async def lock_ledger(
    tx: Connection, *, payment_ids: Iterable[UUID], batch_ids: Iterable[UUID]
) -> Ledger:
    """The payments named (by id, or by the batch they are in), locked with what they touch.
    The caller holds the budget lock (cases.lock_budget)."""
    named = await rows.referenced_payments(
        tx, payment_ids=sorted(set(payment_ids)), batch_ids=sorted(set(batch_ids))
    )
    return await _lock(tx, [p for p, _ in named], [c for _, c in named])


async def lock_chosen(tx: Connection, *, payment_ids: Sequence[UUID]) -> Ledger:
    """The payments an officer chose (those that exist), locked with what they touch."""
    named = await rows.referenced_payments(tx, payment_ids=sorted(set(payment_ids)), batch_ids=[])
    return await _lock(tx, [p for p, _ in named], [c for _, c in named])


async def _lock(tx: Connection, payment_ids: list[UUID], case_ids: list[UUID]) -> Ledger:
    locked_reservations = await reservations.lock_reservations(tx, case_ids=case_ids)
    found = await payments.lock_payments(tx, ids=payment_ids)
    chosen = {payment_id: payment for payment_id, (payment, _) in found.items()}
    locked_batches = await batches.lock_batches(
        tx, ids=[p.batch_id for p in chosen.values() if p.batch_id is not None]
    )
    locked_grants: dict[UUID, Grant] = {}
    for grant_id in sorted({r.grant_id for r in locked_reservations.values()}):
        got = await grants.get_grant(tx, grant_id=grant_id, lock=True)
        assert got is not None  # a foreign key guarantees it
        locked_grants[grant_id] = got[0]
    seen = await rows.seen_references(tx, payment_ids=list(chosen))
    return Ledger(chosen, locked_reservations, locked_batches, locked_grants, seen)
