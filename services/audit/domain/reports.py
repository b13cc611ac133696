"""Donor reports from the log alone: reserved, released and paid per month, country, category.

Pure: takes (index, event) pairs read from the log and returns figures that each list the log
indexes behind them. A release names no country or categories: it takes its reservation's (found
in the log by reservation_id, else the case's latest reservation of the grant) and is shared out
over that reservation's categories in proportion, in whole minor units (largest remainder).

Paid is what the bank kept: a payment the bank gave back after booking (`payment.failed` with
`returned_on`, from a bank statement's return or reversal) no longer counts; its amount leaves the
figures its `payment.sent` was counted in, and the return's index joins theirs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from shared.events import subjects
from shared.events.envelope import event_type
from shared.money import MoneyError, from_minor, to_minor

RESERVED = event_type(subjects.BUDGET_RESERVED)
RELEASED = event_type(subjects.BUDGET_RELEASED)
PAID = event_type(subjects.PAYMENT_SENT)
FAILED = event_type(subjects.PAYMENT_FAILED)
REPORT_TYPES = (RESERVED, RELEASED, PAID, FAILED)
UNALLOCATED = "unallocated"
UNKNOWN_COUNTRY = "unknown"

Measure = Literal["reserved", "released", "paid"]
MEASURES: tuple[Measure, ...] = ("reserved", "released", "paid")
Key = tuple[str, str, str, str]  # month, country, category, currency


@dataclass
class Figure:
    minor: int = 0
    indexes: list[int] = field(default_factory=list)

    def add(self, minor: int, index: int) -> None:
        self.minor += minor
        if index not in self.indexes:
            self.indexes.append(index)


@dataclass
class Cell:
    figures: dict[Measure, Figure] = field(default_factory=lambda: {m: Figure() for m in MEASURES})


@dataclass
class Report:
    cells: dict[Key, Cell] = field(default_factory=dict)
    unreadable: list[int] = field(default_factory=list)

    def add(self, key: Key, measure: Measure, minor: int, index: int) -> None:
        self.cells.setdefault(key, Cell()).figures[measure].add(minor, index)


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split total minor units in proportion to weights, exactly (largest remainder first)."""
    whole = sum(weights)
    if whole <= 0:
        return [total] + [0] * (len(weights) - 1) if weights else []
    shares = [total * w // whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in order[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _day(event: dict[str, Any], data: dict[str, Any], measure: Measure) -> date:
    paid_on = data.get("paid_on")
    if measure == "paid" and isinstance(paid_on, str):
        return date.fromisoformat(paid_on)
    return datetime.fromisoformat(str(event["time"])).date()


def _split(data: dict[str, Any], currency: str) -> list[tuple[str, int]]:
    """(category, minor units) parts of an amount; what by_category leaves out is unallocated."""
    total = to_minor(str(data["amount"]), currency)
    parts = [
        (str(part["category"]), to_minor(str(part["amount"]), currency))
        for part in data.get("by_category") or []
    ]
    rest = total - sum(minor for _, minor in parts)
    if rest < 0:  # shares beyond the amount: no figure can be made of it
        raise ValueError("the amount's shares by category exceed it")
    return [*parts, (UNALLOCATED, rest)] if rest else parts


class _Reservations:
    def __init__(self) -> None:
        self.by_id: dict[str, dict[str, Any]] = {}
        self.by_case: dict[str, dict[str, Any]] = {}

    def add(self, data: dict[str, Any]) -> None:
        self.by_id[str(data.get("reservation_id"))] = data
        self.by_case[str(data.get("case_id"))] = data

    def of(self, data: dict[str, Any]) -> dict[str, Any] | None:
        found = self.by_id.get(str(data.get("reservation_id")))
        return found or self.by_case.get(str(data.get("case_id")))


class _Paid:
    """Per payment, the figures its latest `payment.sent` was counted in, so that a return takes
    exactly them back; a return logged before its payment's `payment.sent` (events of two
    transactions may be logged out of order) cancels that one when it comes."""

    def __init__(self) -> None:
        self.counted: dict[str, list[tuple[Key, int]]] = {}
        self.early: dict[str, int] = {}

    def sent(self, payment_id: object) -> bool:
        """Whether this `payment.sent` counts (no return came for it first); one naming no
        payment counts and cannot be returned."""
        if payment_id is None:
            return True
        payment_id = str(payment_id)
        if self.early.get(payment_id, 0) > 0:
            self.early[payment_id] -= 1
            return False
        self.counted[payment_id] = []
        return True

    def returned(self, report: Report, payment_id: str, index: int) -> None:
        parts = self.counted.pop(payment_id, None)
        if parts is None:
            self.early[payment_id] = self.early.get(payment_id, 0) + 1
            return
        for key, minor in parts:
            report.add(key, "paid", -minor, index)


def donor_report(
    entries: Iterable[tuple[int, dict[str, Any]]],
    *,
    start: date | None = None,
    end: date | None = None,
) -> Report:
    """Figures of one grant's entries (in log order) dated within [start, end]."""
    report, reservations, paid = Report(), _Reservations(), _Paid()
    for index, event in entries:
        try:
            if event["type"] == FAILED:
                if event["data"].get("returned_on") is not None:
                    paid.returned(report, str(event["data"]["payment_id"]), index)
                continue
            if event["type"] == PAID and not paid.sent(event["data"].get("payment_id")):
                continue
            _apply(report, reservations, index, event, start, end, paid)
        except (KeyError, TypeError, ValueError, MoneyError):
            report.unreadable.append(index)
    return report


def _apply(
    report: Report,
    reservations: _Reservations,
    index: int,
    event: dict[str, Any],
    start: date | None,
    end: date | None,
    paid: _Paid,
) -> None:
    data: dict[str, Any] = event["data"]
    kind = event["type"]
    measure: Measure = {RESERVED: "reserved", RELEASED: "released"}.get(kind, "paid")  # type: ignore[assignment]
    currency = str(data["currency"])
    if kind == RESERVED:
        reservations.add(data)
    day = _day(event, data, measure)
    reservation = reservations.of(data) or {}
    country = str(data.get("country") or reservation.get("country") or UNKNOWN_COUNTRY)
    if kind == RELEASED:
        total = to_minor(str(data["amount"]), currency)
        basis = _split(reservation, currency) if reservation else [(UNALLOCATED, 1)]
        shares = allocate(total, [minor for _, minor in basis])
        parts = [(category, share) for (category, _), share in zip(basis, shares, strict=True)]
    else:
        parts = _split(data, currency)
    if (start and day < start) or (end and day > end):
        return
    month = f"{day.year:04d}-{day.month:02d}"
    for category, minor in parts:
        if minor:
            key = (month, country, category, currency)
            report.add(key, measure, minor, index)
            if kind == PAID and data.get("payment_id") is not None:
                paid.counted[str(data["payment_id"])].append((key, minor))


def _figure(figure: Figure, currency: str) -> dict[str, Any]:
    return {"amount": from_minor(figure.minor, currency), "indexes": sorted(figure.indexes)}


def _figures(cells: Iterable[Cell], currency: str) -> dict[str, Any]:
    total = {m: Figure() for m in MEASURES}
    for cell in cells:
        for m in MEASURES:
            total[m].minor += cell.figures[m].minor
            total[m].indexes.extend(i for i in cell.figures[m].indexes if i not in total[m].indexes)
    out: dict[str, Any] = {m: _figure(total[m], currency) for m in MEASURES}
    out["net_reserved"] = from_minor(total["reserved"].minor - total["released"].minor, currency)
    return out


def report_json(report: Report) -> dict[str, Any]:
    """Rows at the finest grain, then the same figures rolled up by country, category, month."""
    keys = sorted(report.cells)
    rows = [
        {"month": k[0], "country": k[1], "category": k[2], "currency": k[3]}
        | _figures([report.cells[k]], k[3])
        for k in keys
    ]
    rollups: dict[str, list[dict[str, Any]]] = {}
    for name, position in (("by_country", 1), ("by_category", 2), ("by_month", 0)):
        groups: dict[tuple[str, str], list[Cell]] = defaultdict(list)
        for k in keys:
            groups[(k[position], k[3])].append(report.cells[k])
        rollups[name] = [
            {name.removeprefix("by_"): g, "currency": cur} | _figures(cells, cur)
            for (g, cur), cells in sorted(groups.items())
        ]
    currencies = sorted({k[3] for k in keys})
    totals = [
        {"currency": cur} | _figures([report.cells[k] for k in keys if k[3] == cur], cur)
        for cur in currencies
    ]
    return {"rows": rows, **rollups, "totals": totals, "unreadable_indexes": report.unreadable}


CSV_COLUMNS = (
    "month",
    "country",
    "category",
    "currency",
    "reserved",
    "released",
    "net_reserved",
    "paid",
    "reserved_indexes",
    "released_indexes",
    "paid_indexes",
)


def csv_rows(report_rows: list[dict[str, Any]]) -> list[list[str]]:
    """The JSON report's rows as CSV records; indexes separated by spaces."""
    return [list(CSV_COLUMNS)] + [
        [row["month"], row["country"], row["category"], row["currency"]]
        + [row["reserved"]["amount"], row["released"]["amount"]]
        + [row["net_reserved"], row["paid"]["amount"]]
        + [" ".join(map(str, row[m]["indexes"])) for m in MEASURES]
        for row in report_rows
    ]
