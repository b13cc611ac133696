"""Reading a case in assessment in a real Chromium: the person's data and the facts hidden until
an assessor says why (intake records the read, the audit log keeps it with its purpose), never
offered to fund managers; an information request round trip with the caseworker's side through
intake's API; the duplicate ruling; hostile text inert; every language, axe, the keyboard."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import Browser, Page, expect
from support import Api, wait_for
from support.assessment_pages import (
    assessment_case,
    audit_entries,
    check_headers,
    check_page,
    done,
    in_languages,
    open_case,
    signed_in_speaking,
    submit,
    tab_to,
    web_traces,
)
from support.browser import Site, signed_in
from support.factories import case_body, item

COUNTRY = "BT"
ACCESSED = "org.vfund.intake.case.personal_data_accessed.v1"
HOSTILE = (
    '<script>alert("x")</script> "><img src=x onerror=alert(1)> javascript:alert(2) \u202egnp.exe'
)


def reveal(page: Page, purpose: str) -> None:
    page.get_by_label("Why do you need them?").select_option(label=purpose)
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Show the personal data").click()
    assert answer.value.status == 200
    check_headers(answer.value)
    assert page.url.endswith("/personal-data"), "no personal data in the address"


def intake_case(api: Api, case_id: str) -> tuple[dict[str, Any], str]:
    response = api.get("intake", f"/cases/{case_id}?personal_data=false", user="caseworker-a")
    assert response.status_code == 200, response.text
    return response.json(), response.headers["ETag"]


def test_an_information_request_round_trip_and_reading_the_answer_is_logged_with_its_purpose(
    page: Page, site: Site, api: Api
) -> None:
    body = case_body()
    name, facts = body["victim"]["full_name"], f"What happened, as told: {uuid.uuid4()}"
    case_id, reference = submit(
        api, item("legal", "1200.00"), country=COUNTRY, victim=body["victim"], facts=facts
    )

    signed_in(page, site, "legal-1")
    open_case(page, case_id)
    expect(page.locator("#personal ~ p").first).to_contain_text(
        "The person's details and the facts are hidden."
    )
    page.get_by_label("What do you need?").select_option(label="Legal documents")
    page.get_by_role("button", name="Send the request").click()
    done(page, "The request for information is sent to the caseworker.")
    expect(page.locator("dl.facts")).to_contain_text("Information requested")
    expect(page.locator("#information ~ .record")).to_contain_text(
        "Waiting for the caseworker's answer"
    )
    page.goto(f"/queue/legal?country={COUNTRY}")
    expect(page.get_by_role("link", name=reference)).to_have_count(0)

    # The caseworker answers through intake's API (their pages are another part of the work).
    request_id = assessment_case(api, case_id)["information_requests"][0]["request_id"]
    wait_for(
        lambda: intake_case(api, case_id)[0]["information_requests"],
        what="intake to know the request",
    )
    _, version = intake_case(api, case_id)
    answer_text = f"The lawyer's engagement letter is attached ({uuid.uuid4()})."
    answered = api.post(
        "intake",
        f"/cases/{case_id}/information",
        user="caseworker-a",
        json={"request_id": request_id, "answer": answer_text},
        headers={"If-Match": version},
    )
    assert answered.status_code == 200, answered.text
    wait_for(
        lambda: "information_answered" in assessment_case(api, case_id)["flags"],
        what="the answer back in assessment",
    )

    page.goto(f"/queue/legal?country={COUNTRY}")
    expect(page.locator("#queue tbody tr", has_text=reference)).to_contain_text(
        "Information received"
    )
    page.get_by_role("link", name=reference).click()
    assert name not in page.content() and facts not in page.content()
    expect(page.locator("#information ~ .record")).to_contain_text("Answered")
    reveal(page, "To read the answer to a request for information")
    panel = page.locator(".panel.personal")
    expect(panel).to_contain_text(name)
    expect(panel).to_contain_text(facts)
    expect(page.locator("#information ~ .record")).to_contain_text(answer_text)
    check_page(page, "en")
    page.goto(f"/assessment/cases/{case_id}")
    assert name not in page.content() and answer_text not in page.content()
    # The canary's rule where the web now carries personal data: shown, never kept or logged.
    assert web_traces(api, [name, facts, answer_text]) == []

    entries = wait_for(
        lambda: audit_entries(api, case_id, ACCESSED), timeout=30, what="the read in the log"
    )
    assert [e["event"]["data"] for e in entries] == [
        {
            "case_id": case_id,
            "actor": "legal-1",
            "role": "legal_assessor",
            "purpose": "information_review",
        }
    ]

    signed_in(page, site, "manager-1")
    open_case(page, case_id)
    expect(page.get_by_role("button", name="Show the personal data")).to_have_count(0)
    expect(page.locator("#personal ~ p").first).to_contain_text(
        "Fund managers decide without the person's personal data"
    )
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    forged = page.request.post(
        f"/assessment/cases/{case_id}/personal-data",
        form={"csrf_token": token, "purpose": "assessment"},
    )
    assert forged.status == 403 and name not in forged.text()


def test_a_possible_duplicate_is_shown_and_cleared_by_an_assessor(
    page: Page, site: Site, api: Api
) -> None:
    victim = case_body()["victim"]
    first, _ = submit(api, item("medical", "300.00"), country=COUNTRY, victim=victim)
    second, reference = submit(api, item("medical", "300.00"), country=COUNTRY, victim=victim)
    wait_for(
        lambda: "possible_duplicate" in assessment_case(api, second)["flags"],
        what="the duplicate flag in assessment",
    )
    signed_in(page, site, "medical-1")
    page.goto(f"/queue/medical?country={COUNTRY}")
    expect(page.locator("#queue tbody tr", has_text=reference)).to_contain_text(
        "Possible duplicate"
    )
    page.get_by_role("link", name=reference).click()
    section = page.locator("#duplicate ~ ul").first
    expect(section.get_by_role("link", name=first)).to_be_visible()
    page.get_by_label("It is not a duplicate because it is").select_option("different_person")
    page.get_by_role("button", name="Clear the duplicate flag").click()
    done(page, "The ruling on the possible duplicate is recorded.")
    wait_for(
        lambda: "possible_duplicate" not in assessment_case(api, second)["flags"],
        what="the flag cleared in assessment",
    )
    page.reload()
    expect(page.get_by_role("button", name="Clear the duplicate flag")).to_have_count(0)
    expect(page.locator(".history")).to_contain_text("Not a duplicate")


def test_every_case_page_in_every_language_and_hostile_text_inert(
    browser: Browser, site: Site, api: Api
) -> None:
    body = case_body()
    victim = body["victim"] | {"full_name": HOSTILE, "contact": HOSTILE}
    case_id, _ = submit(
        api,
        item("medical", "800.00", description=HOSTILE),
        country=COUNTRY,
        victim=victim,
        facts=HOSTILE,
    )
    noted = api.post(
        "assessment",
        f"/cases/{case_id}/medical-assessment",
        user="medical-1",
        json={
            "recommendation": "support",
            "notes": HOSTILE,
            "recommended_items": [{"item_id": "item-1", "amount": "900.00", "currency": "CHF"}],
            "exceeding_reason": HOSTILE,
        },
    )
    assert noted.status_code == 201, noted.text
    path = f"/assessment/cases/{case_id}"
    in_languages(browser, site, "medical-1", [path])
    in_languages(browser, site, "manager-1", [path])
    for language in ("en", "ar"):
        context, page, console = signed_in_speaking(browser, site, "medical-1", language)
        dialogs: list[str] = []
        page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
        try:
            open_case(page, case_id)
            page.locator("#f-purpose").select_option("assessment")
            page.locator("form[action$='/personal-data'] button").click()
            expect(page.locator(".panel.personal")).to_be_visible()
            check_page(page, language)
            html = page.content()
            assert html.count("onerror=alert(1)") >= 6 and "&lt;img" in html
            assert page.locator("img").count() == 0
            isolated = page.evaluate("""() => [...document.querySelectorAll('body *')]
                .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.data.includes('\\u202e')))
                .every(e => e.closest('bdi, [dir]') !== null)""")
            assert isolated, "the right-to-left override stays inside its own run of text"
            assert not dialogs and not console.errors, (dialogs, console.errors)
        finally:
            context.close()


def test_reading_and_assessing_with_the_keyboard_alone(page: Page, site: Site, api: Api) -> None:
    body = case_body()
    case_id, _ = submit(api, item("legal", "650.00"), country=COUNTRY, victim=body["victim"])
    signed_in(page, site, "legal-1")
    open_case(page, case_id)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    tab_to(page, "#f-purpose")
    page.keyboard.press("ArrowDown")
    assert page.locator("#f-purpose").input_value() == "assessment"
    tab_to(page, "form[action$='/personal-data'] button")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator(".panel.personal")).to_contain_text(body["victim"]["full_name"])
    tab_to(page, "#f-recommendation")
    page.keyboard.press("ArrowDown")
    assert page.locator("#f-recommendation").input_value() == "support"
    tab_to(page, "[id='f-recommended_items.0.amount']")
    page.keyboard.type("650.00")
    tab_to(page, "#f-notes")
    page.keyboard.type("Representation before the court is needed; the fee is usual.")
    tab_to(page, "form[action$='/assessment'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    done(page, "The assessment is recorded.")
    recorded = assessment_case(api, case_id)["assessments"]
    assert [(a["kind"], a["recommendation"]) for a in recorded] == [("legal", "support")]
    assert recorded[0]["recommended_items"][0]["amount"] == "650.00"
