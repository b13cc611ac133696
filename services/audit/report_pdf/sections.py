"""The report's sections in one language: each table's rows, its charts and its annex rows. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from services.audit.report_pdf import figures
from services.audit.report_pdf.timing import PaymentTimes
from services.audit.report_pdf.words import Words
from shared import charts

EN_DASH = "\u2013"  # between the ends of a range of days


@dataclass(frozen=True)
class Line:
    """A table row: its reference in the annex, its label, its cells (already formatted)."""

    ref: str
    label: str
    cells: tuple[str, ...]


@dataclass(frozen=True)
class Trail:
    """An annex row: a figure's reference and label, and the log indexes behind each measure."""

    ref: str
    label: str
    lists: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    headers: tuple[str, ...]
    lines: tuple[Line, ...]
    charts: tuple[str, ...]
    trails: tuple[Trail, ...]


def indexes_text(indexes: Sequence[int]) -> str:
    """Log indexes as plain ASCII numbers (they are typed into /log and /proofs requests)."""
    return ", ".join(str(i) for i in sorted(indexes)) if indexes else "—"


def _money_cells(row: Mapping[str, Any], w: Words, cases: figures.Count) -> tuple[str, ...]:
    cur = str(row["currency"])
    money = [
        row["reserved"]["amount"],
        row["released"]["amount"],
        row["net_reserved"],
        row["paid"]["amount"],
    ]
    return (*(w.fmt.money(a, cur) for a in money), cases.text)


def _trail(ref: str, label: str, row: Mapping[str, Any], w: Words) -> Trail:
    lists = tuple((w.measures[m], indexes_text(row[m]["indexes"])) for m in figures.MEASURES)
    return Trail(ref, label, lists)


def _money_chart(
    key: str,
    title: str,
    desc: str,
    label_header: str,
    rows: Sequence[tuple[str, Mapping[str, Any]]],
    w: Words,
    rtl: bool,
) -> str:
    """Reserved and paid, one bar pair per row, of rows in one currency."""
    cur = str(rows[0][1]["currency"])
    chart = charts.BarChart(
        key=key,
        title=title,
        description=desc,
        label_header=label_header,
        series=(w.measures["reserved"], w.measures["paid"]),
        rows=tuple(
            charts.Row(
                label,
                (
                    charts.Value(Decimal(row["reserved"]["amount"])),
                    charts.Value(Decimal(row["paid"]["amount"])),
                ),
            )
            for label, row in rows
        ),
    )
    return charts.render(chart, fmt=lambda n: w.fmt.money(n, cur), rtl=rtl, table_hidden=True)


GROUPS = ("by_country", "by_category", "by_month")
REFS = {"totals": "T", "by_country": "C", "by_category": "K", "by_month": "M", "timing": "D"}


def group_section(
    name: str, report: Mapping[str, Any], case_of: Mapping[int, str], w: Words, rtl: bool
) -> Section:
    _ = w._
    field = name.removeprefix("by_")
    label_of = w.label_of(field)
    title, header, desc = {
        "country": (
            _("By country"),
            _("Country"),
            _("Money reserved and paid by country. The table gives the same figures."),
        ),
        "category": (
            _("By category of assistance"),
            _("Category"),
            _(
                "Money reserved and paid by category of assistance. The table gives the "
                "same figures."
            ),
        ),
        "month": (
            _("By month"),
            _("Month"),
            _("Money reserved and paid by month. The table gives the same figures."),
        ),
    }[field]
    lines, trails = [], []
    by_currency: dict[str, list[tuple[str, Mapping[str, Any]]]] = {}
    for n, row in enumerate(report[name], start=1):
        ref, label = f"{REFS[name]}{n}", label_of(str(row[field]))
        cases = figures.count(figures.cases_behind(row, case_of))
        lines.append(Line(ref, label, _money_cells(row, w, cases)))
        trails.append(_trail(ref, label, row, w))
        by_currency.setdefault(str(row["currency"]), []).append((label, row))
    chart_list = tuple(
        _money_chart(f"chart-{field}-{cur.lower()}", f"{title} ({cur})", desc, header, rows, w, rtl)
        for cur, rows in sorted(by_currency.items())
    )
    return Section(name, title, _headers(w, header), tuple(lines), chart_list, tuple(trails))


def _headers(w: Words, first: str) -> tuple[str, ...]:
    _ = w._
    return (first, _("Reserved"), _("Released"), _("Net reserved"), _("Paid"), _("Cases"))


def totals_section(report: Mapping[str, Any], case_of: Mapping[int, str], w: Words) -> Section:
    _ = w._
    lines, trails = [], []
    for n, row in enumerate(report["totals"], start=1):
        ref, cur = f"T{n}", str(row["currency"])
        parts = [
            figures.cases_behind(c, case_of) for c in report["by_country"] if c["currency"] == cur
        ]
        cases = figures.total_count(figures.cases_behind(row, case_of), parts)
        label = _("All figures in %(currency)s") % {"currency": cur}
        lines.append(Line(ref, label, _money_cells(row, w, cases)))
        trails.append(_trail(ref, label, row, w))
    return Section(
        "totals", _("Totals"), _headers(w, _("Currency")), tuple(lines), (), tuple(trails)
    )


def timing_section(times: PaymentTimes, w: Words, rtl: bool) -> Section:
    """The distribution of waits; empty (the page then says so) when no case was paid."""
    _ = w._
    lines, trails, bars = [], [], []
    header = _("Days from request to payment")
    title = _("Time from request to payment")
    if not times.cases:
        return Section("timing", title, (header, _("Cases")), (), (), ())
    for n, bucket in enumerate(times.buckets, start=1):
        low = w.fmt.number(bucket.low)
        label = (
            f"{low}{EN_DASH}{w.fmt.number(bucket.high)}"
            if bucket.high is not None
            else _("%(days)s or more") % {"days": low}
        )
        shown = figures.count(bucket.cases)
        ref = f"D{n}"
        lines.append(Line(ref, label, (shown.text,)))
        trails.append(
            Trail(ref, label, ((_("Requests and payments"), indexes_text(bucket.indexes)),))
        )
        value = (
            charts.Value(bucket.cases)
            if shown.exact
            else charts.Value(figures.MIN_COUNT, shown.text, bound=True)
        )
        bars.append(charts.Row(label, (value,)))
    chart = charts.BarChart(
        key="chart-time-to-payment",
        title=title,
        description=_(
            "Cases by the number of days from the request to its first payment. "
            "The table gives the same figures."
        ),
        label_header=header,
        series=(_("Cases"),),
        rows=tuple(bars),
    )
    html = charts.render(chart, fmt=w.fmt.number, rtl=rtl, table_hidden=True)
    return Section("timing", title, (header, _("Cases")), tuple(lines), (html,), tuple(trails))


def timing_summary(times: PaymentTimes, w: Words) -> tuple[tuple[str, str], ...]:
    _ = w._
    paid = figures.total_count(times.cases, [b.cases for b in times.buckets])
    few = _("not shown: fewer than %(n)s cases") % {"n": figures.MIN_COUNT}
    p50, p90 = times.percentile(50), times.percentile(90)
    enough = times.cases >= figures.MIN_COUNT
    return (
        (_("Cases first paid in the period"), paid.text),
        (_("Median wait (p50)"), w.days(p50) if enough and p50 is not None else few),
        (_("90th percentile (p90)"), w.days(p90) if enough and p90 is not None else few),
    )
