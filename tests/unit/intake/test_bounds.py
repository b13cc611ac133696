"""Unit tests for the limits on what a case holds: dates, totals, and what a timeline keeps."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.intake.domain import bounds
from shared.money import MAX_MINOR, MINOR_UNITS, MoneyError, from_minor, to_minor

NOW = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # 13:00 on 1 December in Kiribati


@pytest.mark.parametrize(
    ("born", "problem"),
    [
        (date(1900, 1, 1), None),
        (date(1899, 12, 31), "must not be before 1900-01-01"),
        (date(2026, 12, 1), None),  # today somewhere on Earth
        (date(2026, 12, 2), "must not be in the future"),
    ],
)
def test_birth_dates_are_plausible(born: date, problem: str | None) -> None:
    assert bounds.birth_date_problem(born, NOW) == problem


@pytest.mark.parametrize(
    ("given", "refused"),
    [
        (date(2026, 12, 1), False),
        (date(2026, 12, 2), True),
        (NOW.date() - timedelta(days=bounds.CONSENT_VALID_DAYS), False),
        (NOW.date() - timedelta(days=bounds.CONSENT_VALID_DAYS + 1), True),
        (date(1, 1, 1), True),
    ],
)
def test_consent_is_recent_and_not_in_the_future(given: date, refused: bool) -> None:
    assert (bounds.consent_date_problem(given, NOW) is not None) is refused


def test_the_latest_day_is_fourteen_hours_ahead_of_utc() -> None:
    assert bounds.latest_today(datetime(2026, 1, 1, 9, 59, tzinfo=UTC)) == date(2026, 1, 1)
    assert bounds.latest_today(datetime(2026, 1, 1, 10, 0, tzinfo=UTC)) == date(2026, 1, 2)


@pytest.mark.parametrize(
    ("currency", "largest"),
    [("CHF", 99_999_999_999_999), ("JPY", 999_999_999_999), ("KWD", 999_999_999_999_999),
     ("CLF", MAX_MINOR)],
)  # fmt: skip
def test_the_largest_total_is_the_largest_amount_vfund_accepts_and_writes(
    currency: str, largest: int
) -> None:
    assert bounds.largest_total_minor(currency) == largest
    assert to_minor(from_minor(largest, currency), currency) == largest
    with pytest.raises(MoneyError):
        to_minor(from_minor(largest + 1, currency), currency)


@pytest.mark.parametrize("currency", sorted(MINOR_UNITS))
def test_every_currency_has_a_largest_total_that_round_trips(currency: str) -> None:
    largest = bounds.largest_total_minor(currency)
    assert to_minor(from_minor(largest, currency), currency) == largest


def test_totals_are_bounded_per_currency() -> None:
    at_bound = [(99_999_999_999_998, "CHF"), (1, "CHF"), (999_999_999_999, "JPY")]
    assert bounds.totals_problem(at_bound) is None
    problem = bounds.totals_problem([*at_bound, (1, "CHF"), (1, "JPY"), (5, "EUR")])
    assert problem == "the total in CHF, JPY is above the largest amount vfund accepts"


@given(st.lists(st.tuples(st.integers(1, MAX_MINOR), st.sampled_from(["CHF", "CLF", "JPY"]))))
def test_a_total_is_refused_exactly_when_a_currency_sums_past_its_largest(
    amounts: list[tuple[int, str]],
) -> None:
    sums: dict[str, int] = {}
    for minor, currency in amounts:
        sums[currency] = sums.get(currency, 0) + minor
    over = any(total > bounds.largest_total_minor(c) for c, total in sums.items())
    assert (bounds.totals_problem(amounts) is not None) is over


def test_the_timeline_keeps_short_plain_values_of_the_fields_it_shows() -> None:
    fields: dict[str, Any] = {
        "reason_code": "duplicate",
        "amount": "1200.00",
        "fast_track": True,
        "decided_by": ["manager-1", "manager-2"],
        "shortfall": 12.5,
        "stage": 2,
        # Not shown: fields the timeline does not name, and values it cannot hold.
        "notes": "free text about a person",
        "grant_id": "g\x00rant",
        "batch_id": "x" * (bounds.MAX_TIMELINE_TEXT + 1),
        "payment_id": {"nested": "object"},
        "request_id": "",
        "due_at": None,
        "kind": "\u200b",
        "question_category": 10**30,
        "recommendation": float("nan"),
        "reservation_id": ["ok"] * (bounds.MAX_TIMELINE_LIST + 1),
        "currency": ["ok", 3],
    }
    assert bounds.timeline_detail(fields) == {
        "reason_code": "duplicate",
        "amount": "1200.00",
        "fast_track": True,
        "decided_by": ["manager-1", "manager-2"],
        "shortfall": 12.5,
        "stage": 2,
    }


@given(st.dictionaries(st.sampled_from(sorted(bounds.TIMELINE_FIELDS)), st.from_type(object)))
def test_whatever_an_event_carries_the_timeline_holds_only_plain_values(
    fields: dict[str, Any],
) -> None:
    detail = bounds.timeline_detail(fields)
    assert set(detail) <= set(fields)
    for value in detail.values():
        for leaf in value if isinstance(value, list) else [value]:
            assert isinstance(leaf, str | int | float)
            if isinstance(leaf, str):
                assert bounds.plain(leaf)
