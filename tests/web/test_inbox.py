"""/inbox in a real Chromium: unread first, mark read (htmx changes the entry and the count in
place), links to the pages, the unread count on every page, axe-clean in English and Arabic,
with the keyboard alone; the e-mail choices of /account; another's notification is the 404 page;
hostile text renders inert."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Browser, Page, expect
from support import publish, query, wait_for
from support.browser import Person, Site, check_accessible, new_page, new_person, signed_in

from dev.stack import Stack
from services.web.i18n import I18n
from shared.events import subjects
from shared.events.common import Item
from shared.events.disbursement import BatchCreated
from shared.events.envelope import new_event
from shared.events.intake import CaseSubmitted, Needs

HOSTILE = "<script>alert(1)</script>\u202e"


def account_id(site: Site, username: str) -> str:
    return str(
        query(site.dsn, "SELECT account_id FROM accounts WHERE username = $1", username)[0][0]
    )


def unread(site: Site, account: str) -> int:
    return int(
        query(
            site.dsn,
            "SELECT count(*) FROM notifications WHERE account_id = $1 AND read_at IS NULL",
            account,
        )[0][0]
    )


def batches_waiting(stack: Stack, site: Site, account: str, n: int) -> list[str]:
    """`n` batches created by finance-1, announced as the disbursement service would; returns
    their ids once the person's inbox holds each."""
    ids = [str(uuid.uuid4()) for _ in range(n)]
    for batch_id in ids:
        data = BatchCreated(batch_id=batch_id, payment_ids=[str(uuid.uuid4())], count=1,
                            total="10.00", currency="CHF", created_by="finance-1")  # fmt: skip
        event = new_event(subjects.BATCH_CREATED, data, service="disbursement",
                          subject=batch_id, actor="finance-1")  # fmt: skip
        assert stack.nats_url is not None
        publish(stack.nats_url, subjects.BATCH_CREATED, event.to_json(), event.id)

    def told() -> bool:
        rows = query(site.dsn, "SELECT batch_id FROM notifications WHERE account_id = $1", account)
        return set(ids) <= {r[0] for r in rows}

    wait_for(told, timeout=30, what="the batches in the person's inbox")
    return ids


@pytest.fixture(scope="module")
def officer(browser: Browser, site: Site) -> Person:
    return new_person(browser, site, roles=("Finance officer",))


def count_on(page: Page) -> str:
    return page.locator("#inbox-count").inner_text()


def test_the_inbox_unread_first_marked_read_in_place_and_counted_on_every_page(
    page: Page, browser: Browser, site: Site, stack: Stack, officer: Person
) -> None:
    account = account_id(site, officer.username)
    first, second, third = batches_waiting(stack, site, account, 3)
    signed_in(page, site, officer.username)
    expected = str(unread(site, account))
    for path in ("/", "/account", "/inbox"):
        response = page.goto(path)
        assert response is not None and response.status == 200
        assert count_on(page) == expected, path
    assert response.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in response.headers["content-security-policy"]
    check_accessible(page)

    entries = page.locator("li.notification")
    expect(entries).to_have_count(int(expected))
    newest = entries.first
    expect(newest).to_have_class("notification unread")
    link = newest.get_by_role("link")
    expect(link).to_have_attribute("href", f"/finance/batches/{third}")
    expect(link).to_have_text(
        f"Payment batch {third[:8]} waits for the approval of another finance officer."
    )
    # Marked read in place: the entry and the count change, nothing else moves.
    newest.get_by_role("button", name="Mark as read").click()
    expect(newest.get_by_role("button", name="Mark as unread")).to_be_visible()
    expect(page.locator("#inbox-count")).to_have_text(str(int(expected) - 1))
    assert unread(site, account) == int(expected) - 1
    check_accessible(page)
    # Unread first: once the page is drawn again, the read one comes after the unread ones.
    page.reload()
    expect(entries.last.get_by_role("link")).to_have_attribute("href", f"/finance/batches/{third}")
    expect(entries.first).to_have_class("notification unread")
    # Without htmx (a plain form post), the same answer arrives as a new page.
    page.request.post(
        f"/inbox/{str(entries.last.get_attribute('id'))[2:]}/unread",
        form={"csrf_token": page.locator("input[name=csrf_token]").first.input_value()},
    )
    assert unread(site, account) == int(expected)
    assert {first, second} <= {
        r[0] for r in query(site.dsn, "SELECT batch_id FROM notifications WHERE account_id = $1"
                            " AND read_at IS NULL", account)
    }  # fmt: skip


def test_the_inbox_in_arabic_runs_right_to_left_and_is_accessible(
    browser: Browser, site: Site, stack: Stack, officer: Person
) -> None:
    account = account_id(site, officer.username)
    batches_waiting(stack, site, account, 1)
    context, page, console = new_page(browser, site, language="ar")
    try:
        signed_in(page, site, officer.username)
        page.goto("/inbox")
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.get_by_role("heading", level=1)).to_have_text("صندوق الوارد")
        expect(page.locator("li.notification").first).to_contain_text(
            "بانتظار موافقة مسؤول مالي آخر"
        )
        check_accessible(page)
        page.locator("li.notification").first.get_by_role("button").click()
        expect(page.locator("li.notification").first.get_by_role("button")).to_contain_text(
            "غير مقروء"
        )
        check_accessible(page)
        # A notification that is not theirs: the 404 page, in their language.
        token = page.locator("input[name=csrf_token]").first.input_value()
        answer = page.request.post(
            f"/inbox/{uuid.uuid4()}/read",
            form={"csrf_token": token},
            headers={"Accept-Language": "ar"},  # as the browser sends it with a form
        )
        assert answer.status == 404
        assert I18n().choose("ar").gettext("Page not found") in answer.text()
        assert not console.errors, console.errors
    finally:
        context.close()


