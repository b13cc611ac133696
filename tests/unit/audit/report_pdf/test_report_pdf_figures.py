"""No person singled out: a count of cases below 5 never shows, nor a total that gives one away."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.audit.report_pdf import figures
from services.audit.report_pdf.figures import MIN_COUNT, count, total_count


@pytest.mark.parametrize(
    ("cases", "text"), [(0, "< 5"), (1, "< 5"), (4, "< 5"), (5, "5"), (6, "6"), (1234, "1234")]
)
def test_a_count_below_five_shows_only_as_below_five(cases: int, text: str) -> None:
    assert count(cases).text == text


@pytest.mark.parametrize(
    ("total", "parts", "text"),
    [
        (20, [20], "20"),  # nothing hidden
        (14, [5, 2, 1, 2, 2, 1, 1], "14"),  # six hidden parts, 9 cases among them: ambiguous
        (11, [5, 3, 3], "11"),  # (2,4), (3,3), (4,2) all fit
        (12, [12, 0, 0], "12"),  # the hidden parts are empty: nobody to single out
        (10, [7, 3], "≥ 5"),  # the one hidden part would be 10 - 7
        (9, [5, 4], "≥ 5"),
        (13, [5, 4, 4], "≥ 5"),  # two hidden parts adding to 8 must both be 4
        (4, [4], "< 5"),  # a total below five is itself hidden
        (0, [], "< 5"),
    ],
)
def test_a_total_is_exact_only_when_no_hidden_part_can_be_worked_out(
    total: int, parts: list[int], text: str
) -> None:
    assert total_count(total, parts).text == text


def _values_a_reader_could_give(hidden: int, rest: int) -> list[set[int]]:
    """For each hidden part, the values it may take given only that each is 0..4 and their sum."""
    fits = [v for v in itertools.product(range(MIN_COUNT), repeat=hidden) if sum(v) == rest]
    return [{v[i] for v in fits} for i in range(hidden)]


@given(st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=5))
def test_an_exact_total_never_pins_down_a_person_in_a_hidden_part(parts: list[int]) -> None:
    shown = total_count(sum(parts), parts)
    if not shown.exact:
        return
    exact_sum = sum(p for p in parts if p >= MIN_COUNT)
    hidden = [p for p in parts if p < MIN_COUNT]
    for i, possible in enumerate(_values_a_reader_could_give(len(hidden), sum(parts) - exact_sum)):
        assert hidden[i] in possible
        assert len(possible) > 1 or possible == {0}, (parts, i, possible)


def test_cases_behind_a_row_are_distinct_cases_of_the_entries_given() -> None:
    row = {
        "reserved": {"indexes": [1, 4]},
        "released": {"indexes": [4]},
        "paid": {"indexes": [7]},
    }
    case_of = figures.case_index(
        [
            (1, {"data": {"case_id": "a"}}),
            (4, {"data": {"case_id": "b"}}),
            (7, {"data": {"case_id": "a"}}),
            (9, {"data": "?"}),
        ]
    )
    assert case_of == {1: "a", 4: "b", 7: "a"}
    assert figures.cases_behind(row, case_of) == 2
    with pytest.raises(ValueError, match=r"\[7\]"):
        figures.cases_behind(row, {1: "a", 4: "b"})
