"""Bank statements and status reports: a paid payment coming back (`return_payment`), and the
facts an import or an officer's decision on an entry reports. What reconciliation's effects do
to payments is `domain.reconciling`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal
from uuid import UUID

from services.disbursement.domain.common import DomainEvent, conflict
from services.disbursement.domain.grants import Grant
from services.disbursement.domain.payments import (
    Payment,
    PaymentFailed,
    Settlement,
    cancel_and_release,
    check_links,
)
from services.disbursement.domain.reservations import Reservation


def return_payment(
    payment: Payment,
    *,
    reservation: Reservation,
    grant: Grant,
    reason: str,
    returned_on: date,
) -> Settlement:
    """A paid payment came back (`RtrInf`, or the bank reversed its booking): sent → failed
    with the ISO reason code, its amount disbursed → reserved on reservation and grant. The
    case withdrawn meanwhile: cancelled, and its amount released to the grant at once."""
    check_links(payment, reservation, grant)
    if payment.status != "sent":
        raise conflict("payment_not_paid", f"a {payment.status} payment cannot come back")
    failed = replace(
        payment, status="failed", bank_reference=None, paid_on=None, failure_reason=reason
    )
    reservation = reservation.undisburse(payment.amount)
    grant = grant.undisburse(payment.amount)
    events: tuple[DomainEvent, ...] = (
        PaymentFailed(failed, reason=reason, returned_on=returned_on),
    )
    if not reservation.withdrawn:
        return Settlement(failed, reservation, grant, events)
    cancelled, reservation, grant, more = cancel_and_release(
        failed, reservation, grant, "case_withdrawn"
    )
    return Settlement(cancelled, reservation, grant, events + more)


# --- what an import or a hand's decision reports -------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatementImported(DomainEvent):
    """A camt.053/.054 statement was read and matched; `matched` counts entries that changed a
    payment (paid or returned), `unmatched` those left for a second officer."""

    statement_id: UUID
    account: str
    message: str
    entries: int
    matched: int
    unmatched: int
    imported_by: str


@dataclass(frozen=True, slots=True)
class StatusReportImported(DomainEvent):
    """A pain.002 was read: `rejected` status lines failed payments before any booking."""

    report_id: UUID
    message: str
    lines: int
    rejected: int
    unmatched: int
    imported_by: str


@dataclass(frozen=True, slots=True)
class StatementEntryMatched(DomainEvent):
    """A finance officer other than the importer matched an entry by hand (`outcome`:
    matched, i.e. paid, or returned)."""

    statement_id: UUID
    entry: int
    outcome: Literal["matched", "returned"]
    payment_ids: tuple[UUID, ...]
    by: str


@dataclass(frozen=True, slots=True)
class StatementEntryDismissed(DomainEvent):
    """A finance officer other than the importer set an entry aside (a reason code only)."""

    statement_id: UUID
    entry: int
    reason: str
    by: str
