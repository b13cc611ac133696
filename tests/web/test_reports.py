"""/reports/donor in the browser: a donor's grant as tables and charts with the audit service's
own figures (counts below five masked), the CSV and the PDF in the page's language, by keyboard
alone, axe clean in English and Arabic; a donor sees only their grants, other roles get 403."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from babel.numbers import format_currency
from playwright.sync_api import Browser, Page, expect
from support import Api
from support.browser import Site, check_accessible, new_page, signed_in
from support.donor_story import Funded, covered, donor_token, funded
from support.pdf_text import ARABIC, text_of

from dev.stack import Stack
from services.web.pages.reports import RENDER_SECONDS
from shared.charts import CHART_CSS

# The audit service renders one PDF at a time, slowly on a loaded machine: as long as the web
# service waits for one (reports.RENDER_SECONDS).
RENDER_MS = RENDER_SECONDS * 1000


@pytest.fixture(scope="module")
def mine(api: Api) -> Funded:
    story = funded(api, "Demo Donor")
    covered(api, story, api.tokens["donor-1"])
    return story


@pytest.fixture(scope="module")
def theirs(api: Api, stack: Stack) -> Funded:
    story = funded(api, "Other Donor")
    covered(api, story, donor_token(stack, story.donor))
    return story


def tab_to(page: Page, selector: str) -> None:
    for _ in range(80):
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with the Tab key")


def shown(cases: dict[str, Any]) -> str:
    if cases["count"] is not None:
        return str(cases["count"])
    return f"< {cases['below']}" if "below" in cases else f"≥ {cases['at_least']}"


def cells(page: Page, table: str, column: int) -> list[str]:
    found = page.locator(f"#{table} tbody tr > :nth-child({column})").all_inner_texts()
    return [" ".join(t.split()) for t in found]  # no-break spaces as spaces


def test_a_donor_reads_their_grants_report_with_the_keyboard_alone(
    page: Page, site: Site, api: Api, mine: Funded
) -> None:
    signed_in(page, site, "donor-1")
    page.goto("/reports/donor")
    check_accessible(page)
    tab_to(page, "#f-grant_id")
    page.keyboard.press("ArrowDown")  # the first grant after "Choose a grant"
    tab_to(page, "form[action='/reports/donor'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert f"grant_id={mine.grant_id}" in page.url
    expect(page.get_by_role("heading", level=2).first).to_contain_text(mine.grant_id)
    check_accessible(page)
    # The audit service's own figures at the head the page names (a newer head may have been
    # signed since: the figures of the story's grant only grow with new heads of other tests).
    body = covered(api, mine, api.tokens["donor-1"])
    countries = cells(page, "by-country", 1)
    assert countries == ["Burundi", "Rwanda"], countries
    assert cells(page, "by-country", 6) == [shown(r["cases"]) for r in body["by_country"]]
    assert [r["paid"]["amount"] for r in body["by_country"]] == ["660.50", "399.50"]
    assert cells(page, "by-country", 5) == [
        " ".join(format_currency(Decimal(r["paid"]["amount"]), "CHF", locale="en").split())
        for r in body["by_country"]
    ]
    assert cells(page, "by-category", 1) == ["Relocation", "Social"]
    assert "< 5" in cells(page, "by-country", 6), "counts below five are masked"
    assert cells(page, "timing", 2) == [
        shown(b["cases"]) for b in body["time_to_payment"]["buckets"]
    ]
    for key in ("chart-country", "chart-category", "chart-month", "chart-timing"):
        expect(page.locator(f"figure#{key} svg[role=img]")).to_have_count(1)
    # every figure links to its log entries
    entries = page.locator("#by-country tbody tr").first.locator("details a")
    indexes = {int(a) for a in entries.all_text_contents()}
    first = body["by_country"][0]
    assert indexes == {i for m in ("reserved", "released", "paid") for i in first[m]["indexes"]}
    # the downloads, by keyboard
    tab_to(page, "a[href^='/reports/donor/download'][href*='format=csv']")
    with page.expect_download() as got:
        page.keyboard.press("Enter")
    csv_text = Path(got.value.path()).read_text(encoding="utf-8")
    assert csv_text.startswith("month,country,category,currency")
    href = page.locator("a[href*='format=pdf']").get_attribute("href") or ""
    pdf = page.request.get(href, timeout=RENDER_MS)
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["cache-control"] == "no-store"
    assert "lang=en" in (page.locator("a[href*='format=pdf']").get_attribute("href") or "")
    assert pdf.headers["content-disposition"].endswith('-en.pdf"')
    assert mine.grant_id in text_of(pdf.body()) and not ARABIC.search(text_of(pdf.body()))


def test_the_report_in_arabic_runs_right_to_left_with_an_arabic_pdf(
    site: Site, browser: Browser, mine: Funded
) -> None:
    context, page, console = new_page(browser, site, language="ar")
    try:
        signed_in(page, site, "donor-1")
        page.goto(f"/reports/donor?grant_id={mine.grant_id}")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("figure#chart-country")).to_have_attribute("dir", "rtl")
        check_accessible(page)
        href = page.locator("a[href*='format=pdf']").get_attribute("href") or ""
        pdf = page.request.get(href, timeout=RENDER_MS)
        assert pdf.status == 200 and pdf.headers["content-disposition"].endswith('-ar.pdf"')
        assert ARABIC.search(text_of(pdf.body())), "the PDF is in the page's language"
        assert not console.errors, console.errors
    finally:
        context.close()


def test_a_donor_sees_only_their_grants(
    page: Page, site: Site, mine: Funded, theirs: Funded
) -> None:
    signed_in(page, site, "donor-1")
    page.goto("/reports/donor")
    options = page.locator("#f-grant_id option").evaluate_all("os => os.map(o => o.value)")
    assert mine.grant_id in options and theirs.grant_id not in options
    for path in (
        f"/reports/donor?grant_id={theirs.grant_id}",
        f"/reports/donor/download?grant_id={theirs.grant_id}&format=pdf",
        f"/reports/donor/download?grant_id={theirs.grant_id}&format=csv",
    ):
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        assert theirs.donor not in page.content()
    signed_in(page, site, "auditor-1")
    page.goto("/reports/donor")
    options = page.locator("#f-grant_id option").evaluate_all("os => os.map(o => o.value)")
    assert {mine.grant_id, theirs.grant_id} <= set(options)


@pytest.mark.parametrize("user", ["caseworker-a", "finance-1", "manager-1"])
def test_other_roles_get_403(page: Page, site: Site, user: str, mine: Funded) -> None:
    signed_in(page, site, user)
    for path in ("/reports/donor", f"/reports/donor/download?grant_id={mine.grant_id}&format=csv"):
        response = page.goto(path)
        assert response is not None and response.status == 403, (user, path)


def test_the_web_serves_the_charts_stylesheet_of_shared_charts() -> None:
    served = Path(__file__).parents[2] / "services" / "web" / "static" / "charts.css"
    assert served.read_text(encoding="utf-8") == CHART_CSS, "regenerate static/charts.css"


def test_a_refused_period_shows_next_to_its_field(page: Page, site: Site, mine: Funded) -> None:
    signed_in(page, site, "donor-1")
    response = page.goto(f"/reports/donor?grant_id={mine.grant_id}&from=2026-03-01&to=2026-02-01")
    assert response is not None and response.status == 200
    expect(page.locator("#f-from")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#by-country")).to_have_count(0)
    check_accessible(page)
