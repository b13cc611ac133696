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
from typing import Final

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
