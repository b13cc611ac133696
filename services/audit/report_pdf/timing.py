"""Time from request to payment, from the log alone: a case's submission to its first payment sent.

Pure. A case counts in a period when its first payment on the grant (`payment.sent`, dated by the
bank's `paid_on`, else the event's time) falls within it; the wait is in whole days from the day
the request was submitted (UTC). Percentiles are nearest-rank, so each is a wait that occurred.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared.events import subjects
from shared.events.envelope import event_type

SUBMITTED = event_type(subjects.CASE_SUBMITTED)
PAID = event_type(subjects.PAYMENT_SENT)
# Whole days, both ends included; the last bucket is open.
BUCKETS: tuple[tuple[int, int | None], ...] = (
    (0, 2),
    (3, 7),
    (8, 14),
    (15, 30),
    (31, 60),
    (61, 90),
    (91, None),
)


@dataclass(frozen=True)
class Wait:
    case_id: str
    days: int
    submitted_index: int
    paid_index: int


@dataclass(frozen=True)
class Bucket:
    low: int
    high: int | None
    waits: tuple[Wait, ...]

    @property
    def cases(self) -> int:
        return len(self.waits)

    @property
    def indexes(self) -> tuple[int, ...]:
        return tuple(sorted(i for w in self.waits for i in (w.submitted_index, w.paid_index)))


@dataclass(frozen=True)
class PaymentTimes:
    waits: tuple[Wait, ...]
    buckets: tuple[Bucket, ...]
    # payments on the grant whose case's submission is not among the entries given
    without_request: tuple[int, ...]
    unreadable: tuple[int, ...]

    @property
    def cases(self) -> int:
        return len(self.waits)

    def percentile(self, p: int) -> int | None:
        """Nearest rank: the smallest wait that at least p% of the cases did not exceed."""
        if not self.waits:
            return None
        days = sorted(w.days for w in self.waits)
        return days[max(1, math.ceil(p * len(days) / 100)) - 1]

    @property
    def indexes(self) -> tuple[int, ...]:
        return tuple(sorted(i for b in self.buckets for i in b.indexes))


def _day(event: Mapping[str, Any]) -> date:
    return datetime.fromisoformat(str(event["time"])).date()


def _paid_day(event: Mapping[str, Any]) -> date:
    paid_on = event["data"].get("paid_on")
    return date.fromisoformat(paid_on) if isinstance(paid_on, str) else _day(event)


def payment_times(
    entries: Iterable[tuple[int, Mapping[str, Any]]],
    *,
    grant_id: str,
    start: date | None = None,
    end: date | None = None,
) -> PaymentTimes:
    """Waits of the grant's cases first paid within [start, end], from (index, event) entries:
    the grant's `payment.sent` entries and the `case.submitted` entries of its cases."""
    submitted: dict[str, tuple[date, int]] = {}
    first_paid: dict[str, tuple[date, int]] = {}
    unreadable: list[int] = []
    for index, event in entries:
        try:
            kind, data = event["type"], event["data"]
            if kind == SUBMITTED:
                case, day = str(data["case_id"]), _day(event)
                submitted[case] = min(submitted.get(case, (day, index)), (day, index))
            elif kind == PAID and data.get("grant_id") == grant_id:
                case, day = str(data["case_id"]), _paid_day(event)
                first_paid[case] = min(first_paid.get(case, (day, index)), (day, index))
        except (AttributeError, KeyError, TypeError, ValueError):
            unreadable.append(index)
    waits, without_request = [], []
    for case, (paid_day, paid_index) in first_paid.items():
        if (start and paid_day < start) or (end and paid_day > end):
            continue
        if case not in submitted:
            without_request.append(paid_index)
            continue
        asked_day, asked_index = submitted[case]
        if paid_day < asked_day:  # paid before it was asked for: the entries contradict
            unreadable.append(paid_index)
            continue
        waits.append(Wait(case, (paid_day - asked_day).days, asked_index, paid_index))
    waits.sort(key=lambda w: (w.days, w.paid_index))
    buckets = tuple(
        Bucket(
            low, high, tuple(w for w in waits if low <= w.days and (high is None or w.days <= high))
        )
        for low, high in BUCKETS
    )
    return PaymentTimes(
        tuple(waits), buckets, tuple(sorted(without_request)), tuple(sorted(unreadable))
    )
