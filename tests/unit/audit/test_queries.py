"""What a reader may ask of the log: out-of-range requests are refused naming the parameter."""

from __future__ import annotations

from datetime import date

import pytest

from services.audit.domain import queries
from shared.errors import DomainError, Refusal


@pytest.mark.parametrize(
    ("from_index", "to_index", "size", "signed", "expected"),
    [
        (0, None, 10, 8, (0, 7)),  # by default, what the latest signed head covers
        (3, None, 10, 8, (3, 7)),
        (8, None, 10, 8, (8, 7)),  # nothing signed after 7 yet: empty
        (10, None, 10, 8, (10, 9)),
        (0, None, 10, 0, (0, -1)),  # nothing signed at all: empty
        (0, 9, 10, 8, (0, 9)),  # asked for: unsigned entries too
        (4, 4, 10, 8, (4, 4)),
        (0, None, 0, 0, (0, -1)),
    ],
)
def test_export_range(
    from_index: int, to_index: int | None, size: int, signed: int, expected: tuple[int, int]
) -> None:
    assert queries.export_range(from_index, to_index, size=size, signed=signed) == expected


@pytest.mark.parametrize(
    ("from_index", "to_index", "field"),
    [(11, None, "from_index"), (0, 10, "to_index"), (5, 4, "from_index"), (0, 2**62, "to_index")],
)
def test_export_range_refusals_name_the_parameter(
    from_index: int, to_index: int | None, field: str
) -> None:
    with pytest.raises(DomainError) as refused:
        queries.export_range(from_index, to_index, size=10, signed=8)
    assert refused.value.refusal is Refusal.INVALID
    assert refused.value.errors == [
        {"field": f"query.{field}", "code": "out_of_range", "message": refused.value.detail}
    ]


def test_proof_and_period_bounds() -> None:
    queries.check_inclusion(4, 5)
    queries.check_consistency(5, 5)
    queries.check_tree_size(5, field="second", logged=5)
    queries.check_period(date(2026, 1, 1), date(2026, 1, 1))
    for refused, field in (
        (lambda: queries.check_inclusion(5, 5), "index"),
        (lambda: queries.check_consistency(6, 5), "first"),
        (lambda: queries.check_tree_size(6, field="second", logged=5), "second"),
        (lambda: queries.check_period(date(2026, 1, 2), date(2026, 1, 1)), "from"),
    ):
        with pytest.raises(DomainError) as error:
            refused()
        assert error.value.errors is not None
        assert error.value.errors[0]["field"] == f"query.{field}"
    assert queries.no_tree_head().refusal is Refusal.NOT_FOUND
