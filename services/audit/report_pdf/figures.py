"""What the report may show: cases behind each figure, and counts that could single a person out.

A count in the donor report is a number of cases: the distinct cases behind a figure (a row of
totals by country, category or month; a bar of the time to payment). A count below MIN_COUNT is
never shown exactly, only as "< 5"; and a total whose parts are counts (countries partition the
cases, buckets partition the paid cases) is shown exactly only when no hidden part could be
recovered from it by subtraction, else as "≥ 5".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MIN_COUNT = 5
MEASURES = ("reserved", "released", "paid")
BELOW = f"< {MIN_COUNT}"
AT_LEAST = f"≥ {MIN_COUNT}"


@dataclass(frozen=True)
class Count:
    """A number of cases and whether it may be shown as it is."""

    cases: int
    exact: bool

    @property
    def text(self) -> str:
        if self.exact:
            return str(self.cases)
        return BELOW if self.cases < MIN_COUNT else AT_LEAST


def count(cases: int) -> Count:
    return Count(cases, cases >= MIN_COUNT)


def total_count(total: int, parts: Sequence[int]) -> Count:
    """A total over parts that each are shown through count(): exact only when no hidden part
    (below MIN_COUNT) is given away — not when exactly one part is hidden and not empty, nor
    when the hidden parts must all be MIN_COUNT - 1 for the sum to add up."""
    hidden = [p for p in parts if p < MIN_COUNT]
    rest = sum(hidden)
    safe = not hidden or rest == 0 or (len(hidden) > 1 and rest < (MIN_COUNT - 1) * len(hidden))
    return Count(total, total >= MIN_COUNT and safe)


def case_index(entries: Iterable[tuple[int, Mapping[str, Any]]]) -> dict[int, str]:
    """Log index -> the case its event is about, for the entries that name one."""
    out: dict[int, str] = {}
    for index, event in entries:
        data = event.get("data")
        if isinstance(data, Mapping) and data.get("case_id") is not None:
            out[index] = str(data["case_id"])
    return out


def indexes_of(figures: Mapping[str, Any]) -> list[int]:
    """Every log index behind a report row's figures (reserved, released, paid)."""
    return sorted({i for m in MEASURES for i in figures[m]["indexes"]})


def cases_behind(figures: Mapping[str, Any], case_of: Mapping[int, str]) -> int:
    """Distinct cases behind a report row; every index must be one of the entries given."""
    missing = [i for i in indexes_of(figures) if i not in case_of]
    if missing:
        raise ValueError(
            f"the report names log indexes {missing[:5]} that are not among the "
            "entries given, or that name no case"
        )
    return len({case_of[i] for i in indexes_of(figures)})


def report_indexes(report: Mapping[str, Any]) -> set[int]:
    """Every log index the report names."""
    found = {i for row in report["rows"] for i in indexes_of(row)}
    return found | {int(i) for i in report.get("unreadable_indexes", [])}
