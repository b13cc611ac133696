"""Server-made bar charts: the table says what the bars draw, mirrored for right to left, same
bytes for the same figures, accessible names, nothing a CSP or an offline PDF engine refuses."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from shared import charts
from shared.charts import BarChart, Row, Value

SVG = "{http://www.w3.org/2000/svg}"


def fmt(n: Decimal | int) -> str:
    return f"#{n}"


def chart(**kw: object) -> BarChart:
    fields: dict[str, object] = {
        "key": "by-country",
        "title": "Money by country",
        "description": "Reserved and paid by country.",
        "label_header": "Country",
        "series": ("Reserved", "Paid"),
        "rows": (
            Row("Kenya", (Value(Decimal("200.00")), Value(Decimal("50.00")))),
            Row("Lebanon", (Value(Decimal("100.00")), Value(Decimal("0.00")))),
            Row("Uganda", (Value(3, "< 5", bound=True), Value(7))),
        ),
    }
    return BarChart(**(fields | kw))  # type: ignore[arg-type]


def tree(html: str) -> ET.Element:
    return ET.fromstring(html)


def bars(figure: ET.Element) -> list[ET.Element]:
    plot = figure.find(f".//{SVG}svg[@role='img']")
    assert plot is not None
    return list(plot.iter(f"{SVG}rect"))


def percent(value: str | None) -> Decimal:
    assert value is not None and value.endswith("%")
    return Decimal(value[:-1])


def test_the_table_holds_the_figures_the_bars_draw() -> None:
    figure = tree(charts.render(chart(), fmt=fmt))
    table = figure.find("table")
    assert table is not None
    header = [th.text for th in table.iter("th")][:3]
    assert header == ["Country", "Reserved", "Paid"]
    body = [[c.text for c in tr] for tr in table.iter("tr")][1:]
    assert body == [
        ["Kenya", "#200.00", "#50.00"],
        ["Lebanon", "#100.00", "#0.00"],
        ["Uganda", "< 5", "#7"],
    ]
    # Widths are shares of the largest figure; a zero draws nothing.
    widths = [percent(r.get("width")) for r in bars(figure)]
    assert widths == [Decimal("100.00"), Decimal("25.00"), Decimal("50.00"), Decimal("1.50"),
                      Decimal("3.50")]  # fmt: skip


def test_the_visible_values_and_labels_are_html_beside_the_bars() -> None:
    figure = tree(charts.render(chart(), fmt=fmt))
    labels = figure.find(".//div[@class='vf-chart-labels']")
    values = figure.find(".//div[@class='vf-chart-values']")
    assert labels is not None and values is not None
    assert [d.text for d in labels] == ["Kenya", "Lebanon", "Uganda"]
    assert [[s.text for s in d] for d in values] == [
        ["#200.00", "#50.00"],
        ["#100.00", "#0.00"],
        ["< 5", "#7"],
    ]
    assert labels.get("aria-hidden") == values.get("aria-hidden") == "true"
    assert not list(figure.iter(f"{SVG}text")), "SVG text is not shaped by WeasyPrint"


def test_a_bound_is_drawn_as_an_outline_not_as_a_length_that_gives_the_figure_away() -> None:
    figure = tree(charts.render(chart(), fmt=fmt))
    uganda_reserved = bars(figure)[3]
    assert uganda_reserved.get("fill") == "none"
    assert uganda_reserved.get("stroke-dasharray")
    solid = [r for r in bars(figure) if r.get("fill") != "none"]
    assert len(solid) == 4


def test_bars_grow_from_the_right_in_a_right_to_left_chart() -> None:
    ltr = tree(charts.render(chart(), fmt=fmt))
    rtl = tree(charts.render(chart(), fmt=fmt, rtl=True))
    assert (ltr.get("dir"), rtl.get("dir")) == ("ltr", "rtl")
    for left, right in zip(bars(ltr), bars(rtl), strict=True):
        assert percent(left.get("x")) == 0
        assert percent(right.get("x")) + percent(right.get("width")) == 100
        assert left.get("width") == right.get("width") and left.get("y") == right.get("y")
    axis = [line.get("x1") for line in rtl.iter(f"{SVG}line")]
    assert axis == ["100%"]


def test_the_svg_is_an_image_named_by_its_title_and_described_by_its_desc() -> None:
    figure = tree(charts.render(chart(), fmt=fmt))
    svg = figure.find(f".//{SVG}svg[@role='img']")
    assert svg is not None
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert svg.get("aria-labelledby") == title.get("id") == "by-country-title"
    assert svg.get("aria-describedby") == desc.get("id") == "by-country-desc"
    assert (title.text, desc.text) == ("Money by country", "Reserved and paid by country.")
    caption = figure.find("figcaption")
    assert caption is not None and figure.get("aria-labelledby") == caption.get("id")


def test_a_hidden_table_stays_for_screen_readers() -> None:
    figure = tree(charts.render(chart(), fmt=fmt, table_hidden=True))
    table = figure.find("table")
    assert table is not None and "vf-visually-hidden" in (table.get("class") or "")
    assert ".vf-visually-hidden {" in charts.CHART_CSS


def test_the_same_figures_give_the_same_bytes() -> None:
    assert charts.render(chart(), fmt=fmt) == charts.render(chart(), fmt=fmt)
    assert charts.render(chart(), fmt=fmt) != charts.render(chart(), fmt=fmt, rtl=True)


def test_text_is_escaped_and_nothing_runs_or_loads() -> None:
    hostile = chart(
        title="<script>alert(1)</script>",
        rows=(Row('"><img src=x onerror=alert(1)>', (Value(1), Value(2))),),
    )
    html = charts.render(hostile, fmt=fmt)
    tree(html)  # still well-formed
    html = html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # a name, never fetched
    for needle in ("<script", "<img", "style=", "href", "url(", "http:", "https:"):
        assert needle not in html
    for needle in ("url(", "@import", "http"):
        assert needle not in charts.CHART_CSS


def test_a_single_series_has_no_legend_and_several_have_one() -> None:
    one = tree(charts.render(chart(series=("Cases",), rows=(Row("0-2", (Value(5),)),)), fmt=fmt))
    two = tree(charts.render(chart(), fmt=fmt))
    assert one.find("ul") is None
    legend = two.find("ul")
    assert legend is not None and [li.text for li in legend] == [None, None]
    assert ["".join(li.itertext()) for li in legend] == ["Reserved", "Paid"]


def test_no_figures_draw_no_bars() -> None:
    figure = tree(charts.render(chart(rows=()), fmt=fmt))
    assert bars(figure) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"key": "Not An Id"}, "lowercase id"),
        ({"series": ()}, "1 to 3 series"),
        ({"series": ("a", "b", "c", "d")}, "1 to 3 series"),
        ({"rows": (Row("Kenya", (Value(1),)),)}, "1 values for 2 series"),
        ({"rows": (Row("Kenya", (Value(1), Value(-1))),)}, "negative"),
    ],
)
def test_a_chart_that_cannot_be_drawn_honestly_is_refused(
    change: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        charts.render(chart(**change), fmt=fmt)
