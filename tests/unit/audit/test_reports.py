"""Donor report rules: exact allocation of releases, unallocated remainders, dates, bad entries."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from services.audit.domain.reports import (
    PAID,
    RELEASED,
    RESERVED,
    allocate,
    csv_rows,
    donor_report,
    report_json,
)


@pytest.mark.parametrize(
    ("total", "weights", "shares"),
    [
        (100, [1, 1], [50, 50]),
        (100, [1, 1, 1], [34, 33, 33]),
        (5, [20000, 10000], [3, 2]),
        (1, [1, 1], [1, 0]),
        (7, [0, 0], [7, 0]),
        (0, [3, 4], [0, 0]),
    ],
)
def test_allocate_shares_exactly(total: int, weights: list[int], shares: list[int]) -> None:
    assert allocate(total, weights) == shares
    assert sum(shares) == total


def ev(kind: str, time: str, **data: Any) -> dict[str, Any]:
    return {"type": kind, "time": time, "data": {"currency": "CHF", "grant_id": "g"} | data}


def parts(**amounts: str) -> list[dict[str, str]]:
    return [{"category": c, "amount": a} for c, a in amounts.items()]


def figures(entries: list[tuple[int, dict[str, Any]]], **kw: Any) -> dict[tuple[str, ...], Any]:
    rows = report_json(donor_report(entries, **kw))["rows"]
    return {
        (r["month"], r["country"], r["category"]): {
            m: (r[m]["amount"], r[m]["indexes"]) for m in ("reserved", "released", "paid")
        }
        for r in rows
    }


def test_a_release_is_shared_over_its_reservations_categories() -> None:
    got = figures([
        (3, ev(RESERVED, "2026-01-02T00:00:00Z", reservation_id="r", case_id="c", country="KE",
               amount="300.00", by_category=parts(medical="200.00", legal="100.00"))),
        (7, ev(RELEASED, "2026-03-01T00:00:00Z", reservation_id="r", case_id="c", amount="0.05")),
    ])  # fmt: skip
    assert got[("2026-03", "KE", "medical")]["released"] == ("0.03", [7])
    assert got[("2026-03", "KE", "legal")]["released"] == ("0.02", [7])
    assert got[("2026-01", "KE", "medical")]["reserved"] == ("200.00", [3])


def test_what_by_category_leaves_out_is_unallocated_and_paid_on_dates_payments() -> None:
    got = figures([
        (1, ev(PAID, "2026-02-01T00:00:00Z", case_id="c", country="UG", amount="10.00",
               paid_on="2026-01-31", by_category=parts(social="4.00"))),
    ])  # fmt: skip
    assert got[("2026-01", "UG", "social")]["paid"] == ("4.00", [1])
    assert got[("2026-01", "UG", "unallocated")]["paid"] == ("6.00", [1])


def test_dates_outside_the_window_are_left_out_and_bad_entries_listed() -> None:
    entries = [
        (1, ev(RESERVED, "2026-01-31T23:59:59Z", reservation_id="a", country="KE",
               amount="5.00")),
        (2, ev(RESERVED, "2026-02-01T00:00:00Z", reservation_id="b", country="KE",
               amount="7.00")),
        (3, ev(RESERVED, "2026-02-02T00:00:00Z", country="KE", amount="1.234")),
        (4, {"type": RESERVED, "data": "?"}),
    ]  # fmt: skip
    report = donor_report(entries, start=date(2026, 2, 1), end=date(2026, 2, 28))
    body = report_json(report)
    assert [r["reserved"]["indexes"] for r in body["rows"]] == [[2]]
    assert body["unreadable_indexes"] == [3, 4]
    assert csv_rows(body["rows"])[1][:5] == ["2026-02", "KE", "unallocated", "CHF", "7.00"]
