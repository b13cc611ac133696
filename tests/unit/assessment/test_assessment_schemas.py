"""The request bodies' bounds: each refusal names its field; what is accepted fits the storage."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from services.assessment.schemas import AssessmentIn, DecisionIn, ItemAmountIn, amounts_of
from shared.money import MAX_MINOR
from shared.problems import Problem

LINE = {"item_id": "item-1", "amount": "10.00", "currency": "CHF"}
ZW = "\u200b"  # a zero-width space: shows nothing


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"notes": "a NUL \x00 in the notes"}, "notes"),
        ({"notes": "a bell \x07"}, "notes"),
        ({"notes": "an escape \x1b[31m"}, "notes"),
        ({"notes": "a C1 control \x9b"}, "notes"),
        ({"notes": "x" * 10_001}, "notes"),
        ({"notes": None}, "notes"),
        ({"exceeding_reason": "ok\x00"}, "exceeding_reason"),
        ({"exceeding_reason": ZW * 5}, "exceeding_reason"),
        ({"exceeding_reason": "   \t  "}, "exceeding_reason"),
        ({"exceeding_reason": "y" * 1_001}, "exceeding_reason"),
        ({"recommended_items": [LINE] * 51}, "recommended_items"),
        ({"recommended_items": [LINE | {"amount": "1234567890123.00"}]}, "amount"),
        ({"recommended_items": [LINE | {"amount": "-1.00"}]}, "amount"),
        ({"recommended_items": [LINE | {"amount": 10}]}, "amount"),
        ({"recommended_items": [LINE | {"currency": "XXX"}]}, "currency"),
        ({"recommended_items": [LINE | {"item_id": "item\x001"}]}, "item_id"),
        ({"recommended_items": [LINE | {"extra": "field"}]}, "extra"),
        ({"recommendation": "maybe"}, "recommendation"),
    ],
)
def test_an_assessment_body_out_of_bounds_is_refused_naming_the_field(
    body: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as err:
        AssessmentIn.model_validate({"recommendation": "support"} | body)
    assert any(field in map(str, e["loc"]) for e in err.value.errors())


def test_what_is_accepted_is_kept_as_sent_but_trimmed() -> None:
    ok = AssessmentIn.model_validate(
        {
            "recommendation": "support",
            "notes": "  Two lines,\nwith a tab\tand accents: é, ü, ñ, ع.  ",
            "exceeding_reason": "Quote dated after the request.",
            "recommended_items": [LINE] * 50,
        }
    )
    assert ok.notes == "Two lines,\nwith a tab\tand accents: é, ü, ñ, ع."


@pytest.mark.parametrize(
    ("lines", "errors"),
    [
        ([LINE, LINE], [("approved_items.1.item_id", "duplicate")]),
        ([LINE | {"amount": "10.001"}], [("approved_items.0.amount", "precision")]),
        (
            [
                {"item_id": f"i{n}", "amount": "999999999999.99", "currency": "CHF"}
                for n in range(11)
            ],
            [("approved_items", "total_too_large")],
        ),
        (
            [
                {"item_id": "a", "amount": "100000000000.0000", "currency": "CLF"},
                {"item_id": "b", "amount": "0.0001", "currency": "CLF"},
            ],
            [("approved_items", "total_too_large")],
        ),
    ],
)
def test_the_amounts_of_one_list_are_checked_together(
    lines: list[dict[str, str]], errors: list[tuple[str, str]]
) -> None:
    body = DecisionIn.model_validate({"decision": "approve", "approved_items": lines})
    with pytest.raises(Problem) as err:
        amounts_of(body.approved_items, "approved_items")
    assert err.value.status == 422
    assert [(e["field"], e["code"]) for e in err.value.errors or []] == errors
    assert "999999999999" not in str(err.value.errors)  # the values are never echoed


def test_a_total_of_exactly_the_largest_amount_is_money() -> None:
    top = ItemAmountIn(item_id="a", amount="100000000000.0000", currency="CLF")
    (money,) = amounts_of([top], "approved_items").values()
    assert money.minor == MAX_MINOR
