"""Server-made bar charts: SVG bars, HTML labels, and the same figures as a table for screen
readers.

A chart is one `<figure>`: its caption, a legend when it has several series, a plot whose bars are
one SVG (`role="img"` with `<title>` and `<desc>`) between a column of labels and a column of
values written as HTML, and a table of the same figures. Labels and values are HTML, not SVG text,
so that the browser or the PDF engine shapes and orders them like the rest of the page (WeasyPrint
draws SVG text code point by code point, which breaks Arabic). Bars are horizontal, their lengths
are percentages of the largest value, and in right-to-left charts they grow from the right.

No script, no external asset, no inline style (the web service's CSP forbids them): geometry is in
SVG attributes, the rest in CHART_CSS, which the caller serves or inlines. The same input gives the
same bytes. Numbers are formatted by the caller's `fmt` (Babel in the caller); a value may carry its
own text instead ("< 5") and be only an upper bound, drawn as a dashed outline.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from html import escape

Number = Decimal | int
Formatter = Callable[[Number], str]

SLOT = 16  # px of one series' bar slot in a row
BAR = 12  # px of a bar's thickness within its slot
PAD = 4  # px above and below a row's slots
MAX_SERIES = 3
COLOURS = ("#1d4e89", "#a34a00", "#3f6d16")  # >= 4.5:1 on white, apart in every colour vision
KEY = re.compile(r"^[a-z][a-z0-9-]{0,62}$")


@dataclass(frozen=True)
class Value:
    """One figure: `number` sets the bar; `text` (default: fmt(number)) is what a reader sees.

    `bound` marks `number` as an upper bound only (a count shown as "< 5"): the bar is drawn as a
    dashed outline up to the bound, never as a solid length that would give the figure away.
    """

    number: Number
    text: str | None = None
    bound: bool = False


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[Value, ...]


@dataclass(frozen=True)
class BarChart:
    """`key` is the chart's id in the page (ids of its parts derive from it); `series` name the
    values of every row, in order; `label_header` heads the table's label column."""

    key: str
    title: str
    description: str
    label_header: str
    series: tuple[str, ...]
    rows: tuple[Row, ...]


def row_height(series: int) -> int:
    return series * SLOT + 2 * PAD


def _check(chart: BarChart) -> None:
    if not KEY.match(chart.key):
        raise ValueError(f"chart key {chart.key!r} is not a lowercase id")
    if not 1 <= len(chart.series) <= MAX_SERIES:
        raise ValueError(f"a chart has 1 to {MAX_SERIES} series, not {len(chart.series)}")
    for row in chart.rows:
        if len(row.values) != len(chart.series):
            raise ValueError(
                f"row {row.label!r} has {len(row.values)} values for {len(chart.series)} series"
            )
        if any(v.number < 0 for v in row.values):
            raise ValueError(f"row {row.label!r} has a negative value: bars have no sign")


def _percent(number: Number, largest: Number) -> Decimal:
    if not largest:
        return Decimal(0)
    return (Decimal(number) * 100 / Decimal(largest)).quantize(Decimal("0.01"))


def _bars(chart: BarChart, rtl: bool) -> str:
    largest = max((v.number for row in chart.rows for v in row.values), default=0)
    height = row_height(len(chart.series))
    out = []
    for r, row in enumerate(chart.rows):
        for s, value in enumerate(row.values):
            width = _percent(value.number, largest)
            if not width:
                continue
            x = Decimal(100) - width if rtl else Decimal(0)
            y = r * height + PAD + s * SLOT + (SLOT - BAR) // 2
            colour = COLOURS[s]
            paint = (
                f'fill="none" stroke="{colour}" stroke-width="1.5" stroke-dasharray="3 2"'
                if value.bound
                else f'fill="{colour}"'
            )
            out.append(f'<rect x="{x}%" y="{y}" width="{width}%" height="{BAR}" {paint}/>')
    edge = "100%" if rtl else "0%"
    total = height * len(chart.rows)
    out.append(
        f'<line x1="{edge}" y1="0" x2="{edge}" y2="{total}" stroke="#444" stroke-width="2"/>'
    )
    return "".join(out)


def _text(value: Value, fmt: Formatter) -> str:
    return value.text if value.text is not None else fmt(value.number)


