"""The new-case form (issue 17): item rows added and removed in place, and without JavaScript;
intake's refusals next to their fields in the person's language with nothing typed lost; one
case however often the same form is sent; every page in Arabic, right to left, axe-clean."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, Page, Request, expect
from support import Api, wait_for
from support.browser import Site, check_accessible, new_page, signed_in
from support.case_pages import Victim, case_id_of, intake_case, org_case_count, said, today
from support.factories import case_body


def fill(
    page: Page,
    victim: Victim,
    *,
    amount: str = "1200.00",
    country: str = "LB",
    language: str = "en",
) -> None:
    """The form filled the quick way (the keyboard's way is the journey's), found by the
    labels the person reads in their language."""

    def field(label: str) -> Any:
        return page.get_by_label(said(language, label), exact=True)

    page.goto("/cases/new")
    field("Full name").fill(victim.name)
    field("How to reach the victim").fill(victim.contact)
    field("Country where the help is given").fill(country)
    field("Standard").check()
    field("Kind of help").select_option("medical")
    field("What is needed").fill(f"Surgery {victim.tag}")
    field("Amount").fill(amount)
    field("Currency").select_option("CHF")
    field("The facts").fill(victim.facts)
    field("No other support can be reached for this help.").check()
    field("The victim agreed that this request and their data are sent to the fund.").check()
    field("Day consent was given").fill(today())


def descriptions(page: Page) -> list[str]:
    return [
        page.locator(f"[name='items.{n}.description']").input_value()
        for n in range(page.locator("textarea[name$='.description']").count())
    ]


def test_item_rows_are_added_and_removed_in_place(page: Page, site: Site) -> None:
    signed_in(page, site, "caseworker-a")
    page.goto("/cases/new")
    page.get_by_label("Full name").fill("Kept while rows change")
    page.evaluate("window.vfundSamePage = true")
    for n in (1, 2):
        page.get_by_role("button", name="Add an item").click()
        expect(page.get_by_label("Kind of help").nth(n)).to_be_focused()
        page.get_by_label("What is needed").nth(n).fill(f"row {n}")
    page.get_by_label("What is needed").nth(0).fill("row 0")
    page.get_by_role("button", name="Remove item 2").click()
    expect(page.get_by_role("button", name="Add an item")).to_be_focused()
    assert descriptions(page) == ["row 0", "row 2"]
    assert page.evaluate("window.vfundSamePage") is True, "the page was not loaded again"
    expect(page.get_by_label("Full name")).to_have_value("Kept while rows change")
    expect(page.get_by_role("button", name="Remove item 2")).to_be_visible()
    check_accessible(page)


def test_without_javascript_the_buttons_send_the_form_back_with_a_row_more_or_less(
    browser: Browser, site: Site, api: Api
) -> None:
    signing, page, _ = new_page(browser, site)
    signed_in(page, site, "caseworker-a")
    cookies = signing.cookies()
    signing.close()
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    try:
        context.add_cookies(cookies)
        page = context.new_page()
        victim = Victim()
        fill(page, victim)
        page.get_by_role("button", name="Add an item").click()
        expect(page.get_by_label("Kind of help")).to_have_count(2)
        page.get_by_label("Kind of help").nth(1).select_option("legal")
        page.get_by_label("What is needed").nth(1).fill("A lawyer")
        page.get_by_label("Amount").nth(1).fill("300")
        page.get_by_label("Currency").nth(1).select_option("EUR")
        page.get_by_role("button", name="Add an item").click()
        page.get_by_role("button", name="Remove item 3").click()
        expect(page.get_by_label("Kind of help")).to_have_count(2)
        expect(page.get_by_label("Full name")).to_have_value(victim.name)
        before = org_case_count(api)
        page.get_by_role("button", name="Send the request").click()
        expect(page.get_by_role("status")).to_contain_text("Your request was sent.")
        case = intake_case(api, case_id_of(page))
        assert [(i["category"], i["amount"], i["currency"]) for i in case["items"]] == [
            ("medical", "1200.00", "CHF"),
            ("legal", "300.00", "EUR"),
        ]
        assert case["victim"]["full_name"] == victim.name
        assert org_case_count(api) == before + 1
    finally:
        context.close()


def test_refusals_show_next_to_their_fields_in_french_and_nothing_typed_is_lost(
    browser: Browser, site: Site, api: Api
) -> None:
    context, page, console = new_page(browser, site, language="fr")
    try:
        signed_in(page, site, "caseworker-a")
        victim = Victim()
        fill(page, victim, amount="10,001", country="Liban", language="fr")
        page.locator("[name='victim.date_of_birth']").fill("1899-12-31")
        page.locator("[name='consent.date']").fill("2999-01-01")
        page.locator("[name='no_other_support']").uncheck()
        before = org_case_count(api)
        page.get_by_role("button", name=said("fr", "Send the request")).click()
        expect(page.get_by_role("alert")).to_be_focused()
        assert page.locator("html").get_attribute("lang") == "fr"
        expected = {
            "items.0.amount": "Too many decimal places for this currency.",
            "victim.date_of_birth": "Enter a real date of birth: not in the future, not before 1900.",
            "consent.date": "Enter the day consent was given: not in the future, and within"
            " the last two years.",
            "no_other_support": "Confirm that no other support can be reached.",
        }
        for field, words in expected.items():
            expect(page.locator(f"[id='e-{field}-1']")).to_contain_text(said("fr", words))
            assert page.locator(f"[id='f-{field}']").get_attribute("aria-invalid") == "true"
        assert page.locator(".error-summary li").count() == len(expected)
        # What was typed is all there, as typed: "10,001" and "Liban" too.
        expect(page.locator("[name='victim.full_name']")).to_have_value(victim.name)
        expect(page.locator("[name='victim.contact']")).to_have_value(victim.contact)
        expect(page.locator("[name='facts']")).to_have_value(victim.facts)
        expect(page.locator("[name='items.0.description']")).to_have_value(f"Surgery {victim.tag}")
        expect(page.locator("[name='items.0.amount']")).to_have_value("10,001")
        expect(page.locator("[name='country']")).to_have_value("Liban")
        expect(page.locator("[name='victim.date_of_birth']")).to_have_value("1899-12-31")
        check_accessible(page)
        # Corrected the French way ("1 200,50", "Liban"), it is taken.
        page.locator("[name='items.0.amount']").fill("1 200,50")
        page.locator("[name='victim.date_of_birth']").fill("1979-02-03")
        page.locator("[name='consent.date']").fill(today())
        page.locator("[name='no_other_support']").check()
        page.get_by_role("button", name=said("fr", "Send the request")).click()
        expect(page.get_by_role("status")).to_be_visible()
        case = intake_case(api, case_id_of(page))
        assert (case["country"], case["items"][0]["amount"]) == ("LB", "1200.50")
        assert org_case_count(api) == before + 1
    finally:
        context.close()
    assert not console.errors, console.errors


def test_a_double_click_and_a_resent_form_create_one_case(page: Page, site: Site, api: Api) -> None:
    signed_in(page, site, "caseworker-a")
    victim = Victim()
    fill(page, victim)
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if r.method == "POST" else None)
    before = org_case_count(api)
    page.get_by_role("button", name="Send the request").dblclick()
    expect(page.get_by_role("status")).to_contain_text("Your request was sent.")
    case_id = case_id_of(page)
    assert len([r for r in sent if r.url.endswith("/cases/new")]) >= 1
    # The same form, sent again as the browser sent it (a reload, a resend), and twice at once.
    form: Any = sent[0].post_data
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for _ in range(2):
        again = page.request.post("/cases/new", data=form, headers=headers)
        assert again.ok and f"/cases/{case_id}" in again.url
    wait_for(lambda: org_case_count(api) >= before + 1, what="the case")
    assert org_case_count(api) == before + 1
    # A new form (a new key) with the same person is a new request: intake flags it.
    fill(page, Victim(tag=victim.tag, name=victim.name))
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("status")).to_contain_text("Your request was sent.")
    assert case_id_of(page) != case_id and org_case_count(api) == before + 2
    # As intake reports it: a possible repeat, with nothing of the other case.
    expect(page.locator("main .panel")).to_have_text(
        "Intake noticed that this request may repeat an earlier one. An assessor will check;"
        " you need do nothing."
    )
    assert case_id not in page.content()


def test_the_caseworker_pages_in_arabic_right_to_left(
    browser: Browser, site: Site, api: Api
) -> None:
    created = api.post("intake", "/cases", user="caseworker-a", json=case_body())
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    context, page, console = new_page(browser, site, language="ar")
    try:
        signed_in(page, site, "caseworker-a")
        for path, heading in (
            ("/cases", "Cases"),
            ("/cases/new", "Request help for a victim"),
        ):
            page.goto(path)
            assert page.locator("html").get_attribute("dir") == "rtl"
            expect(page.get_by_role("heading", level=1)).to_have_text(said("ar", heading))
            check_accessible(page)
        page.get_by_role("button", name=said("ar", "Send the request")).click()
        expect(page.get_by_role("alert")).to_contain_text(said("ar", "Write what happened."))
        check_accessible(page)
        page.goto(f"/cases/{case_id}")
        assert page.locator("html").get_attribute("lang") == "ar"
        check_accessible(page)
        page.get_by_label(said("ar", "Why do you need to see it?")).select_option("case_review")
        page.get_by_role("button", name=said("ar", "Show the victim's data")).click()
        expect(page.get_by_role("status")).to_contain_text(
            said(
                "ar",
                "You are seeing the victim's data. This view was recorded, with your"
                " name, the time and your reason.",
            )
        )
        check_accessible(page)
    finally:
        context.close()
    assert not console.errors, console.errors
