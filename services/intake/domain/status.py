"""A case's status as caseworkers see it.

    submitted → in_assessment ⇄ information_requested → approved | rejected
              → awaiting_funds → payment_scheduled → paid → closed;  withdrawn before paid.

Choices the contract leaves open:
- The assessment service announces no "taken into assessment" event, so the first
  assessment-side event about a case (an assessment recorded, a review or information requested,
  an approval pending, a missed assessment deadline) moves it to `in_assessment`.
- `awaiting_funds` is the stretch between approval and a scheduled payment: the budget was short
  (`budget.insufficient`), or funds are reserved but the payment still waits for a payee. The
  timeline tells which.
- Events arrive out of order (intake has one consumer per producing service) and a status never
  steps back: an event only moves a case to a later stage. The one way back is
  `information_requested` → `in_assessment`, taken when the caseworker answers the last open
  request; a late request can only reopen a case still in assessment.
- `rejected`, `closed` and `withdrawn` are final; events after them only add to the timeline.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from shared.errors import DomainError, Refusal
from shared.events import subjects

SUBMITTED: Final = "submitted"
IN_ASSESSMENT: Final = "in_assessment"
INFORMATION_REQUESTED: Final = "information_requested"
APPROVED: Final = "approved"
REJECTED: Final = "rejected"
AWAITING_FUNDS: Final = "awaiting_funds"
PAYMENT_SCHEDULED: Final = "payment_scheduled"
PAID: Final = "paid"
CLOSED: Final = "closed"
WITHDRAWN: Final = "withdrawn"

STAGE: Final[dict[str, int]] = {
    SUBMITTED: 0,
    IN_ASSESSMENT: 1,
    INFORMATION_REQUESTED: 1,
    APPROVED: 2,
    REJECTED: 2,
    AWAITING_FUNDS: 3,
    PAYMENT_SCHEDULED: 4,
    PAID: 5,
    CLOSED: 6,
    WITHDRAWN: 6,
}
STATUSES: Final = frozenset(STAGE)
FINAL: Final = frozenset({REJECTED, CLOSED, WITHDRAWN})

# What each consumed event means for the caseworker (None: the timeline only).
EFFECT_OF: Final[dict[str, str | None]] = {
    subjects.INFORMATION_REQUESTED: INFORMATION_REQUESTED,
    subjects.MEDICAL_COMPLETED: IN_ASSESSMENT,
    subjects.LEGAL_COMPLETED: IN_ASSESSMENT,
    subjects.REVIEW_REQUESTED: IN_ASSESSMENT,
    subjects.APPROVAL_PENDING: IN_ASSESSMENT,
    subjects.DEADLINE_MISSED: IN_ASSESSMENT,
    subjects.APPROVAL_RATIFIED: None,
    subjects.RATIFICATION_MISSED: None,
    subjects.CASE_APPROVED: APPROVED,
    subjects.CASE_REJECTED: REJECTED,
    subjects.BUDGET_RESERVED: AWAITING_FUNDS,
    subjects.BUDGET_INSUFFICIENT: AWAITING_FUNDS,
    subjects.BUDGET_RELEASED: None,
    subjects.PAYMENT_AWAITING_PAYEE: AWAITING_FUNDS,
    subjects.PAYMENT_SCHEDULED: PAYMENT_SCHEDULED,
    subjects.PAYMENT_BATCHED: PAYMENT_SCHEDULED,
    subjects.PAYMENT_SENT: PAID,
    subjects.PAYMENT_FAILED: None,
    subjects.PAYMENT_CANCELLED: None,
}


def after_event(current: str, subject: str) -> str:
    """The status after another service's event; never a step back."""
    target = EFFECT_OF.get(subject)
    if target is None or current in FINAL:
        return current
    if target == INFORMATION_REQUESTED:
        return target if STAGE[current] <= STAGE[IN_ASSESSMENT] else current
    return target if STAGE[target] > STAGE[current] else current


@functools.lru_cache(maxsize=64)  # subjects come off the stream: bounded
def moves_on(subject: str) -> dict[str, str]:
    """What another service's event does to each status it changes (`after_event`, tabulated so
    that the database can apply it to the row as it is when the row's lock is granted)."""
    return {s: after_event(s, subject) for s in sorted(STATUSES) if after_event(s, subject) != s}


