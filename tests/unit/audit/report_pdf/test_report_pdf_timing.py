"""Time from request to payment, from the log: first payment per case, dated by the bank, scoped
to the grant and the period; nearest-rank percentiles; buckets that meet without a gap."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

import pytest

from services.audit.report_pdf.timing import BUCKETS, PAID, SUBMITTED, payment_times

GRANT = "g-1"


def asked(case: str, time: str) -> dict[str, Any]:
    return {"type": SUBMITTED, "time": time, "data": {"case_id": case}}


def paid(case: str, time: str, paid_on: str | None = None, grant: str = GRANT) -> dict[str, Any]:
    data = {"case_id": case, "grant_id": grant} | ({"paid_on": paid_on} if paid_on else {})
    return {"type": PAID, "time": time, "data": data}


def test_the_wait_runs_from_the_request_day_to_the_banks_payment_day() -> None:
    times = payment_times(
        [
            (0, asked("a", "2026-01-01T23:59:00+00:00")),
            (5, paid("a", "2026-01-20T08:00:00+00:00", paid_on="2026-01-11")),
            (1, asked("b", "2026-01-02T10:00:00Z")),
            (6, paid("b", "2026-01-05T10:00:00Z")),  # no paid_on: the event's day
        ],
        grant_id=GRANT,
    )
    assert [(w.case_id, w.days, w.submitted_index, w.paid_index) for w in times.waits] == [
        ("b", 3, 1, 6),
        ("a", 10, 0, 5),
    ]


def test_only_the_first_payment_of_a_case_counts_and_only_the_grants() -> None:
    times = payment_times(
        [
            (0, asked("a", "2026-01-01T00:00:00Z")),
            (1, paid("a", "2026-01-09T00:00:00Z", paid_on="2026-01-09")),
            (
                2,
                paid("a", "2026-01-03T00:00:00Z", paid_on="2026-01-03"),
            ),  # logged later, paid first
            (3, asked("x", "2026-01-01T00:00:00Z")),
            (4, paid("x", "2026-01-02T00:00:00Z", grant="another")),
        ],
        grant_id=GRANT,
    )
    assert [(w.case_id, w.days, w.paid_index) for w in times.waits] == [("a", 2, 2)]
    assert times.indexes == (0, 2)


def test_the_period_is_the_first_payments_day() -> None:
    entries = [
        (0, asked("a", "2026-01-01T00:00:00Z")),
        (1, paid("a", "2026-01-31T00:00:00Z", paid_on="2026-01-31")),
        (2, asked("b", "2026-01-15T00:00:00Z")),
        (3, paid("b", "2026-02-01T00:00:00Z", paid_on="2026-02-01")),
        (4, paid("b", "2026-02-10T00:00:00Z", paid_on="2026-02-10")),
    ]
    feb = payment_times(entries, grant_id=GRANT, start=date(2026, 2, 1), end=date(2026, 2, 28))
    assert [w.case_id for w in feb.waits] == ["b"]
    jan = payment_times(entries, grant_id=GRANT, end=date(2026, 1, 31))
    assert [w.case_id for w in jan.waits] == ["a"]


def test_a_payment_without_its_request_or_before_it_is_listed_not_counted() -> None:
    times = payment_times(
        [
            (0, paid("lost", "2026-01-05T00:00:00Z")),
            (1, asked("early", "2026-03-01T00:00:00Z")),
            (2, paid("early", "2026-02-01T00:00:00Z", paid_on="2026-02-01")),
            (3, {"type": SUBMITTED, "time": "yesterday", "data": {"case_id": "c"}}),
            (4, {"type": PAID, "data": "?"}),
        ],
        grant_id=GRANT,
    )
    assert times.waits == ()
    assert times.without_request == (0,)
    assert times.unreadable == (2, 3, 4)


@pytest.mark.parametrize(
    ("waits", "p50", "p90"),
    [
        ([], None, None),
        ([7], 7, 7),
        ([1, 2], 1, 2),
        ([5, 1, 3, 2, 4], 3, 5),
        ([0, 1, 1, 2, 2, 4, 6, 12, 20, 25, 40, 45, 70, 100], 6, 70),
        (list(range(1, 11)), 5, 9),
    ],
)
def test_percentiles_are_nearest_rank(waits: list[int], p50: int | None, p90: int | None) -> None:
    entries: list[tuple[int, dict[str, Any]]] = []
    for n, days in enumerate(waits):
        entries += [(2 * n, asked(f"c{n}", "2026-01-01T00:00:00Z")),
                    (2 * n + 1, paid(f"c{n}", "2026-01-01T00:00:00Z",
                                     paid_on=date.fromordinal(date(2026, 1, 1).toordinal() + days)
                                     .isoformat()))]  # fmt: skip
    times = payment_times(entries, grant_id=GRANT)
    assert (times.percentile(50), times.percentile(90)) == (p50, p90)
    assert times.cases == len(waits)


@pytest.mark.parametrize(
    ("days", "bucket"), [(0, 0), (2, 0), (3, 1), (7, 1), (8, 2), (90, 5), (91, 6), (4000, 6)]
)
def test_every_wait_falls_in_exactly_one_bucket(days: int, bucket: int) -> None:
    paid_on = date.fromordinal(date(2026, 1, 1).toordinal() + days).isoformat()
    times = payment_times(
        [(0, asked("a", "2026-01-01T00:00:00Z")), (1, paid("a", "2026-01-01T00:00:00Z", paid_on))],
        grant_id=GRANT,
    )
    assert [b.cases for b in times.buckets] == [int(i == bucket) for i in range(len(BUCKETS))]
    assert times.buckets[bucket].indexes == (0, 1)


def test_the_buckets_meet_without_gap_or_overlap() -> None:
    for (_, high), (low, _) in itertools.pairwise(BUCKETS):
        assert high is not None and low == high + 1
    assert BUCKETS[0][0] == 0 and BUCKETS[-1][1] is None
