"""Donor-report shares by category add up to the amount exactly, whatever the weights."""

from __future__ import annotations

import pytest

from services.disbursement.wire import allocate
from shared.money import Money


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        ("1200.00", [("medical", 1)], {"medical": "1200.00"}),
        ("1000.00", [("medical", 600), ("legal", 400)], {"medical": "600.00", "legal": "400.00"}),
        ("0.01", [("medical", 1), ("legal", 1)], {"legal": "0.01"}),
        (
            "100.00",
            [("social", 1), ("social", 1), ("legal", 1)],
            {"social": "66.67", "legal": "33.33"},
        ),
        ("10.00", [("medical", 0)], {}),
    ],
)
def test_allocate_is_exact(
    amount: str, weights: list[tuple[str, int]], expected: dict[str, str]
) -> None:
    shares = allocate(Money.parse(amount, "CHF"), weights)
    assert {s.category: s.amount for s in shares} == expected
    if shares:
        assert (
            sum(Money.parse(s.amount, "CHF").minor for s in shares)
            == Money.parse(amount, "CHF").minor
        )
