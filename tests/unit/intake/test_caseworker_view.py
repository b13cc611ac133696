"""What the caseworker's pages are told of a case: the actions open, what waits for them, the
payments' status, what the approval granted, and validation codes a page can translate."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from support.factories import case_body, item

from services.intake.domain import bounds
from services.intake.domain import status as s
from services.intake.schemas import CaseIn

ALL = [s.ATTACH_DOCUMENT, s.ANSWER_INFORMATION, s.WITHDRAW, s.SUBMIT_REPORT]


@pytest.mark.parametrize(
    ("current", "erased", "open_requests", "expected"),
    [
        (s.SUBMITTED, False, 0, [s.ATTACH_DOCUMENT, s.WITHDRAW]),
        (s.IN_ASSESSMENT, False, 0, [s.ATTACH_DOCUMENT, s.WITHDRAW]),
        (s.INFORMATION_REQUESTED, False, 1, [s.ATTACH_DOCUMENT, s.ANSWER_INFORMATION, s.WITHDRAW]),
        (s.INFORMATION_REQUESTED, True, 1, [s.WITHDRAW]),
        (s.APPROVED, False, 1, [s.ATTACH_DOCUMENT, s.WITHDRAW]),
        (s.PAYMENT_SCHEDULED, False, 0, [s.ATTACH_DOCUMENT, s.WITHDRAW]),
        (s.PAID, False, 0, [s.ATTACH_DOCUMENT, s.SUBMIT_REPORT]),
        (s.CLOSED, False, 0, []),
        (s.WITHDRAWN, False, 0, []),
        (s.REJECTED, False, 0, []),
    ],
)
def test_the_actions_open_are_those_the_rules_take(
    current: str, erased: bool, open_requests: int, expected: list[str]
) -> None:
    assert s.open_actions(current, erased=erased, open_requests=open_requests) == expected


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        (s.SUBMITTED, []),
        (s.IN_ASSESSMENT, []),
        (s.INFORMATION_REQUESTED, [s.ANSWER_INFORMATION]),
        (s.APPROVED, []),
        (s.PAYMENT_SCHEDULED, []),
        (s.PAID, [s.SUBMIT_REPORT]),
        (s.CLOSED, []),
        (s.WITHDRAWN, []),
    ],
)
def test_what_waits_for_the_caseworker(current: str, expected: list[str]) -> None:
    assert s.awaiting_caseworker(current) == expected


def payment(kind: str, payment_id: str = "p1", **detail: Any) -> tuple[str, dict[str, Any]]:
    return kind, {"payment_id": payment_id, "amount": "100.00", "currency": "CHF"} | detail


def test_each_payment_shows_the_status_its_latest_event_set() -> None:
    entries = [
        ("submitted", {}),
        ("budget.reserved", {"amount": "150.00", "currency": "CHF"}),
        payment("payment.awaiting_payee"),
        payment("payment.scheduled"),
        payment("payment.scheduled", "p2", amount="50.00"),
        payment("payment.batched"),
        payment("payment.split", "p2", amount="30.00"),
        payment("payment.sent"),
        payment("payment.failed", "p2", amount="30.00"),
        ("payment.sent", {"amount": "1.00"}),  # no payment id: not a payment to show
    ]
    assert s.payments(entries) == [
        {"payment_id": "p1", "status": "sent", "amount": "100.00", "currency": "CHF"},
        {"payment_id": "p2", "status": "failed", "amount": "30.00", "currency": "CHF"},
    ]
    assert s.payments([]) == []


def approved(*items: Any) -> dict[str, Any]:
    return bounds.timeline_detail({"approved_items": list(items), "decided_by": ["manager-1"]})


def test_the_timeline_keeps_an_approvals_items_when_every_one_is_plain() -> None:
    good = {"item_id": "item-1", "amount": "600.00", "currency": "EUR", "category": "legal"}
    assert approved(good) == {
        "approved_items": [{"item_id": "item-1", "amount": "600.00", "currency": "EUR"}],
        "decided_by": ["manager-1"],
    }
    for bad in (
        good | {"amount": "6e2"},
        good | {"amount": 600},
        good | {"currency": "eur"},
        good | {"item_id": "<b>x</b>" * 20},
        good | {"item_id": "line\nbreak"},
        {"item_id": "item-1", "amount": "1.00"},
        "item-1",
    ):
        assert "approved_items" not in approved(good, bad), bad
    assert "approved_items" not in approved(*[good] * 21)
    assert "approved_items" not in bounds.timeline_detail({"approved_items": []})


def codes(body: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        CaseIn.model_validate(body)
    return [(".".join(str(p) for p in e["loc"]), e["type"]) for e in caught.value.errors()]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (case_body(items=[item(amount="10.001")]), ("items.0", "decimal_max_places")),
        (case_body(items=[item(amount="10.5", currency="JPY")]), ("items.0", "decimal_max_places")),
        (case_body(items=[item(amount="0.00")]), ("items.0", "greater_than")),
        (
            case_body(items=[item(amount="999999999999.99"), item(amount="999999999999.99")]),
            ("items", "total_too_large"),
        ),
        (
            case_body(victim={"full_name": "A", "date_of_birth": "1899-12-31"}),
            ("victim.date_of_birth", "birth_date_implausible"),
        ),
        (
            case_body(consent={"given": True, "date": "2999-01-01"}),
            ("consent.date", "consent_date_invalid"),
        ),
        (
            case_body(consent={"given": True, "date": "2001-01-01"}),
            ("consent.date", "consent_date_invalid"),
        ),
    ],
)
def test_refusals_carry_a_code_a_page_can_translate(
    body: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert codes(body) == [expected]


def test_amounts_at_the_currencys_minor_units_are_taken() -> None:
    for amount, currency in (("10", "JPY"), ("10.5", "CHF"), ("10.50", "CHF"), ("1.234", "KWD")):
        assert CaseIn.model_validate(case_body(items=[item(amount=amount, currency=currency)]))
