"""/queue/medical, /queue/legal, /queue/decision in a real Chromium: most urgent and oldest
first, deadlines and time left in the reader's language, overdue cases marked, filters, the
counts on the home page; each queue for its own role only; every language, axe, keyboard."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from babel import dates
from playwright.sync_api import Browser, Page, expect
from support import Api
from support.assessment_pages import (
    check_headers,
    check_page,
    in_languages,
    inject,
    signed_in_speaking,
    tab_to,
)
from support.browser import Site, signed_in

COUNTRY = "IS"  # no other test files a case from Iceland: the filter shows this test's cases


def references(page: Page, tag: str) -> list[str]:
    cells = page.locator("#queue tbody tr td:first-child").all_inner_texts()
    return [c.strip() for c in cells if tag in c]


def test_the_most_urgent_and_oldest_come_first_and_the_overdue_are_marked(
    page: Page, browser: Browser, site: Site, api: Api
) -> None:
    now = datetime.now(UTC)
    tag = uuid.uuid4().hex[:6].upper()
    made = {
        name: inject(
            api,
            country=COUNTRY,
            urgency=urgency,
            submitted_at=now - age,
            reference=f"VF-Q-{tag}-{name}",
        )[1]
        for name, urgency, age in (
            ("new-standard", "standard", timedelta(0)),
            ("new-emergency", "emergency", timedelta(hours=2)),
            ("late-emergency", "emergency", timedelta(hours=30)),
            ("old-standard", "standard", timedelta(days=10)),
        )
    }
    signed_in(page, site, "medical-1")
    check_headers(page.goto(f"/queue/medical?country={COUNTRY}"))
    order = ["late-emergency", "new-emergency", "old-standard", "new-standard"]
    assert references(page, tag) == [made[n] for n in order]
    late = page.locator("#queue tbody tr", has_text=made["late-emergency"])
    expect(late).to_have_class("overdue")
    expect(late).to_contain_text("Overdue by 6 hours")
    # The emergency assessment deadline (24 hours) in the reader's language, by Babel.
    due = dates.format_datetime(
        now - timedelta(hours=30) + timedelta(hours=24), "medium", locale="en"
    )
    expect(late.locator("td").nth(5)).to_have_text(due)
    soon = page.locator("#queue tbody tr", has_text=made["new-emergency"])
    expect(soon).to_contain_text("22 hours left")
    expect(soon).not_to_have_class("overdue")
    # Ten days left, as Babel says it in English ("1 week").
    ten_days = dates.format_timedelta(timedelta(days=10, seconds=-5), threshold=1.0, locale="en")
    expect(page.locator("#queue tbody tr", has_text=made["old-standard"])).to_contain_text(
        f"{ten_days} left"
    )
    check_page(page, "en")

    page.get_by_label("Urgency").select_option("emergency")
    page.get_by_role("button", name="Filter").click()
    assert references(page, tag) == [made["late-emergency"], made["new-emergency"]]
    assert "urgency=emergency" in page.url and f"country={COUNTRY}" in page.url
    page.get_by_label("Country code").fill("Iceland")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("alert")).to_contain_text("Enter a two-letter country code")
    expect(page.get_by_label("Country code")).to_have_attribute("aria-invalid", "true")

    context, arabic, _ = signed_in_speaking(browser, site, "medical-1", "ar")
    try:
        arabic.goto(f"/queue/medical?country={COUNTRY}")
        late_ar = arabic.locator("#queue tbody tr", has_text=made["late-emergency"])
        due_ar = dates.format_datetime(now - timedelta(hours=6), "medium", locale="ar")
        expect(late_ar.locator("td").nth(5)).to_have_text(due_ar)
        hours = dates.format_timedelta(timedelta(hours=6), threshold=1.0, locale="ar")
        expect(late_ar).to_contain_text(hours)
        check_page(arabic, "ar")
    finally:
        context.close()


def test_the_home_page_counts_what_waits_in_each_queue(page: Page, site: Site, api: Api) -> None:
    for user, kind, title in (
        ("medical-1", "medical", "Medical assessments waiting"),
        ("manager-1", "decision", "Decisions waiting"),
    ):
        waiting = api.get("assessment", f"/queue?kind={kind}&limit=50", user=user).json()["items"]
        signed_in(page, site, user)
        page.goto("/")
        box = page.locator(f"#section-{kind}")
        expect(box.get_by_role("heading")).to_have_text(title)
        expect(box.locator(".figure")).to_have_text(str(len(waiting)))
        box.get_by_role("link", name=f"Open {title}").click()
        assert page.url.endswith(f"/queue/{kind}")


def test_each_queue_is_for_its_role_and_unknown_things_are_not_found(
    browser: Browser, site: Site
) -> None:
    for user, path in (
        ("legal-1", "/queue/medical"),
        ("medical-1", "/queue/decision"),
        ("manager-1", "/queue/legal"),
        ("caseworker-a", "/queue/medical"),
        ("finance-1", "/assessment/cases/" + str(uuid.uuid4())),
    ):
        context, page, _ = signed_in_speaking(browser, site, user, "fr")
        try:
            response = page.goto(path)
            assert response is not None and response.status == 403, (user, path)
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "Vous ne pouvez pas ouvrir cette page"
            )
        finally:
            context.close()
    context, page, _ = signed_in_speaking(browser, site, "medical-1", "fr")
    try:
        for path in (
            "/queue/other",
            f"/assessment/cases/{uuid.uuid4()}",
            "/assessment/cases/a%20b",
        ):
            response = page.goto(path)
            assert response is not None and response.status == 404, path
            expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
        nav = page.get_by_role("navigation", name="Navigation principale")
        expect(nav.get_by_role("link", name="File médicale")).to_be_visible()
        expect(nav.get_by_role("link", name="Décisions")).to_have_count(0)
    finally:
        context.close()


def test_every_queue_in_every_language(browser: Browser, site: Site) -> None:
    in_languages(browser, site, "medical-1", ["/queue/medical"])
    in_languages(browser, site, "legal-1", ["/queue/legal"])
    in_languages(browser, site, "manager-1", ["/queue/decision"])


def test_filtering_and_opening_a_case_with_the_keyboard_alone(
    page: Page, site: Site, api: Api
) -> None:
    case_id, reference = inject(
        api, country=COUNTRY, urgency="emergency", submitted_at=datetime.now(UTC)
    )
    signed_in(page, site, "medical-1")
    page.goto("/queue/medical")
    tab_to(page, "#f-country")
    page.keyboard.type(COUNTRY)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert f"country={COUNTRY}" in page.url
    tab_to(page, f"a[href='/assessment/cases/{case_id}']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {reference}")
