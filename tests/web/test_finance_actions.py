"""Issue 19's finance actions on the real system, in Chromium: a grant adjusted on its page (a
reduction below what is committed refused next to the amount) and its payments listed; a
payment given another payee, split in two (parts that do not add up refused next to the first
part), and one of an approved batch marked failed with the bank's reason. Each effect is read
back through the disbursement API; what the payment's status does not allow is not offered;
axe clean in English and Arabic."""

from __future__ import annotations

from decimal import Decimal

from playwright.sync_api import Browser, Page, expect
from support import Api
from support.browser import Site, check_accessible, new_page, signed_in
from support.disbursement_probe import active_payee, approve_batch, grant, payments_of

from dev.stack import Stack
from web.test_finance import scheduled_case


def _payment(api: Api, payment_id: str) -> dict[str, str]:
    resp = api.get("disbursement", f"/payments/{payment_id}", user="finance-1")
    assert resp.status_code == 200, resp.text
    body: dict[str, str] = resp.json()
    return body


def _payments_of_case(page: Page, case_id: str) -> None:
    page.goto(f"/finance/payments?case_id={case_id}")


def test_a_grant_is_adjusted_on_its_page_and_not_below_what_is_committed(
    page: Page, site: Site, api: Api, stack: Stack
) -> None:
    _, payment = scheduled_case(api, stack, "75.00")
    grant_id = payment["grant_id"]
    before = grant(api, grant_id)
    signed_in(page, site, "finance-1")
    page.goto(f"/finance/grants/{grant_id}")
    check_accessible(page)
    expect(page.locator("table").filter(has_text=payment["payment_id"])).to_be_visible()
    # Down to nothing: below what the case holds on it, refused next to the amount.
    page.get_by_label("Change the amount by").fill(f"-{before['amount']}")
    page.get_by_role("button", name="Adjust", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#f-delta")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#e-delta-1")).to_contain_text("cannot drop below")
    check_accessible(page)
    assert grant(api, grant_id)["amount"] == before["amount"]
    page.get_by_label("Change the amount by").fill("100.00")
    page.get_by_role("button", name="Adjust", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    after = grant(api, grant_id)
    assert Decimal(after["amount"]) - Decimal(before["amount"]) == Decimal("100.00")


def test_a_payment_gets_another_payee_and_is_split(
    page: Page, site: Site, api: Api, stack: Stack
) -> None:
    case_id, payment = scheduled_case(api, stack, "100.00")
    other = active_payee(api, "org-a", default=False)
    signed_in(page, site, "finance-1")
    _payments_of_case(page, case_id)
    check_accessible(page)
    row = page.locator(f"#payment-{payment['payment_id']}")
    assert row.get_by_role("button", name="Mark failed").count() == 0, "not in a batch"
    row.get_by_label("Payee", exact=True).select_option(other)
    row.get_by_role("button", name=f"Pay payment {payment['payment_id']} to this payee").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    assert _payment(api, payment["payment_id"])["payee_id"] == other

    row = page.locator(f"#payment-{payment['payment_id']}")
    row.get_by_role("link", name=f"Split payment {payment['payment_id']}").click()
    check_accessible(page)
    page.get_by_label("First part").fill("30.00")
    page.get_by_label("Second part").fill("60.00")
    page.get_by_role("button", name="Split", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.locator("#f-parts\\.0\\.amount")).to_have_attribute("aria-invalid", "true")
    check_accessible(page)
    page.get_by_label("Second part").fill("70.00")
    page.get_by_role("button", name="Split", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    amounts = sorted(Decimal(p["amount"]) for p in payments_of(api, case_id))
    assert amounts == [Decimal("30.00"), Decimal("70.00")]


def test_a_payment_of_an_approved_batch_is_marked_failed(
    page: Page, site: Site, api: Api, stack: Stack
) -> None:
    case_id, payment = scheduled_case(api, stack, "45.00")
    made = api.post(
        "disbursement", "/batches", user="finance-1",
        json={"currency": payment["currency"], "payment_ids": [payment["payment_id"]]},
    )  # fmt: skip
    assert made.status_code == 201, made.text
    approved = approve_batch(api, made.json())
    assert approved.status_code == 200, approved.text
    signed_in(page, site, "finance-1")
    _payments_of_case(page, case_id)
    row = page.locator(f"#payment-{payment['payment_id']}")
    assert row.get_by_role("link", name="Split").count() == 0, "a batched one is not split"
    row.get_by_label("The bank's reason").select_option("AC04")
    row.get_by_role("button", name=f"Mark payment {payment['payment_id']} failed").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    failed = _payment(api, payment["payment_id"])
    assert (failed["status"], failed["failure_reason"]) == ("failed", "AC04")
    check_accessible(page)


def test_the_new_actions_in_arabic(browser: Browser, site: Site, api: Api, stack: Stack) -> None:
    _, payment = scheduled_case(api, stack, "20.00")
    context, arabic, console = new_page(browser, site, language="ar")
    try:
        signed_in(arabic, site, "finance-1")
        for path in (
            f"/finance/grants/{payment['grant_id']}",
            f"/finance/payments/{payment['payment_id']}/split",
            "/finance/payments?status=scheduled",
        ):
            response = arabic.goto(path)
            assert response is not None and response.status == 200, path
            expect(arabic.locator("html")).to_have_attribute("dir", "rtl")
            check_accessible(arabic)
    finally:
        context.close()
    assert not console.errors, console.errors