def after_information_provided(current: str, *, open_requests_left: int) -> str:
    if current == INFORMATION_REQUESTED and open_requests_left == 0:
        return IN_ASSESSMENT
    return current


def withdraw(current: str) -> str:
    if current in {PAID, CLOSED, WITHDRAWN, REJECTED}:
        raise DomainError(
            Refusal.CONFLICT,
            "not-withdrawable",
            f"a case that is {current} can no longer be withdrawn",
        )
    return WITHDRAWN


def submit_report(current: str) -> str:
    if current != PAID:
        raise DomainError(
            Refusal.CONFLICT,
            "not-paid",
            f"a use-of-funds report needs a paid case; this one is {current}",
        )
    return CLOSED


def may_answer(current: str) -> None:
    if current in FINAL or STAGE[current] >= STAGE[APPROVED]:
        raise DomainError(
            Refusal.CONFLICT,
            "assessment-over",
            f"the case is {current}; information is no longer needed",
        )


def may_attach(current: str) -> None:
    if current in {CLOSED, WITHDRAWN, REJECTED}:
        raise DomainError(
            Refusal.CONFLICT, "case-final", f"the case is {current}; it takes no documents"
        )


# What the case's own caseworkers may do now, and what waits for them, by the rules above: the
# pages show these and hide the rest (the rules still refuse whatever is sent anyway).
ATTACH_DOCUMENT: Final = "attach_document"
ANSWER_INFORMATION: Final = "answer_information"
WITHDRAW: Final = "withdraw"
SUBMIT_REPORT: Final = "submit_report"


def _allowed(check: Callable[[], object]) -> bool:
    try:
        check()
    except DomainError:
        return False
    return True


def open_actions(current: str, *, erased: bool, open_requests: int) -> list[str]:
    """The changes the rules would take from the owning organisation's caseworkers now."""
    actions = []
    if not erased and _allowed(lambda: may_attach(current)):
        actions.append(ATTACH_DOCUMENT)
    if open_requests and not erased and _allowed(lambda: may_answer(current)):
        actions.append(ANSWER_INFORMATION)
    if _allowed(lambda: withdraw(current)):
        actions.append(WITHDRAW)
    if _allowed(lambda: submit_report(current)):
        actions.append(SUBMIT_REPORT)
    return actions


def awaiting_caseworker(current: str) -> list[str]:
    """What needs the caseworker now: an answer while information is requested, the
    use-of-funds report once the case is paid."""
    waiting = []
    if current == INFORMATION_REQUESTED and _allowed(lambda: may_answer(current)):
        waiting.append(ANSWER_INFORMATION)
    if _allowed(lambda: submit_report(current)):
        waiting.append(SUBMIT_REPORT)
    return waiting


# A payment's status as the caseworker sees it, from the disbursement event that set it.
PAYMENT_STATUS_OF: Final[dict[str, str]] = {
    "payment.awaiting_payee": "awaiting_payee",
    "payment.scheduled": "scheduled",
    "payment.batched": "batched",
    "payment.sent": "sent",
    "payment.failed": "failed",
    "payment.cancelled": "cancelled",
}


def payments(entries: Iterable[tuple[str, Mapping[str, Any]]]) -> list[dict[str, str]]:
    """Each payment of a case with the status its latest event set, from the timeline's
    `(kind, detail)` entries in order; a split changes a payment's amount, not its status."""
    found: dict[str, dict[str, str]] = {}
    for kind, detail in entries:
        payment_id = detail.get("payment_id")
        if not kind.startswith("payment.") or not isinstance(payment_id, str):
            continue
        payment = found.setdefault(payment_id, {"payment_id": payment_id, "status": "scheduled"})
        if kind in PAYMENT_STATUS_OF:
            payment["status"] = PAYMENT_STATUS_OF[kind]
        amount, currency = detail.get("amount"), detail.get("currency")
        if isinstance(amount, str) and isinstance(currency, str):
            payment["amount"], payment["currency"] = amount, currency
    return [p for p in found.values() if "amount" in p]
