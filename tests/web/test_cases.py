"""Caseworkers submit and follow their cases in the browser (issue 17), in Chromium on the running
system: the whole journey with the keyboard alone, the other roles' steps through their APIs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
from babel.numbers import format_currency
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from support import Api, stream_messages, wait_for
from support.browser import Site, check_accessible, new_page, signed_in
from support.case_journey import approve, ask, assess, fund, pay, wait_intake
from support.case_pages import (
    PDF,
    Victim,
    case_id_of,
    choose,
    fill_new_case,
    intake_case,
    org_case_count,
    press,
    said,
    tab_to,
    today,
    type_into,
)
from support.factories import case_body

from dev.stack import Stack
from shared.events import subjects

# Records, across page loads, how far the upload's <progress> went and whether it showed.
WATCH_PROGRESS = """
document.addEventListener("DOMContentLoaded", () => {
  const bar = document.getElementById("upload-progress");
  if (!bar) return;
  new MutationObserver(() => {
    const best = Math.max(Number(sessionStorage.getItem("vfund-progress") || 0), bar.value);
    sessionStorage.setItem("vfund-progress", String(best));
    if (!bar.parentElement.hidden) sessionStorage.setItem("vfund-progress-shown", "yes");
  }).observe(bar, {attributes: true});
});
"""


def money(amount: str, currency: str, language: str = "en") -> str:
    return format_currency(amount, currency, locale=language)


def upload_by_keyboard(page: Page, content: bytes, kind: str) -> None:
    file = page.get_by_label("File", exact=True)
    tab_to(page, file)
    for attempt in range(3):
        # Headless Chromium now and then lets a key press on a file field open no chooser
        # (never three times): the field is reached and opened by the keyboard all the same.
        try:
            with page.expect_file_chooser(timeout=5_000) as chooser:
                page.keyboard.press("Space")
            break
        except PlaywrightTimeout:
            assert attempt < 2, "the file chooser never opened from the keyboard"
            expect(file).to_be_focused()
    chooser.value.set_files(
        files=[{"name": "scan of the papers.pdf", "mimeType": "application/pdf", "buffer": content}]
    )
    choose(page, page.get_by_label("What it is"), kind)
    press(page, page.get_by_role("button", name="Add the document"))
    expect(page.get_by_role("status")).to_have_text("The document was added.")


def accesses(stack: Stack, case_id: str) -> list[dict[str, object]]:
    found = stream_messages(stack.nats_url or "", subjects.PERSONAL_DATA_ACCESSED)
    events = (orjson.loads(data) for _, data, _ in found)
    return [e["data"] for e in events if e["subject"] == case_id]


def test_a_case_from_request_to_report_with_the_keyboard_alone(
    page: Page, site: Site, api: Api, stack: Stack
) -> None:
    page.add_init_script(WATCH_PROGRESS)
    signed_in(page, site, "caseworker-a")
    fund(api, country="NP")
    victim = Victim()
    fill_new_case(page, victim, country="Nepal")
    check_accessible(page)
    press(page, page.get_by_role("button", name="Send the request"))
    expect(page.get_by_role("status")).to_have_text(
        f"Your request was sent. Its reference is {page.locator('h1 bdi').inner_text()}."
    )
    case_id = case_id_of(page)
    expect(page.locator("dl.facts")).to_contain_text("Submitted")
    expect(page.locator("dl.facts")).to_contain_text("Emergency")
    expect(page.locator("dl.facts")).to_contain_text("Nepal")
    check_accessible(page)

    # The victim's data shows only when asked for, saying why; intake records that read.
    assert victim.name not in page.content() and victim.facts not in page.content()
    assert accesses(stack, case_id) == []
    choose(page, page.get_by_label("Why do you need to see it?"), "To check the request")
    press(page, page.get_by_role("button", name="Show the victim's data"))
    expect(page.get_by_role("status")).to_contain_text("This view was recorded")
    expect(page.locator("dl.facts").nth(1)).to_contain_text(victim.name)
    expect(page.locator("main")).to_contain_text(victim.facts)
    expect(page.locator("main")).to_contain_text(f"Surgery {victim.tag}")
    assert page.locator("dl.facts").nth(1).inner_text().count("Syria") == 1
    check_accessible(page)
    read = wait_for(lambda: accesses(stack, case_id), what="the recorded read")
    assert read[0]["purpose"] == "case_review" and read[0]["role"] == "caseworker"

    # A document, with its progress shown, then downloaded as an attachment never stored.
    document = PDF + b"%" + b"0" * 1_500_000
    upload_by_keyboard(page, document, "Evidence")
    assert page.evaluate("sessionStorage.getItem('vfund-progress')") == "100"
    assert page.evaluate("sessionStorage.getItem('vfund-progress-shown')") == "yes"
    link = page.get_by_role("link", name="Evidence 1")
    tab_to(page, link)
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".pdf")
    assert Path(download.value.path()).read_bytes() == document
    answer = page.request.get(link.get_attribute("href") or "")
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["content-disposition"].startswith("attachment;")

    # The fund asks a question; the caseworker answers it, attaching the document.
    request_id = ask(api, case_id, "legal_documents")
    wait_intake(api, case_id, "information_requested")
    page.goto(f"/cases/{case_id}")
    expect(page.locator("dl.facts")).to_contain_text("Information requested")
    expect(page.get_by_role("heading", name="Legal documents")).to_be_visible()
    check_accessible(page)
    type_into(
        page, page.get_by_label("Your answer"), f"The lawyer's papers are attached {victim.tag}."
    )
    tab_to(page, page.get_by_role("checkbox", name="Evidence"))
    page.keyboard.press("Space")
    press(page, page.get_by_role("button", name="Send the answer"))
    expect(page.get_by_role("status")).to_have_text("Your answer was sent.")
    expect(page.locator("dl.facts")).to_contain_text("In assessment")
    answered = api.get("intake", f"/cases/{case_id}", user="caseworker-a").json()
    assert answered["information_requests"][0]["request_id"] == request_id
    assert answered["information_requests"][0]["answer"].endswith(f"{victim.tag}.")
    assert len(answered["information_requests"][0]["document_ids"]) == 1

    # Assessed, approved (less than asked for the first item), funded and paid: all seen here.
    assess(api, case_id, "medical", [{"item_id": "item-1", "amount": "1200.00", "currency": "CHF"}])
    assess(api, case_id, "legal", [{"item_id": "item-2", "amount": "800.00", "currency": "EUR"}])
    approve(
        api,
        case_id,
        [
            {"item_id": "item-1", "amount": "1000.00", "currency": "CHF"},
            {"item_id": "item-2", "amount": "800.00", "currency": "EUR"},
        ],
    )
    wait_intake(api, case_id, "approved", "awaiting_funds", "payment_scheduled", "paid")
    # The reservation may reach intake before the approval (events of other subjects are
    # handled at once): the approved amounts are there once the approval is.
    wait_for(
        lambda: all(
            i["approved_amount"] is not None
            for i in api.get(
                "intake", f"/cases/{case_id}?personal_data=false", user="caseworker-a"
            ).json()["items"]
        ),
        what="the approved amounts at intake",
    )
    page.goto(f"/cases/{case_id}")
    approved = page.get_by_role("table", name="The help asked for").locator("tbody td:last-child")
    expect(approved).to_have_text([money("1000", "CHF"), money("800", "EUR")])
    paid = pay(api, case_id)
    wait_intake(api, case_id, "paid")
    page.goto(f"/cases/{case_id}")
    expect(page.locator("dl.facts")).to_contain_text("Paid")
    payments = page.get_by_role("table", name="Payments for this case").locator("tbody tr")
    expect(payments).to_have_count(1)
    expect(payments).to_contain_text([money(paid["amount"], paid["currency"]) + "Sent"])
    expect(page.get_by_role("link", name="Send the use-of-funds report")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("The request was approved.")
    check_accessible(page)

    # The use-of-funds report: its document added, then sent; the case is closed.
    upload_by_keyboard(page, PDF + b"% report", "Use-of-funds report")
    tab_to(page, page.locator("#report ~ form").get_by_role("checkbox", name="Use-of-funds report"))
    page.keyboard.press("Space")
    press(page, page.get_by_role("button", name="Send the report"))
    expect(page.get_by_role("status")).to_have_text(
        "The use-of-funds report was sent. The case is closed."
    )
    expect(page.locator("dl.facts")).to_contain_text("Closed")
    assert page.get_by_role("button", name="Withdraw the request").count() == 0
    page.goto("/cases?status=closed")
    expect(page.get_by_role("link", name=answered["reference"])).to_be_visible()
    check_accessible(page)


def submitted(api: Api, **overrides: object) -> dict[str, str]:
    created = api.post("intake", "/cases", user="caseworker-a", json=case_body(**overrides))
    assert created.status_code == 201, created.text
    body: dict[str, str] = created.json()
    return body


def test_who_opens_what_and_another_organisations_case_is_the_404_page(
    page: Page, browser: Browser, site: Site, api: Api
) -> None:
    case = submitted(api)
    case_id = case["case_id"]
    context, other, _ = new_page(browser, site, language="fr")
    try:
        signed_in(other, site, "caseworker-b")
        for path in (f"/cases/{case_id}", f"/cases/{case_id}/documents/{uuid.uuid4()}"):
            answer = other.goto(path)
            assert answer is not None and answer.status == 404, path
            expect(other.get_by_role("heading", level=1)).to_have_text(said("fr", "Page not found"))
            assert other.locator("html").get_attribute("lang") == "fr"
        other.goto("/cases")
        assert case["reference"] not in other.content()
        token = other.locator("input[name=csrf_token]").first.get_attribute("value") or ""
        before = intake_case(api, case_id)["version"]
        for action, form in (("withdraw", {"reason": "other", "confirm": "yes"}),
                             ("information", {"request_id": "r", "answer": "x"}),
                             ("reveal", {"purpose": "case_review"})):  # fmt: skip
            refused = other.request.post(
                f"/cases/{case_id}/{action}", form=form | {"csrf_token": token, "version": "1"}
            )
            assert refused.status == 404, action
        assert intake_case(api, case_id)["version"] == before
    finally:
        context.close()

    # An organisation's admin: the same list and each case's status, nothing more.
    page.context.clear_cookies()
    signed_in(page, site, "orgadmin-a")
    page.goto("/cases")
    expect(page.get_by_role("link", name=case["reference"])).to_be_visible()
    assert page.get_by_role("columnheader", name="Needs you now").count() == 0
    assert page.get_by_role("link", name="Request help for a victim").count() == 0
    check_accessible(page)
    page.get_by_role("link", name=case["reference"]).click()
    expect(page.locator("dl.facts")).to_contain_text("Submitted")
    expect(page.locator(".timeline")).to_contain_text("The request was submitted.")
    assert page.locator("main form").count() == 0
    assert page.get_by_role("heading", name="The victim").count() == 0
    assert page.get_by_role("heading", name="Documents").count() == 0
    check_accessible(page)
    for path in ("/cases/new", f"/cases/{case_id}/documents/{uuid.uuid4()}"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 403, path
    # Other roles have no door here; an id that is no case's is the 404 page.
    page.context.clear_cookies()
    signed_in(page, site, "medical-1")
    answer = page.goto("/cases")
    assert answer is not None and answer.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You may not open this page")
    page.context.clear_cookies()
    signed_in(page, site, "caseworker-a")
    for path in ("/cases/not-a-case", f"/cases/{uuid.uuid4()}"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 404, path
    check_accessible(page)


def test_the_list_shows_what_needs_the_caseworker_filters_and_pages(
    page: Page, site: Site, api: Api
) -> None:
    emergency = submitted(api, urgency="emergency", country="UG")
    asked = submitted(api)
    ask(api, asked["case_id"], "medical_report", user="medical-1")
    wait_intake(api, asked["case_id"], "information_requested")
    while org_case_count(api) <= 25:
        submitted(api)
    signed_in(page, site, "caseworker-a")
    page.goto("/cases")
    expect(page.get_by_role("table", name="Cases").locator("tbody tr")).to_have_count(25)
    check_accessible(page)
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=asked["reference"]))
    expect(row).to_contain_text("Information requested")
    row.get_by_role("link", name="Answer the fund's question").click()
    expect(page.get_by_role("heading", name="A medical report")).to_be_visible()

    page.goto("/cases")
    first_page = set(page.locator("tbody th").all_inner_texts())
    page.get_by_role("link", name="Next page").click()
    second_page = set(page.locator("tbody th").all_inner_texts())
    assert second_page and not first_page & second_page
    page.get_by_role("link", name="First page").click()
    assert set(page.locator("tbody th").all_inner_texts()) == first_page

    page.get_by_label("Status").select_option("information_requested")
    page.get_by_role("button", name="Show").click()
    references = page.locator("tbody th").all_inner_texts()
    assert asked["reference"] in references and emergency["reference"] not in references
    assert "status=information_requested" in page.url
    page.goto("/cases")
    page.get_by_label("Urgency").select_option("emergency")
    page.get_by_label("Submitted from").fill(today())
    page.get_by_role("button", name="Show").click()
    references = page.locator("tbody th").all_inner_texts()
    assert emergency["reference"] in references and asked["reference"] not in references
    expect(page.get_by_role("row").filter(has_text=emergency["reference"])).to_contain_text(
        "Uganda"
    )
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    page.goto(f"/cases?submitted_to={yesterday}")
    assert emergency["reference"] not in page.locator("main").inner_text()
    answer = page.goto("/cases?submitted_from=2026-02-30")
    assert answer is not None and answer.status == 200
    expect(page.get_by_role("alert")).to_contain_text("Enter a date.")
    check_accessible(page)


def test_a_change_made_meanwhile_is_shown_never_overwritten(
    page: Page, site: Site, api: Api
) -> None:
    case = submitted(api)
    case_id = case["case_id"]
    ask(api, case_id, "treatment_plan", user="medical-1")
    wait_intake(api, case_id, "information_requested")
    signed_in(page, site, "caseworker-a")
    page.goto(f"/cases/{case_id}")
    typed = "The clinic's treatment plan follows by post."
    page.get_by_label("Your answer").fill(typed)
    # Meanwhile someone of the organisation adds a document: the case's version moves on.
    added = api.post("intake", f"/cases/{case_id}/documents", user="caseworker-a",
                     files={"file": ("plan.pdf", PDF, "application/pdf")})  # fmt: skip
    assert added.status_code == 201, added.text
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Someone changed this meanwhile. Here is what it is now."
    )
    expect(page.get_by_label("Your answer")).to_have_value(typed)
    expect(page.get_by_role("link", name="Evidence 1")).to_be_visible()
    check_accessible(page)
    after = intake_case(api, case_id)
    assert after["status"] == "information_requested"
    assert after["information_requests"][0]["status"] == "open"
    # Sent again from the page as it is now, it is taken.
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_role("status")).to_have_text("Your answer was sent.")
    assert intake_case(api, case_id)["information_requests"][0]["answer"] == typed

    # The same with a withdrawal: refused while stale, the reason kept, nothing withdrawn.
    page.get_by_label("Reason").select_option("safety")
    page.get_by_label("I understand that the request will be withdrawn for good.").check()
    api.post("intake", f"/cases/{case_id}/documents", user="caseworker-a",
             files={"file": ("more.pdf", PDF, "application/pdf")})  # fmt: skip
    page.get_by_role("button", name="Withdraw the request").click()
    expect(page.get_by_role("alert")).to_contain_text("Someone changed this meanwhile.")
    expect(page.get_by_label("Reason")).to_have_value("safety")
    assert intake_case(api, case_id)["status"] != "withdrawn"
    page.get_by_label("I understand that the request will be withdrawn for good.").check()
    page.get_by_role("button", name="Withdraw the request").click()
    expect(page.get_by_role("status")).to_have_text("The request was withdrawn.")
    assert intake_case(api, case_id)["status"] == "withdrawn"
