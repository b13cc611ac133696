"""The door: signing in and out, what each role finds, and what each may open."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from support.browser import Site, check_accessible, sign_in, signed_in

NAVIGATION = {
    "caseworker-a": {"Home"},
    "orgadmin-a": {"Home", "Users"},
    "medical-1": {"Home"},
    "legal-1": {"Home"},
    "manager-1": {"Home"},
    "finance-1": {"Home"},
    "auditor-1": {"Home"},
    "donor-1": {"Home"},
    "admin-1": {"Home", "Organisations", "Users"},
}
# (user, path, status): the admin pages open for their roles only.
OPENS = [
    ("admin-1", "/admin/users", 200),
    ("admin-1", "/admin/organisations", 200),
    ("orgadmin-a", "/admin/users", 200),
    ("orgadmin-a", "/admin/organisations", 403),
    ("caseworker-a", "/admin/users", 403),
    ("medical-1", "/admin/organisations", 403),
    ("finance-1", "/admin/users", 403),
    ("donor-1", "/admin/users", 403),
]


def nav_labels(page: Page) -> set[str]:
    nav = page.get_by_role("navigation", name="Main")
    return {link.inner_text().strip() for link in nav.get_by_role("link").all()}


@pytest.mark.parametrize("user", NAVIGATION)
def test_each_role_finds_its_pages_in_the_navigation(page: Page, site: Site, user: str) -> None:
    """Entries come from the table (role -> pages); an area's entry appears once its pages
    are served, so only the pages this service serves today are listed."""
    signed_in(page, site, user)
    expected = NAVIGATION[user]
    assert nav_labels(page) >= expected
    assert "Organisations" in nav_labels(page) or user != "admin-1"
    if user not in ("admin-1", "orgadmin-a"):
        assert not {"Users", "Organisations"} & nav_labels(page)
    expect(page.get_by_role("banner")).to_contain_text(
        page.evaluate("document.querySelector('.who a[href=\"/account\"]').textContent")
    )


@pytest.mark.parametrize(("user", "path", "status"), OPENS)
def test_a_role_opens_only_its_pages(
    page: Page, site: Site, user: str, path: str, status: int
) -> None:
    signed_in(page, site, user)
    response = page.goto(path)
    assert response is not None and response.status == status
    if status == 403:
        expect(page.get_by_role("heading", level=1)).to_have_text("You may not open this page")


def test_unknown_pages_are_the_404_page_and_signed_out_visitors_go_to_sign_in(
    page: Page, site: Site
) -> None:
    response = page.goto("/admin/users")
    assert response is not None and "/sign-in?next=/admin/users" in page.url
    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    check_accessible(page)


def test_sign_in_sign_out_and_the_session_is_gone(page: Page, site: Site) -> None:
    page.goto("/sign-in")
    check_accessible(page)
    sign_in(page, site, "manager-1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Fund Manager 1")
    check_accessible(page)
    cookie = next(c for c in page.context.cookies() if c["name"] == "__Host-vfund")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You have signed out.")
    # The old cookie does not bring the session back: it ended on the server.
    page.context.add_cookies([cookie])
    page.goto("/")
    assert "/sign-in" in page.url
