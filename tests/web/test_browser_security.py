"""Browser security (section 7): headers on every answer, CSRF on every change, no asset from
another host, no inline script or style."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect
from support import query
from support.browser import Site, signed_in

from services.web import pages
from services.web.security import CONTENT_SECURITY_POLICY

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def check_headers(headers: dict[str, str]) -> None:
    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "camera=()" in headers["permissions-policy"]
    assert "geolocation=()" in headers["permissions-policy"]
    assert "server" not in headers


def test_the_policy_is_the_contracts() -> None:
    assert CONTENT_SECURITY_POLICY == CSP


@pytest.mark.parametrize(
    "path", ["/sign-in", "/", "/no-such-page", "/static/vfund.css", "/health/live", "/metrics"]
)
def test_every_answer_carries_the_headers(site: Site, path: str) -> None:
    check_headers(dict(httpx.get(site.url + path).headers))


def test_every_page_a_user_opens_carries_the_headers_and_only_this_hosts_assets(
    page: Page, site: Site
) -> None:
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    signed_in(page, site, "admin-1")
    for path in ("/", "/account", "/admin/users", "/admin/organisations"):
        response = page.goto(path)
        assert response is not None and response.status == 200
        check_headers(response.headers)
        assert response.headers["cache-control"] == "no-store"
        html = page.content()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
        assert "<style" not in html and " style=" not in html, "inline style"
        assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    assert requested and all(url.startswith(site.url) for url in requested), requested


def test_a_change_without_the_csrf_token_is_refused_and_changes_nothing(
    page: Page, site: Site
) -> None:
    signed_in(page, site, "admin-1")
    before = query(site.dsn, "SELECT count(*) FROM organisations")[0][0]
    form = {"org_id": "org-csrf", "name": "No token", "country": "LB"}
    refused = page.request.post("/admin/organisations", form=form)
    assert refused.status == 403
    assert "This form has expired" in refused.text()
    forged = page.request.post("/admin/organisations", form=form | {"csrf_token": "forged"})
    assert forged.status == 403
    assert query(site.dsn, "SELECT count(*) FROM organisations")[0][0] == before
    # The same form sent from the page, with its token, is taken.
    page.goto("/admin/organisations")
    page.get_by_label("Organisation id").fill("org-csrf")
    page.get_by_label("Name").fill("With token")
    page.get_by_label("Country").fill("LB")
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    assert query(site.dsn, "SELECT name FROM organisations WHERE org_id = 'org-csrf'")[0][0] == (
        "With token"
    )


def test_every_state_changing_route_checks_the_csrf_token() -> None:
    from fastapi.routing import APIRoute

    from services.web.access import csrf_protect

    for router in pages.routers():
        for route in router.routes:
            assert isinstance(route, APIRoute)
            if route.methods - {"GET", "HEAD"}:
                calls = {d.call for d in route.dependant.dependencies}
                assert csrf_protect in calls, f"{route.path} does not check the CSRF token"


def test_a_cross_site_post_is_refused(page: Page, site: Site) -> None:
    signed_in(page, site, "admin-1")
    page.goto("/account")
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    answer = page.request.post(
        "/account/sessions/others",
        form={"csrf_token": token or ""},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert answer.status == 403
