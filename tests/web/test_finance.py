"""The finance pages on the real system, in Chromium: a case approved through the other roles'
APIs, its payment batched; the batch approved by the other officer (step-up) on
/finance/batches/{id}; the pain.001 downloaded; a camt.053 made from it uploaded on
/finance/statements; the payment paid, the grant's reserved moved to disbursed, and the
caseworker's case (intake API) paid. What a statement leaves unmatched is set aside by another
officer than the importer. axe clean in English and Arabic; 403 for another role, 404 for a
statement that does not exist."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, Page, expect
from support import Api, wait_for
from support.browser import Site, check_accessible, new_page, signed_in
from support.disbursement_probe import active_payee, approve, create_grant, grant, wait_payment
from support.factories import case_body
from support.statements import booking, camt053, statement_from_pain001

from dev.stack import Stack
from shared.money import Money

PAGES = (
    "/finance/grants",
    "/finance/fx-rates",
    "/finance/payees",
    "/finance/payments",
    "/finance/batches",
    "/finance/statements",
)


def confirmed_if_asked(page: Page, site: Site, user: str) -> None:
    """The second factor again, when the page asks for it (step-up)."""
    page.wait_for_load_state()
    if page.get_by_role("heading", level=1).inner_text() == "Confirm it is you":
        check_accessible(page)
        page.get_by_label("Code").fill(site.code(user))
        page.get_by_role("button", name="Confirm and continue").click()
        page.wait_for_load_state()


def scheduled_case(api: Api, stack: Stack, amount: str) -> tuple[str, dict[str, str]]:
    """A caseworker's case, approved through the other roles' APIs, its payment scheduled."""
    submitted = api.post("intake", "/cases", user="caseworker-a", json=case_body())
    assert submitted.status_code == 201, submitted.text
    case_id = submitted.json()["case_id"]
    create_grant(api, amount="50000.00")
    active_payee(api, "org-a")
    approve(
        stack, case_id=case_id, org_id="org-a", country="LB", items=[("medical", amount, "CHF")]
    )
    return case_id, wait_payment(api, case_id, "scheduled")


def test_a_batch_approved_exported_and_its_statement_uploaded_pays_the_case(
    page: Page, site: Site, api: Api, stack: Stack
) -> None:
    case_id, payment = scheduled_case(api, stack, "640.00")
    before = grant(api, payment["grant_id"])

    signed_in(page, site, "finance-1")
    page.goto("/finance/batches")
    check_accessible(page)
    page.get_by_label("Currency").select_option("CHF")
    page.locator(f"#f-payment_ids-{payment['payment_id']}").check()
    page.get_by_role("button", name="Make the batch").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    batch_id = page.url.rsplit("/", 1)[1].split("?")[0]
    expect(page.get_by_role("heading", level=1)).to_have_text("Batch of 1 payment")
    # The batch's creator may not approve it.
    expect(page.get_by_text("another finance officer approves it")).to_be_visible()
    assert page.get_by_role("button", name="Approve this batch").count() == 0

    signed_in(page, site, "finance-2")
    page.goto("/finance/batches")
    check_accessible(page)
    page.goto(f"/finance/batches/{batch_id}")
    check_accessible(page)
    page.get_by_role("button", name="Approve this batch").click()
    confirmed_if_asked(page, site, "finance-2")
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.locator(".facts .tag")).to_have_text("Approved")
    with page.expect_download() as download:
        page.get_by_role("link", name="Bank file (pain.001)").click()
    path = download.value.path()
    pain001 = path.read_bytes()
    assert payment["payment_id"].replace("-", "").encode() in pain001

    statement = statement_from_pain001(pain001, statement_id=f"WEB-{uuid.uuid4().hex[:12]}")
    page.goto("/finance/statements")
    check_accessible(page)
    page.get_by_label("Bank file").set_input_files(
        files=[{"name": "statement.xml", "mimeType": "application/xml", "buffer": statement}]
    )
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state()
    assert "/finance/statements/" in page.url
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bank statement")
    expect(page.locator("tbody .tag")).to_have_text(["Paid"])
    check_accessible(page)

    paid = api.get("disbursement", f"/payments/{payment['payment_id']}", user="finance-1")
    assert paid.json()["status"] == "sent"
    after = grant(api, payment["grant_id"])
    assert Decimal(after["disbursed"]) - Decimal(before["disbursed"]) == Decimal("640.00")
    assert Decimal(before["reserved"]) - Decimal(after["reserved"]) == Decimal("640.00")
    wait_for(
        lambda: (
            api.get("intake", f"/cases/{case_id}", user="caseworker-a").json()["status"] == "paid"
        ),
        what="the caseworker's case shows paid",
    )
    # The same file again: refused next to the field, nothing changed.
    page.goto("/finance/statements")
    page.get_by_label("Bank file").set_input_files(
        files=[{"name": "statement.xml", "mimeType": "application/xml", "buffer": statement}]
    )
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("alert")).to_contain_text("This statement was imported before")
    check_accessible(page)


def test_what_is_left_is_set_aside_by_another_officer(page: Page, site: Site, api: Api) -> None:
    file = camt053(
        [booking(uuid.uuid4(), Money(7700, "CHF"), bank_reference=f"W-{uuid.uuid4().hex[:8]}")],
        statement_id=f"WEB-{uuid.uuid4().hex[:12]}",
    )
    imported = api.post(
        "disbursement", "/statements", user="finance-1", content=file,
        headers={"Content-Type": "application/xml"},
    )  # fmt: skip
    assert imported.status_code == 201, imported.text
    statement_id = imported.json()["statements"][0]["statement_id"]

    signed_in(page, site, "finance-1")
    page.goto(f"/finance/statements/{statement_id}")
    expect(page.get_by_text("You imported this statement")).to_be_visible()
    assert page.get_by_role("button", name="Set aside").count() == 0

    signed_in(page, site, "finance-2")
    page.goto(f"/finance/statements/{statement_id}")
    expect(page.locator("tbody .tag")).to_have_text(["Left to match"])
    check_accessible(page)
    page.get_by_label("Reason").select_option("bank_charges")
    page.get_by_role("button", name="Set aside").click()
    confirmed_if_asked(page, site, "finance-2")
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(page.locator("tbody .tag")).to_have_text(["Set aside"])
    entry = api.get("disbursement", f"/statements/{statement_id}/entries/0", user="finance-1")
    assert (entry.json()["outcome"], entry.json()["resolved_by"]) == ("dismissed", "finance-2")


def test_a_grant_registered_on_the_page_and_a_refusal_next_to_its_field(
    page: Page, site: Site
) -> None:
    signed_in(page, site, "finance-1")
    page.goto("/finance/grants")
    check_accessible(page)
    name = f"Web grant {uuid.uuid4().hex[:6]}"
    page.get_by_label("Donor").fill("Donor State")
    page.get_by_label("Name of the grant").fill(name)
    page.get_by_label("Amount").fill("12.345")  # more decimals than the currency has
    page.get_by_label("Currency").fill("CHF")
    page.get_by_label("Valid from").fill("2026-01-01")
    page.get_by_label("Valid until").fill("2027-12-31")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("alert")).to_be_visible()
    check_accessible(page)
    page.get_by_label("Amount").fill("20000.00")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    row = page.get_by_role("row").filter(has_text=name)
    expect(row).to_contain_text("20,000.00")
    row.get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    check_accessible(page)


def test_the_finance_pages_in_arabic(page: Page, browser: Browser, site: Site, api: Api) -> None:
    signed_in(page, site, "finance-1")  # in English: the Arabic page reuses the session
    file = camt053(
        [booking(uuid.uuid4(), Money(500, "CHF"))], statement_id=f"AR-{uuid.uuid4().hex[:12]}"
    )
    imported = api.post(
        "disbursement", "/statements", user="finance-2", content=file,
        headers={"Content-Type": "application/xml"},
    )  # fmt: skip
    assert imported.status_code == 201, imported.text
    statement = f"/finance/statements/{imported.json()['statements'][0]['statement_id']}"
    context, arabic, console = new_page(browser, site, language="ar")
    try:
        signed_in(arabic, site, "finance-1")
        for path in (*PAGES, statement):
            response = arabic.goto(path)
            assert response is not None and response.status == 200, path
            expect(arabic.locator("html")).to_have_attribute("dir", "rtl")
            check_accessible(arabic)
        # finance-1 did not import it: the forms for what is left are there, in Arabic.
        expect(arabic.get_by_role("button", name="مطابقة")).to_be_visible()
    finally:
        context.close()
    assert not console.errors, console.errors


def test_other_roles_get_403_and_unknown_statements_404(page: Page, site: Site) -> None:
    signed_in(page, site, "caseworker-a")
    for path in PAGES:
        response = page.goto(path)
        assert response is not None and response.status == 403, path
    signed_in(page, site, "finance-1")
    for path in (f"/finance/statements/{uuid.uuid4()}", "/finance/statements/not-an-id",
                 f"/finance/batches/{uuid.uuid4()}"):  # fmt: skip
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        check_accessible(page)


WEB = Path(__file__).resolve().parents[2] / "services" / "web"
# Whole words of any script: "Bután" is one Spanish word, not the English "but" and an "n".
WORD = re.compile(r"[^\W\d_][^\W\d_']*(?:'[^\W\d_]+)*")
VISIBLE_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('[translate="no"], [lang], script, style, .secret, code, .hint')
    .forEach(e => e.remove());
  return [document.title, copy.textContent].join(' ');
}"""


