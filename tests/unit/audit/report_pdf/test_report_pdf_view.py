"""What the PDF shows, before layout: the JSON report's figures, cases masked, the annex's
indexes, the tree head; and a report that does not match its head or entries is refused."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pdf_story import CASES, GRANT, OTHER_GRANT, story, view

from services.audit.report_pdf.figures import MEASURES
from services.audit.report_pdf.sections import EN_DASH, Section

SECTION_ROWS = {"totals": "totals", "by_country": "by_country", "by_category": "by_category",
                "by_month": "by_month"}  # fmt: skip


def section(key: str, lang: str = "en") -> Section:
    return next(s for s in view(lang).sections if s.key == key)  # type: ignore[arg-type]


@pytest.mark.parametrize("key", list(SECTION_ROWS))
def test_every_money_cell_is_the_json_reports_figure(key: str) -> None:
    report = story().report()
    lines = section(key).lines
    assert len(lines) == len(report[key])
    for line, row in zip(lines, report[key], strict=True):
        money = [row["reserved"]["amount"], row["released"]["amount"], row["net_reserved"],
                 row["paid"]["amount"]]  # fmt: skip
        assert list(line.cells[:4]) == [f"CHF{float(a):,.2f}" for a in money]


def test_cases_per_country_are_counted_from_the_log_and_lebanons_three_are_hidden() -> None:
    cases = {line.label: line.cells[4] for line in section("by_country").lines}
    assert cases == {"Kenya (KE)": "7", "Lebanon (LB)": "< 5", "Uganda (UG)": "5"}
    assert [c for c, *_ in CASES].count("LB") == 3
    # One country hidden: the total of 15 would give Lebanon's 3 away.
    assert section("totals").lines[0].cells[4] == "≥ 5"


@pytest.mark.parametrize("lang", ["en", "fr", "es", "ar"])
def test_no_count_of_cases_below_five_shows_in_any_section(lang: str) -> None:
    for sec in view(lang).sections:  # type: ignore[arg-type]
        for line in sec.lines:
            shown = line.cells[-1]
            assert shown in ("< 5", "≥ 5") or int(shown) >= 5, (sec.key, line)
    for _, shown in view(lang).timing[:1]:  # type: ignore[arg-type]
        assert shown in ("< 5", "≥ 5") or int(shown) >= 5


def test_time_to_payment_masks_small_buckets_and_gives_percentiles_in_days() -> None:
    lines = section("timing").lines
    labels = ["0-2", "3-7", "8-14", "15-30", "31-60", "61-90", "91 or more"]
    assert [line.label.replace(EN_DASH, "-") for line in lines] == labels
    assert [line.cells for line in lines] == [("5",)] + [("< 5",)] * 6
    # 14 paid cases over seven buckets, six of them hidden with 9 cases: no part can be worked out.
    assert view().timing == (
        ("Cases first paid in the period", "14"),
        ("Median wait (p50)", "6 days"),
        ("90th percentile (p90)", "70 days"),
    )
    assert view("ar").timing[1][1] == "6 أيام" and view("ar").timing[2][1] == "70 يومًا"
    assert view("fr").timing[1][1] == "6 jours"


def test_percentiles_of_fewer_than_five_cases_are_not_shown() -> None:
    few = view(start=date(2026, 5, 1))  # only the 100-day wait, paid in May
    assert few.timing == (
        ("Cases first paid in the period", "< 5"),
        ("Median wait (p50)", "not shown: fewer than 5 cases"),
        ("90th percentile (p90)", "not shown: fewer than 5 cases"),
    )


@pytest.mark.parametrize("key", list(SECTION_ROWS))
def test_the_annex_lists_every_figures_log_indexes(key: str) -> None:
    report = story().report()
    trails = section(key).trails
    for trail, row in zip(trails, report[key], strict=True):
        expected = [", ".join(map(str, row[m]["indexes"])) or "—" for m in MEASURES]
        assert [indexes for _, indexes in trail.lists] == expected


def test_the_annex_of_the_time_to_payment_names_each_request_and_payment() -> None:
    s = story()
    trails = section("timing").trails
    first = [int(i) for i in trails[0].lists[0][1].split(", ")]
    kinds = sorted({s.events[i]["type"].split(".")[-2] for i in first})
    assert kinds == ["sent", "submitted"]
    assert {s.events[i]["data"]["case_id"] for i in first} == {
        f"case-{n:06d}" for n, (_, wait, _) in enumerate(CASES) if wait is not None and wait <= 2
    }


def test_no_entry_of_another_grant_is_behind_any_figure() -> None:
    s = story()
    named = {
        int(i)
        for sec in view().sections
        for trail in sec.trails
        for _, indexes in trail.lists
        for i in indexes.split(", ")
        if i != "—"
    }
    assert named
    for i in named:
        data = s.events[i]["data"]
        assert data.get("grant_id", GRANT) == GRANT and not data["case_id"].startswith("other")
    assert any(e["data"].get("grant_id") == OTHER_GRANT for e in s.events)


def test_the_tree_head_is_shown_as_signed() -> None:
    head = story().head()
    shown = dict(view().head)
    assert shown == {
        "Tree size": str(head["tree_size"]),
        "Root hash": head["root_hash"],
        "Signed at": head["timestamp"],
        "Signature": head["signature"],
        "Key id": head["key_id"],
    }


def test_a_report_with_entries_beyond_its_tree_head_is_refused() -> None:
    head = story().head() | {"tree_size": 50}
    with pytest.raises(ValueError, match="beyond the tree head's 50 entries"):
        view(head=head)


def test_a_report_whose_indexes_are_not_among_the_entries_is_refused() -> None:
    entries = [(i, e) for i, e in story().report_entries() if i != 40]
    with pytest.raises(ValueError, match=r"\[40\]"):
        view(entries=entries)


def test_a_language_without_a_catalogue_is_refused() -> None:
    with pytest.raises(ValueError, match="'de'"):
        view(lang="de")


@pytest.mark.parametrize(
    ("start", "end", "text"),
    [
        (date(2026, 1, 1), date(2026, 3, 31), "From January 1, 2026 to March 31, 2026"),
        (date(2026, 1, 1), None, "From January 1, 2026"),
        (None, date(2026, 3, 31), "Up to March 31, 2026"),
        (None, None, "Every entry of the grant up to the tree head"),
    ],
)
def test_the_period_reads_as_a_sentence(start: Any, end: Any, text: str) -> None:
    assert view(start=start, end=end).period == text


def test_a_period_without_entries_has_empty_sections_and_hides_its_zero_counts() -> None:
    empty = view(start=date(2030, 1, 1))
    assert all(not s.lines and not s.trails and not s.charts for s in empty.sections)
    assert empty.timing[0] == ("Cases first paid in the period", "< 5")
    assert empty.unreadable is None and empty.without_request is None
