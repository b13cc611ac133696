"""Organisations and accounts: an administrator for everyone, an organisation's admin for its
caseworkers only; step-up for a role change; the sessions that end."""

from __future__ import annotations

import uuid

from playwright.sync_api import Browser, Page, expect
from support import query
from support.browser import (
    Site,
    activate,
    check_accessible,
    invite,
    new_page,
    new_person,
    sign_in,
    signed_in,
)


def open_person(page: Page, username: str) -> None:
    page.goto("/admin/users")
    page.get_by_role("link", name=username, exact=True).click()


def test_a_role_change_asks_for_the_second_factor_again_and_ends_the_sessions(
    page: Page, browser: Browser, site: Site
) -> None:
    person = new_person(browser, site, roles=("Auditor",))
    context, theirs = person.elsewhere(browser, site)
    try:
        signed_in(page, site, "admin-1")
        site.move_clock(6 * 60)  # more than 5 minutes since admin-1's code was given
        open_person(page, person.username)
        check_accessible(page)
        page.get_by_label("Fund manager", exact=True).check()
        page.get_by_role("button", name="Save roles").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
        check_accessible(page)
        page.get_by_label("Code").fill("000000")
        page.get_by_role("button", name="Confirm and continue").click()
        expect(page.get_by_role("alert")).to_contain_text("This code is not right")
        roles = query(site.dsn, "SELECT roles FROM accounts WHERE username = $1", person.username)
        assert roles[0][0] == ["auditor"], "nothing changed without the code"
        theirs.goto("/")
        assert "/sign-in" not in theirs.url
        page.get_by_label("Code").fill(site.code("admin-1"))
        page.get_by_role("button", name="Confirm and continue").click()
        expect(page.get_by_role("status")).to_have_text("Saved.")
        roles = query(site.dsn, "SELECT roles FROM accounts WHERE username = $1", person.username)
        assert roles[0][0] == ["fund_manager", "auditor"]
        theirs.goto("/")
        assert "/sign-in" in theirs.url, "a role change ends the person's sessions"
        # The code was given just now: the next change goes through without asking.
        page.get_by_label("Fund manager", exact=True).uncheck()
        page.get_by_role("button", name="Save roles").click()
        expect(page.get_by_role("status")).to_have_text("Saved.")
        roles = query(site.dsn, "SELECT roles FROM accounts WHERE username = $1", person.username)
        assert roles[0][0] == ["auditor"]
    finally:
        context.close()


def test_disable_enable_and_reset_the_second_factor(
    page: Page, browser: Browser, site: Site
) -> None:
    person = new_person(browser, site)
    context, theirs = person.elsewhere(browser, site)
    try:
        signed_in(page, site, "admin-1")
        open_person(page, person.username)
        page.get_by_role("button", name="Disable").click()
        expect(page.get_by_role("status")).to_have_text("Saved.")
        theirs.goto("/")
        assert "/sign-in" in theirs.url
        theirs.get_by_label("Username").fill(person.username)
        theirs.get_by_label("Password").fill(person.password)
        theirs.get_by_role("button", name="Sign in").click()
        expect(theirs.get_by_role("alert")).to_contain_text("The username or password is not right")

        page.get_by_role("button", name="Enable").click()
        expect(page.get_by_role("status")).to_have_text("Saved.")
        page.get_by_role("button", name="Reset the second factor").click()
        expect(page.get_by_role("status")).to_have_text("Saved.")
        # Next sign-in: the password, then nothing but the enrolment of a new factor.
        theirs.goto("/sign-in")
        theirs.get_by_label("Username").fill(person.username)
        theirs.get_by_label("Password").fill(person.password)
        theirs.get_by_role("button", name="Sign in").click()
        expect(theirs.get_by_role("heading", level=1)).to_have_text("Set up your second factor")
        theirs.goto("/account")
        assert "/enrol" in theirs.url, "without a second factor only the enrolment opens"
    finally:
        context.close()


def test_organisations_register_edit_suspend_reinstate(
    page: Page, browser: Browser, site: Site
) -> None:
    org_id = f"org-{uuid.uuid4().hex[:6]}"
    signed_in(page, site, "admin-1")
    page.goto("/admin/organisations")
    check_accessible(page)
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("alert")).to_be_visible()
    org_field = page.get_by_label("Organisation id")
    expect(org_field).to_have_attribute("aria-invalid", "true")
    page.get_by_label("Organisation id").fill(org_id)
    page.get_by_label("Name").fill("Clinic Partners")
    page.get_by_label("Country").fill("jo")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    page.get_by_label("Name").fill("Clinic Partners Amman")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Name")).to_have_value("Clinic Partners Amman")

    person = new_person(browser, site, roles=("Caseworker",), org=org_id)
    context, theirs = person.elsewhere(browser, site)
    try:
        page.goto(f"/admin/organisations/{org_id}")
        page.get_by_role("button", name="Suspend").click()
        expect(page.get_by_text("Suspended", exact=True)).to_be_visible()
        theirs.goto("/")
        assert "/sign-in" in theirs.url, "a suspended organisation's people are signed out"
        page.get_by_role("button", name="Reinstate").click()
        expect(page.get_by_text("Active", exact=True)).to_be_visible()
        sign_in(theirs, site, person.username, person.password, code=person.codes[0])
    finally:
        context.close()
    rows = query(
        site.dsn, "SELECT name, country, status FROM organisations WHERE org_id = $1", org_id
    )
    assert tuple(rows[0]) == ("Clinic Partners Amman", "JO", "active")


def test_an_organisation_admin_manages_its_own_caseworkers_only(
    page: Page, browser: Browser, site: Site
) -> None:
    tag = uuid.uuid4().hex[:8]
    link = invite(
        page,
        site,
        username=f"cw-{tag}",
        name=f"Caseworker {tag}",
        email=f"cw-{tag}@partner.example",
        roles=("Caseworker",),
        as_user="orgadmin-a",
    )
    page.goto("/admin/users")
    check_accessible(page)
    boxes = page.locator("input[name=roles]")
    assert boxes.count() == 1 and boxes.first.get_attribute("value") == "caseworker"
    assert page.locator("select[name=org_id]").count() == 0
    listed = set(page.locator("tbody td:first-child").all_inner_texts())
    assert f"cw-{tag}" in listed and "caseworker-a" in listed
    assert not {"caseworker-b", "admin-1", "orgadmin-a", "manager-1"} & listed
    row = query(site.dsn, "SELECT org_id, roles FROM accounts WHERE username = $1", f"cw-{tag}")
    assert tuple(row[0]) == ("org-a", ["caseworker"])
    for other in ("caseworker-b", "admin-1", "manager-1"):
        answer = page.goto(f"/admin/users/{other}")
        assert answer is not None and answer.status == 404
    # A forged form asking for more than caseworker is refused and changes nothing.
    page.goto("/admin/users/caseworker-a")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    answer = page.request.post(
        "/admin/users/caseworker-a/roles",
        form={"csrf_token": token, "roles": "admin", "step_up": site.code("orgadmin-a")},
    )
    assert 'class="error-summary"' in answer.text() and "There is a problem" in answer.text()
    assert query(site.dsn, "SELECT roles FROM accounts WHERE account_id = 'caseworker-a'")[0][
        0
    ] == ["caseworker"]
    context, newcomer, _ = new_page(browser, site)
    try:
        activate(newcomer, site, link, f"org admin made me {tag}")
        expect(newcomer.get_by_role("heading", level=1)).to_have_text(f"Welcome, Caseworker {tag}")
    finally:
        context.close()
