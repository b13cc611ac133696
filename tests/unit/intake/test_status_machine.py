"""Unit tests for the case status caseworkers see: forward only, final states stay final."""

from __future__ import annotations

import itertools

import pytest

from services.intake.domain import status as domain
from services.intake.domain.status import (
    APPROVED,
    AWAITING_FUNDS,
    CLOSED,
    IN_ASSESSMENT,
    INFORMATION_REQUESTED,
    PAID,
    PAYMENT_SCHEDULED,
    REJECTED,
    SUBMITTED,
    WITHDRAWN,
    after_event,
)
from shared.errors import DomainError, Refusal
from shared.events import subjects as s


@pytest.mark.parametrize(
    ("current", "subject", "expected"),
    [
        (SUBMITTED, s.MEDICAL_COMPLETED, IN_ASSESSMENT),
        (SUBMITTED, s.LEGAL_COMPLETED, IN_ASSESSMENT),
        (SUBMITTED, s.DEADLINE_MISSED, IN_ASSESSMENT),
        (SUBMITTED, s.INFORMATION_REQUESTED, INFORMATION_REQUESTED),
        (IN_ASSESSMENT, s.INFORMATION_REQUESTED, INFORMATION_REQUESTED),
        (INFORMATION_REQUESTED, s.MEDICAL_COMPLETED, INFORMATION_REQUESTED),
        (INFORMATION_REQUESTED, s.CASE_APPROVED, APPROVED),
        (IN_ASSESSMENT, s.CASE_REJECTED, REJECTED),
        (APPROVED, s.BUDGET_INSUFFICIENT, AWAITING_FUNDS),
        (APPROVED, s.BUDGET_RESERVED, AWAITING_FUNDS),
        (APPROVED, s.PAYMENT_AWAITING_PAYEE, AWAITING_FUNDS),
        (AWAITING_FUNDS, s.PAYMENT_SCHEDULED, PAYMENT_SCHEDULED),
        (PAYMENT_SCHEDULED, s.PAYMENT_BATCHED, PAYMENT_SCHEDULED),
        (PAYMENT_SCHEDULED, s.PAYMENT_SENT, PAID),
        (PAYMENT_SCHEDULED, s.PAYMENT_FAILED, PAYMENT_SCHEDULED),
        # Out of order: a late event never steps back.
        (PAID, s.CASE_APPROVED, PAID),
        (PAID, s.PAYMENT_SCHEDULED, PAID),
        (PAYMENT_SCHEDULED, s.BUDGET_RESERVED, PAYMENT_SCHEDULED),
        (APPROVED, s.INFORMATION_REQUESTED, APPROVED),
        (APPROVED, s.MEDICAL_COMPLETED, APPROVED),
        # Final states stay final.
        (WITHDRAWN, s.CASE_APPROVED, WITHDRAWN),
        (WITHDRAWN, s.PAYMENT_SENT, WITHDRAWN),
        (REJECTED, s.CASE_APPROVED, REJECTED),
        (CLOSED, s.PAYMENT_SENT, CLOSED),
        # Timeline-only events.
        (IN_ASSESSMENT, s.APPROVAL_RATIFIED, IN_ASSESSMENT),
        (AWAITING_FUNDS, s.BUDGET_RELEASED, AWAITING_FUNDS),
        (SUBMITTED, "vfund.assessment.case.something_new", SUBMITTED),
    ],
)
def test_after_event(current: str, subject: str, expected: str) -> None:
    assert after_event(current, subject) == expected


@pytest.mark.parametrize(
    "order",
    list(
        itertools.permutations(
            [s.CASE_APPROVED, s.BUDGET_RESERVED, s.PAYMENT_SCHEDULED, s.PAYMENT_SENT]
        )
    ),
)
def test_any_arrival_order_ends_paid(order: tuple[str, ...]) -> None:
    status = IN_ASSESSMENT
    for subject in order:
        status = after_event(status, subject)
    assert status == PAID


def test_answering_the_last_open_request_returns_to_assessment() -> None:
    assert (
        domain.after_information_provided(INFORMATION_REQUESTED, open_requests_left=1)
        == INFORMATION_REQUESTED
    )
    assert (
        domain.after_information_provided(INFORMATION_REQUESTED, open_requests_left=0)
        == IN_ASSESSMENT
    )
    assert domain.after_information_provided(IN_ASSESSMENT, open_requests_left=0) == IN_ASSESSMENT


@pytest.mark.parametrize(
    "status",
    [SUBMITTED, IN_ASSESSMENT, INFORMATION_REQUESTED, APPROVED, AWAITING_FUNDS, PAYMENT_SCHEDULED],
)
def test_withdrawal_before_payment(status: str) -> None:
    assert domain.withdraw(status) == WITHDRAWN


@pytest.mark.parametrize("status", [PAID, CLOSED, WITHDRAWN, REJECTED])
def test_no_withdrawal_once_paid_or_final(status: str) -> None:
    with pytest.raises(DomainError) as refused:
        domain.withdraw(status)
    assert (refused.value.refusal, refused.value.code) == (Refusal.CONFLICT, "not-withdrawable")


@pytest.mark.parametrize("status", sorted(domain.STATUSES - {PAID}))
def test_report_only_when_paid(status: str) -> None:
    with pytest.raises(DomainError) as refused:
        domain.submit_report(status)
    assert (refused.value.refusal, refused.value.code) == (Refusal.CONFLICT, "not-paid")
    assert domain.submit_report(PAID) == CLOSED


@pytest.mark.parametrize("status", [APPROVED, REJECTED, PAID, WITHDRAWN, CLOSED])
def test_no_answers_after_the_assessment(status: str) -> None:
    with pytest.raises(DomainError) as refused:
        domain.may_answer(status)
    assert (refused.value.refusal, refused.value.code) == (Refusal.CONFLICT, "assessment-over")
    domain.may_answer(INFORMATION_REQUESTED)


def test_every_consumed_subject_is_in_the_catalogue() -> None:
    from shared.events import CATALOGUE

    assert set(domain.EFFECT_OF) <= set(CATALOGUE)


@pytest.mark.parametrize("subject", sorted(domain.EFFECT_OF))
def test_the_tabulated_moves_are_the_rules(subject: str) -> None:
    """The database applies `moves_on`; it must say what `after_event` says, status by status."""
    moves = domain.moves_on(subject)
    for status in domain.STATUSES:
        assert moves.get(status, status) == after_event(status, subject)