def test_reading_and_choosing_emails_with_the_keyboard_alone(
    page: Page, site: Site, stack: Stack, officer: Person
) -> None:
    account = account_id(site, officer.username)
    batches_waiting(stack, site, account, 1)
    signed_in(page, site, officer.username)
    page.goto("/inbox")
    before = unread(site, account)
    toggle = page.locator("li.notification.unread button").first
    toggle_id = toggle.get_attribute("id")
    tab_to(page, f"#{toggle_id}")
    page.keyboard.press("Enter")
    expect(page.locator("#inbox-count")).to_have_text(str(before - 1))
    # The focus stays where it was: on the same button, which now marks the entry unread.
    expect(page.locator(f"#{toggle_id}")).to_be_focused()
    expect(page.locator(f"#{toggle_id}")).to_contain_text("Mark as unread")
    tab_to(page, "form[action='/inbox/read-all'] button")
    page.keyboard.press("Enter")
    page.wait_for_url("**/inbox")
    expect(page.locator("#inbox-count")).to_have_text("0")
    assert unread(site, account) == 0

    page.goto("/account")
    tab_to(page, "#f-email-payment_failed")
    page.keyboard.press("Space")
    tab_to(page, "form[action='/account/notifications'] button")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_have_text("Your e-mail choices are saved.")
    choices = query(site.dsn, "SELECT kind, email FROM notification_settings WHERE account_id = $1"
                    " ORDER BY kind", account)  # fmt: skip
    assert [(r[0], r[1]) for r in choices] == [("batch_waiting", True), ("payment_failed", False)]
    expect(page.locator("#f-email-payment_failed")).not_to_be_checked()
    expect(page.locator("#f-email-batch_waiting")).to_be_checked()
    check_accessible(page)


def tab_to(page: Page, selector: str) -> None:
    for _ in range(120):
        if page.evaluate("(s) => !!document.activeElement && document.activeElement.matches(s)",
                         selector):  # fmt: skip
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with the Tab key")


def test_another_persons_notification_is_not_found(
    page: Page, site: Site, stack: Stack, officer: Person
) -> None:
    theirs = batches_waiting(stack, site, account_id(site, "finance-2"), 1)[0]
    other = query(site.dsn, "SELECT notification_id FROM notifications WHERE batch_id = $1"
                  " AND account_id = 'finance-2'", theirs)[0][0]  # fmt: skip
    signed_in(page, site, officer.username)
    page.goto("/inbox")
    token = page.locator("input[name=csrf_token]").first.input_value()
    for target in (f"/inbox/{other}/read", f"/inbox/{uuid.uuid4()}/read", "/inbox/not-an-id/read"):
        answer = page.request.post(target, form={"csrf_token": token})
        assert answer.status == 404, target
        assert "Page not found" in answer.text(), target
    row = query(site.dsn, "SELECT read_at FROM notifications WHERE notification_id = $1", other)
    assert row[0][0] is None, "another's notification is left as it was"
    page.context.clear_cookies()
    page.goto("/inbox")
    assert "/sign-in" in page.url, "signed out: the inbox asks to sign in"


def test_hostile_text_in_a_notification_renders_inert(
    page: Page, browser: Browser, site: Site, stack: Stack
) -> None:
    assessor = new_person(browser, site, roles=("Medical assessor",))
    case_id = str(uuid.uuid4())
    data = CaseSubmitted(
        case_id=case_id, reference=HOSTILE, org_id="org-a", country="LB", urgency="standard",
        items=[Item(item_id="item-1", category="medical", amount="90.00", currency="CHF")],
        needs=Needs(medical=True, legal=False), submitted_by="caseworker-a",
    )  # fmt: skip
    event = new_event(subjects.CASE_SUBMITTED, data, service="intake", subject=case_id,
                      actor="caseworker-a")  # fmt: skip
    assert stack.nats_url is not None
    publish(stack.nats_url, subjects.CASE_SUBMITTED, event.to_json(), event.id)
    account = account_id(site, assessor.username)
    wait_for(lambda: query(site.dsn, "SELECT 1 FROM notifications WHERE account_id = $1"
                           " AND case_id = $2", account, case_id),
             timeout=30, what="the hostile case in the assessor's inbox")  # fmt: skip
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    signed_in(page, site, assessor.username)
    page.goto("/inbox")
    entry = page.locator("li.notification", has_text="<script>")
    expect(entry).to_have_count(1)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content()
    isolated = entry.locator("bdi[translate=no]").first
    expect(isolated).to_contain_text("<script>alert(1)</script>")
    check_accessible(page)
    assert not dialogs, dialogs
