"""Signing in: the same words whatever was wrong, slower then locked, sessions that end (idle,
absolute, sign-out of the others, password change) — with the service's clock moved, never
slept."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect
from support import query
from support.browser import Site, check_accessible, new_person, sign_in, signed_in


def try_password(page: Page, username: str, password: str) -> str:
    page.goto("/sign-in")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    alert = page.get_by_role("alert")
    return alert.inner_text() if alert.count() else ""


def test_failures_answer_the_same_words_slow_down_then_lock(
    page: Page, browser: Browser, site: Site
) -> None:
    person = new_person(browser, site)
    stranger = f"nobody-{uuid.uuid4().hex[:8]}"
    moved = 0.0
    for attempt in range(1, 11):
        known = try_password(page, person.username, "not the password")
        unknown = try_password(page, stranger, "not the password")
        # No enumeration: an unknown name gets exactly the answer a known one gets.
        assert known == unknown, (attempt, known, unknown)
        if attempt < 3:
            assert "The username or password is not right" in known
        else:
            assert "Too many failed attempts. Try again in" in known
        if attempt == 3:
            check_accessible(page)
        # Wait out the delay on the service's clock (2 s, doubling; 15 minutes once locked).
        wait = 2 * 2 ** (attempt - 3) + 1 if 3 <= attempt < 10 else 1
        moved += wait
        site.move_clock(moved)
    locked = query(
        site.dsn, "SELECT locked_until FROM accounts WHERE username = $1", person.username
    )[0][0]
    assert locked is not None
    # Locked: even the right password is refused, with the same words as before.
    answer = try_password(page, person.username, person.password)
    assert "Too many failed attempts. Try again in" in answer
    assert answer == try_password(page, stranger, person.password)
    # An administrator unlocks it; the person signs in at once.
    signed_in(page, site, "admin-1")
    page.goto("/admin/users")
    page.get_by_role("link", name=person.username).click()
    expect(page.get_by_text("Locked", exact=True)).to_be_visible()
    page.get_by_role("button", name="Unlock").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    page.context.clear_cookies()
    sign_in(page, site, person.username, person.password, code=person.codes[0])
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {person.name}")


def test_a_session_ends_after_30_minutes_idle(page: Page, site: Site) -> None:
    sign_in(page, site, "auditor-1")
    site.move_clock(29 * 60)
    page.goto("/account")
    assert page.url.endswith("/account")
    site.move_clock(29 * 60 + 31 * 60)  # 31 minutes after the last page
    page.goto("/account")
    assert "/sign-in" in page.url
    expect(page.get_by_role("status")).to_contain_text("Your session ended")
    check_accessible(page)


def test_a_session_ends_after_12_hours_however_busy(page: Page, site: Site) -> None:
    sign_in(page, site, "donor-1")
    for step in range(1, 25):  # a page every 29 minutes: never idle
        site.move_clock(step * 29 * 60)
        page.goto("/")
        assert "/sign-in" not in page.url, f"ended after {step * 29} minutes"
    site.move_clock(25 * 29 * 60)  # 12 h 5 min after signing in
    page.goto("/")
    assert "/sign-in" in page.url


def test_every_sign_in_gets_a_new_session_id(page: Page, site: Site) -> None:
    page.goto("/sign-in")
    page.get_by_label("Username").fill("legal-1")
    page.get_by_label("Password").fill(site.passwords["legal-1"])
    page.get_by_role("button", name="Sign in").click()
    half = {c["name"]: c["value"] for c in page.context.cookies()}["__Host-vfund"]
    page.get_by_label("Code").fill(site.code("legal-1"))
    page.get_by_role("button", name="Continue").click()
    full = {c["name"]: c["value"] for c in page.context.cookies()}["__Host-vfund"]
    assert half != full
    # The half-way session is gone: its cookie opens nothing.
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": "__Host-vfund",
                "value": half,
                "domain": "127.0.0.1",
                "path": "/",
                "secure": True,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )
    page.goto("/sign-in/code")
    assert page.url.endswith("/sign-in")


def test_sign_out_my_other_sessions(page: Page, browser: Browser, site: Site) -> None:
    person = new_person(browser, site)
    sign_in(page, site, person.username, person.password)
    context, elsewhere = person.elsewhere(browser, site)
    try:
        page.goto("/account")
        expect(page.locator("table tbody tr")).to_have_count(2)
        check_accessible(page)
        page.get_by_role("button", name="Sign out my other sessions").click()
        expect(page.get_by_role("status")).to_have_text("Your other sessions have ended.")
        expect(page.locator("table tbody tr")).to_have_count(1)
        elsewhere.goto("/account")
        assert "/sign-in" in elsewhere.url
    finally:
        context.close()


def test_a_password_change_ends_every_other_session(
    page: Page, browser: Browser, site: Site
) -> None:
    person = new_person(browser, site)
    sign_in(page, site, person.username, person.password)
    context, elsewhere = person.elsewhere(browser, site)
    try:
        page.goto("/account")
        page.get_by_label("Current password").fill("wrong one")
        page.get_by_label("New password", exact=True).fill("short")
        page.get_by_label("New password again").fill("short")
        page.get_by_role("button", name="Change password").click()
        expect(page.get_by_role("alert")).to_contain_text("This is not your current password.")
        field = page.get_by_label("Current password")
        expect(field).to_have_attribute("aria-invalid", "true")
        described = field.get_attribute("aria-describedby") or ""
        assert "e-current_password-1" in described
        new = person.password + " and more"
        page.get_by_label("Current password").fill(person.password)
        page.get_by_label("New password", exact=True).fill(new)
        page.get_by_label("New password again").fill(new)
        page.get_by_role("button", name="Change password").click()
        expect(page.get_by_role("status")).to_contain_text("Your password is changed.")
        elsewhere.goto("/account")
        assert "/sign-in" in elsewhere.url
        page.goto("/account")  # this browser goes on, with a new session
        assert page.url.endswith("/account")
        page.context.clear_cookies()
        assert "The username or password is not right" in try_password(
            page, person.username, person.password
        )
        sign_in(page, site, person.username, new, code=person.codes[0])
    finally:
        context.close()