def _svg(chart: BarChart, rtl: bool) -> str:
    k = chart.key
    height = row_height(len(chart.series)) * len(chart.rows)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{k}-title" '
        f'aria-describedby="{k}-desc" focusable="false" width="100%" height="{height}">'
        f'<title id="{k}-title">{escape(chart.title)}</title>'
        f'<desc id="{k}-desc">{escape(chart.description)}</desc>'
        f"{_bars(chart, rtl)}</svg>"
    )


def _legend(chart: BarChart) -> str:
    if len(chart.series) < 2:
        return ""
    items = "".join(
        '<li><svg xmlns="http://www.w3.org/2000/svg" width="12" height="12" focusable="false">'
        f'<rect width="12" height="12" fill="{COLOURS[s]}"/></svg>{escape(name)}</li>'
        for s, name in enumerate(chart.series)
    )
    return f'<ul class="vf-chart-legend" aria-hidden="true">{items}</ul>'


def _table(chart: BarChart, fmt: Formatter, hidden: bool) -> str:
    cls = "vf-chart-table vf-visually-hidden" if hidden else "vf-chart-table"
    head = f'<th scope="col">{escape(chart.label_header)}</th>' + "".join(
        f'<th scope="col">{escape(name)}</th>' for name in chart.series
    )
    body = "".join(
        f'<tr><th scope="row">{escape(row.label)}</th>'
        + "".join(f"<td>{escape(_text(v, fmt))}</td>" for v in row.values)
        + "</tr>"
        for row in chart.rows
    )
    return (
        f'<table class="{cls}" id="{chart.key}-table"><caption>{escape(chart.title)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def render(
    chart: BarChart, *, fmt: Formatter, rtl: bool = False, table_hidden: bool = False
) -> str:
    """The chart as an HTML fragment (escaped; safe to insert as markup).

    table_hidden keeps the table for screen readers only (class vf-visually-hidden), for pages
    that show the same figures in a visible table of their own.
    """
    _check(chart)
    n = len(chart.series)
    labels = "".join(f"<div>{escape(row.label)}</div>" for row in chart.rows)
    values = "".join(
        "<div>" + "".join(f"<span>{escape(_text(v, fmt))}</span>" for v in row.values) + "</div>"
        for row in chart.rows
    )
    return (
        f'<figure class="vf-chart" id="{chart.key}" dir="{"rtl" if rtl else "ltr"}" '
        f'aria-labelledby="{chart.key}-caption">'
        f'<figcaption id="{chart.key}-caption">{escape(chart.title)}</figcaption>'
        f"{_legend(chart)}"
        f'<div class="vf-chart-plot vf-chart-series-{n}">'
        f'<div class="vf-chart-labels" aria-hidden="true">{labels}</div>'
        f'<div class="vf-chart-bars">{_svg(chart, rtl)}</div>'
        f'<div class="vf-chart-values" aria-hidden="true">{values}</div>'
        f"</div>{_table(chart, fmt, table_hidden)}</figure>"
    )


def _css() -> str:
    rows = "\n".join(
        f".vf-chart-series-{n} .vf-chart-labels > div {{ height: {row_height(n)}px; "
        f"line-height: {row_height(n)}px; }}\n"
        f".vf-chart-series-{n} .vf-chart-values > div {{ height: {row_height(n) - 2 * PAD}px; }}"
        for n in range(1, MAX_SERIES + 1)
    )
    return f"""\
.vf-chart {{ margin: 0 0 1.5em; break-inside: avoid; }}
.vf-chart figcaption {{ font-weight: bold; margin-block-end: 0.4em; }}
.vf-chart-legend {{ list-style: none; margin: 0 0 0.4em; padding: 0; }}
.vf-chart-legend li {{ display: inline-block; margin-inline-end: 1.2em; }}
.vf-chart-legend svg {{ vertical-align: middle; margin-inline-end: 0.3em; }}
.vf-chart-plot {{ display: flex; align-items: flex-start; gap: 6px; }}
.vf-chart-labels > div {{ white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  max-width: 14em; }}
.vf-chart-bars {{ flex: 1 1 auto; min-width: 6em; }}
.vf-chart-bars svg {{ display: block; }}
.vf-chart-values > div {{ padding-block: {PAD}px; }}
.vf-chart-values span {{ display: block; height: {SLOT}px; line-height: {SLOT}px;
  white-space: nowrap; font-variant-numeric: tabular-nums; }}
{rows}
.vf-visually-hidden {{ position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0;
  overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }}
"""


CHART_CSS = _css()
"""The stylesheet every page that shows charts includes (serve it, or inline it in a PDF)."""
