"""Donor report: a payment the bank gave back after booking (`payment.failed` with
`returned_on`) no longer counts as paid; a failure before booking changes nothing paid; a return
logged before its `payment.sent` cancels that one when it comes; a payment paid again after a
return counts once."""

from __future__ import annotations

from typing import Any

from services.audit.domain.reports import FAILED, PAID, donor_report, report_json


def ev(kind: str, time: str, **data: Any) -> dict[str, Any]:
    return {"type": kind, "time": time, "data": {"currency": "CHF", "grant_id": "g"} | data}


def sent(payment: str, amount: str = "10.00") -> dict[str, Any]:
    return ev(PAID, "2026-02-01T00:00:00Z", payment_id=payment, case_id="c", country="UG",
              amount=amount, paid_on="2026-01-31",
              by_category=[{"category": "medical", "amount": amount}])  # fmt: skip


def failed(payment: str, returned_on: str | None) -> dict[str, Any]:
    return ev(FAILED, "2026-02-03T00:00:00Z", payment_id=payment, case_id="c", country="UG",
              amount="10.00", reason="AC04", returned_on=returned_on)  # fmt: skip


def paid(entries: list[tuple[int, dict[str, Any]]]) -> dict[tuple[str, str], Any]:
    rows = report_json(donor_report(entries))["rows"]
    return {(r["month"], r["category"]): (r["paid"]["amount"], r["paid"]["indexes"]) for r in rows}


def test_a_return_after_booking_takes_the_payment_out_of_paid() -> None:
    got = paid([(1, sent("p")), (2, failed("p", "2026-02-03"))])
    assert got[("2026-01", "medical")] == ("0.00", [1, 2])


def test_a_failure_before_booking_changes_nothing_paid() -> None:
    got = paid([(1, sent("p")), (2, failed("q", None))])
    assert got[("2026-01", "medical")] == ("10.00", [1])


def test_a_return_logged_first_cancels_its_payment_sent() -> None:
    got = paid([(1, failed("p", "2026-02-03")), (2, sent("p")), (3, sent("other", "5.00"))])
    assert got[("2026-01", "medical")] == ("5.00", [3])


def test_paid_again_after_a_return_counts_once() -> None:
    got = paid([(1, sent("p")), (2, failed("p", "2026-02-03")), (3, sent("p"))])
    assert got[("2026-01", "medical")] == ("10.00", [1, 2, 3])
