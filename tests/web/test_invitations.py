"""Invitations: invite -> activate -> enrol TOTP -> sign in -> sign out, single-use links,
recovery codes, and the events (ids and codes only)."""

from __future__ import annotations

import json
import re
import uuid

import pyotp
from playwright.sync_api import Browser, Page, expect
from support import query, stream_messages, wait_for
from support.browser import Site, check_accessible, new_page, signed_in

from dev.stack import Stack


def invite(
    page: Page,
    site: Site,
    *,
    username: str,
    name: str,
    email: str,
    role: str,
    org: str | None = None,
    as_user: str = "admin-1",
) -> str:
    """Through /admin/users; returns the invitation link shown once."""
    signed_in(page, site, as_user)
    page.goto("/admin/users")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label(role, exact=True).check()
    if org is not None:
        page.get_by_label("Organisation", exact=True).select_option(org)
    page.get_by_role("button", name="Invite").click()
    expect(page.get_by_role("heading", name="Invitation ready")).to_be_visible()
    check_accessible(page)
    link = page.locator(".panel .secret").inner_text().strip()
    assert link.startswith(site.url + "/invitation/"), link
    return link


def activate(page: Page, link: str, password: str) -> tuple[str, list[str]]:
    """Opens the link, sets the password, enrols the second factor; (secret, recovery codes)."""
    page.goto(link)
    check_accessible(page)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password again").fill(password)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your second factor")
    check_accessible(page)
    secret = page.locator(".secret").inner_text().replace(" ", "")
    uri = page.get_by_role("link", name="Open in your authenticator app").get_attribute("href")
    assert uri is not None and uri.startswith("otpauth://totp/") and f"secret={secret}" in uri
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
    codes = [c.strip() for c in page.locator(".codes code").all_inner_texts()]
    assert len(codes) == 10 and len(set(codes)) == 10
    check_accessible(page)
    page.get_by_role("link", name="I have kept them: continue").click()
    return secret, codes


def test_invite_activate_enrol_sign_in_and_out(
    page: Page, browser: Browser, site: Site, stack: Stack
) -> None:
    tag = uuid.uuid4().hex[:8]
    username, name, email = f"anna-{tag}", f"Anna Invitee {tag}", f"anna-{tag}@partner.example"
    link = invite(
        page, site, username=username, name=name, email=email, role="Caseworker", org="org-a"
    )
    context, newcomer, console = new_page(browser, site)
    try:
        password = f"correct horse battery {tag}"
        secret, _ = activate(newcomer, link, password)
        expect(newcomer.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
        newcomer.get_by_role("button", name="Sign out").click()
        expect(newcomer.get_by_role("status")).to_have_text("You have signed out.")
        # The link is spent.
        newcomer.goto(link)
        expect(newcomer.get_by_text("This invitation link is no longer valid")).to_be_visible()
        # Sign in again: password, then a code from the app.
        newcomer.goto("/sign-in")
        newcomer.get_by_label("Username").fill(username)
        newcomer.get_by_label("Password").fill(password)
        newcomer.get_by_role("button", name="Sign in").click()
        expect(newcomer.get_by_role("heading", level=1)).to_have_text("Enter your code")
        check_accessible(newcomer)
        step = int(site.now()) // 30 + 1  # the enrolment spent this step's code
        newcomer.get_by_label("Code").fill(pyotp.TOTP(secret).at(step * 30))
        newcomer.get_by_role("button", name="Continue").click()
        expect(newcomer.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
        newcomer.get_by_role("button", name="Sign out").click()
        assert not console.errors, console.errors
    finally:
        context.close()

    account_id = query(site.dsn, "SELECT account_id FROM accounts WHERE username = $1", username)[
        0
    ][0]

    # The events name the account by its id, never by name or e-mail.
    def events() -> list[tuple[str, dict]]:
        return [
            (s, json.loads(d))
            for s, d, _ in stream_messages(stack.nats_url, "vfund.web.>")
            if account_id in d.decode()
        ]

    kinds = wait_for(
        lambda: (e := events()) and len({s for s, _ in e}) >= 3 and e,
        what="the account's events in the stream",
    )
    subjects = {s for s, _ in kinds}
    assert {
        "vfund.web.user.invited",
        "vfund.web.user.activated",
        "vfund.web.user.signed_in",
    } <= subjects
    for subject, event in kinds:
        text = json.dumps(event)
        assert name not in text and email not in text and username not in text, subject
        assert password not in text
    signed = [e["data"] for s, e in kinds if s == "vfund.web.user.signed_in"]
    assert {"user_id": account_id, "method": "password", "mfa": True} in signed
    invited = next(e["data"] for s, e in kinds if s == "vfund.web.user.invited")
    assert invited == {
        "user_id": account_id,
        "roles": ["caseworker"],
        "org_id": "org-a",
        "by": "admin-1",
    }


def test_a_recovery_code_signs_in_once(page: Page, browser: Browser, site: Site) -> None:
    tag = uuid.uuid4().hex[:8]
    link = invite(
        page,
        site,
        username=f"rec-{tag}",
        name=f"Rec {tag}",
        email=f"rec-{tag}@fund.example",
        role="Auditor",
    )
    context, person, _ = new_page(browser, site)
    try:
        password = f"recovery test password {tag}"
        _, codes = activate(person, link, password)
        for attempt in range(2):
            person.context.clear_cookies()
            person.goto("/sign-in")
            person.get_by_label("Username").fill(f"rec-{tag}")
            person.get_by_label("Password").fill(password)
            person.get_by_role("button", name="Sign in").click()
            person.get_by_label("Code").fill(codes[3])
            person.get_by_role("button", name="Continue").click()
            if attempt == 0:
                expect(person.get_by_role("heading", level=1)).to_have_text(f"Welcome, Rec {tag}")
            else:
                expect(person.get_by_role("alert")).to_contain_text("This code is not right")
        person.goto("/sign-in")  # the half-done sign-in goes on with another code
        person.get_by_label("Code").fill(codes[4].upper())
        person.get_by_role("button", name="Continue").click()
        expect(person.get_by_role("heading", level=1)).to_have_text(f"Welcome, Rec {tag}")
        person.goto("/account")
        expect(person.get_by_text("Recovery codes left: 8")).to_be_visible()
    finally:
        context.close()


def test_an_expired_invitation_is_refused(page: Page, browser: Browser, site: Site) -> None:
    tag = uuid.uuid4().hex[:8]
    link = invite(
        page,
        site,
        username=f"late-{tag}",
        name=f"Late {tag}",
        email=f"late-{tag}@fund.example",
        role="Auditor",
    )
    site.move_clock(48 * 3600 + 60)
    context, late, _ = new_page(browser, site)
    try:
        late.goto(link)
        expect(late.get_by_text("This invitation link is no longer valid")).to_be_visible()
        assert late.get_by_label("Password", exact=True).count() == 0
    finally:
        context.close()
    assert re.search(r"/invitation/[\w-]{20,}$", link)