def words_of(language: str | None) -> set[str]:
    """Words of every area's English messages (None), or of one language's translations."""
    found: set[str] = set()
    for po in (WEB / "translations").glob(f"*/{language or 'fr'}.po"):
        with po.open("rb") as fp:
            for message in read_po(fp):
                texts = message.id if language is None else message.string
                for text in texts if isinstance(texts, tuple) else (texts,):
                    found |= {w.lower() for w in WORD.findall(text or "")}
    return found


@pytest.mark.parametrize("language", ["fr", "es", "ar"])
def test_no_english_is_left_on_the_finance_pages(
    page: Page, browser: Browser, site: Site, api: Api, language: str
) -> None:
    signed_in(page, site, "finance-1")  # in English: the other language reuses the session
    file = camt053(
        [booking(uuid.uuid4(), Money(900, "CHF"))], statement_id=f"L-{uuid.uuid4().hex[:12]}"
    )
    imported = api.post(
        "disbursement", "/statements", user="finance-2", content=file,
        headers={"Content-Type": "application/xml"},
    )  # fmt: skip
    assert imported.status_code == 201, imported.text
    statement = f"/finance/statements/{imported.json()['statements'][0]['statement_id']}"
    english, own = words_of(None), words_of(language) | {"vfund", "camt", "pain", "csv"}
    context, theirs, console = new_page(browser, site, language=language)
    try:
        signed_in(theirs, site, "finance-1")
        for path in (*PAGES, statement):
            response = theirs.goto(path)
            assert response is not None and response.status == 200, path
            seen = {w.lower() for w in WORD.findall(theirs.evaluate(VISIBLE_TEXT))}
            left = {w for w in seen if w in english and w not in own and len(w) > 2}
            assert not left, (path, left)
    finally:
        context.close()
    assert not console.errors, console.errors


def test_a_bank_file_is_uploaded_with_the_keyboard_alone(page: Page, site: Site) -> None:
    file = camt053(
        [booking(uuid.uuid4(), Money(300, "CHF"))], statement_id=f"K-{uuid.uuid4().hex[:12]}"
    )
    signed_in(page, site, "finance-1")
    page.goto("/finance/statements")
    for _ in range(60):
        if page.evaluate("document.activeElement && document.activeElement.id === 'f-file'"):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError("the file field is not reachable with the Tab key")
    # The operating system's file dialog stands outside the page: the file is given to the
    # field that has the keyboard's focus.
    page.locator("#f-file:focus").set_input_files(
        files=[{"name": "statement.xml", "mimeType": "application/xml", "buffer": file}]
    )
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Import"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator("tbody .tag")).to_have_text(["Left to match"])


def test_a_rate_recorded_by_one_officer_is_confirmed_by_the_other(
    page: Page, site: Site, api: Api
) -> None:
    day = (date(2001, 1, 1) + timedelta(days=uuid.uuid4().int % 7000)).isoformat()
    signed_in(page, site, "finance-1")
    page.goto("/finance/fx-rates")
    check_accessible(page)
    page.get_by_label("From currency").fill("SEK")
    page.get_by_label("To currency").fill("NOK")
    page.get_by_label("Rate", exact=True).fill("0.9876")
    page.get_by_label("Of the day").fill(day)
    page.get_by_role("button", name="Record").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    mine = page.get_by_role("row").filter(has_text="SEK/NOK").filter(has_text="0.9876")
    expect(mine.first).to_contain_text("Another officer decides.")

    signed_in(page, site, "finance-2")
    page.goto("/finance/fx-rates")
    check_accessible(page)
    waiting = page.get_by_role("table", name=re.compile("^Each rate is confirmed"))
    theirs = waiting.get_by_role("row").filter(has_text="SEK/NOK").filter(has_text="0.9876")
    theirs.first.get_by_role("button", name="Confirm the rate SEK to NOK").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    expect(theirs).to_have_count(0)
    rates = api.get(
        "disbursement", "/fx-rates?base=SEK&quote=NOK&status=confirmed&limit=200", user="finance-1"
    ).json()["items"]
    assert [(r["rate"], r["decided_by"]) for r in rates if r["as_of"] == day] == [
        ("0.9876", "finance-2")
    ]


def test_a_payee_registered_by_one_officer_is_confirmed_by_the_other(
    page: Page, site: Site, api: Api
) -> None:
    org = f"org-{uuid.uuid4().hex[:8]}"
    name = f"Clinic {uuid.uuid4().hex[:6]}"
    signed_in(page, site, "finance-1")
    page.goto("/finance/payees")
    check_accessible(page)
    page.get_by_label("Organisation id").fill(org)
    page.get_by_label("Name as the bank holds it").fill(name)
    page.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 01")  # one digit off
    page.get_by_label("IBAN").blur()
    expect(page.locator("#iban-check")).to_contain_text("This is not a valid IBAN")
    page.get_by_label("IBAN").fill("DE89 3704 0044 0532 0130 00")
    page.get_by_label("IBAN").blur()
    expect(page.locator("#iban-check")).to_have_text("This IBAN is well formed.")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("status").first).to_have_text("Saved.")
    mine = page.get_by_role("region", name=name)
    expect(mine).to_contain_text("DE89370400440532013000")
    expect(mine).to_contain_text("another finance officer confirms it")

    signed_in(page, site, "finance-2")
    page.goto("/finance/payees")
    theirs = page.get_by_role("region", name=name)
    check_accessible(page)
    theirs.get_by_role("button", name="Confirm these bank details").click()
    confirmed_if_asked(page, site, "finance-2")
    expect(page.get_by_role("status").first).to_have_text("Saved.")
    expect(page.get_by_role("region", name=name)).to_have_count(0)
    found = api.get("disbursement", f"/payees?org_id={org}", user="finance-1").json()["items"]
    assert [(p["name"], p["status"], p["iban"]) for p in found] == [
        (name, "active", "DE89370400440532013000")
    ]


def test_a_scheduled_payment_is_cancelled_and_its_money_goes_back_to_the_grant(
    page: Page, site: Site, api: Api, stack: Stack
) -> None:
    case_id, payment = scheduled_case(api, stack, "55.00")
    before = grant(api, payment["grant_id"])
    signed_in(page, site, "finance-1")
    page.goto("/finance/payments")
    check_accessible(page)
    page.get_by_label("Case id").fill(case_id)
    page.get_by_role("button", name="Show").click()
    row = page.locator(f"#payment-{payment['payment_id']}")
    expect(row).to_contain_text("Scheduled")
    assert row.get_by_role("button", name=re.compile("^Schedule payment")).count() == 0
    row.get_by_label("Reason").select_option("no_longer_needed")
    row.get_by_role("button", name=f"Cancel payment {payment['payment_id']}").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    row = page.locator(f"#payment-{payment['payment_id']}")
    expect(row).to_contain_text("Cancelled")
    assert row.get_by_role("button").count() == 0, "nothing more is offered for a cancelled one"
    check_accessible(page)
    after = grant(api, payment["grant_id"])
    assert Decimal(after["available"]) - Decimal(before["available"]) == Decimal("55.00")
