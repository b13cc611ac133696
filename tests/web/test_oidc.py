"""Single sign-on against a real OpenID provider process (oidc-provider-mock, PKCE required):
authorization code + PKCE + nonce; an identity nobody linked is refused."""

from __future__ import annotations

import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from support import stream_messages, wait_for
from support.browser import Site, check_accessible, new_page, signed_in

from dev.servers import free_port
from dev.stack import Stack

PROVIDER = Path(__file__).with_name("oidc_provider.py")
OIDC_ENV = ("VFUND_OIDC_ISSUER", "VFUND_OIDC_CLIENT_ID", "VFUND_OIDC_CLIENT_SECRET")


@pytest.fixture(scope="module")
def provider(stack: Stack, site: Site) -> Iterator[str]:
    """The provider's process, and the web service restarted to trust it (and after)."""
    port = free_port()
    issuer = f"http://127.0.0.1:{port}"
    log = open(stack.root / "logs" / "oidc-provider.out", "ab")  # noqa: SIM115
    process = subprocess.Popen([sys.executable, str(PROVIDER), str(port)], stdout=log, stderr=log)
    try:
        wait_for(lambda: _up(issuer), timeout=30, what="the OpenID provider")
        stack.restart(
            "web",
            kill=False,
            env={
                "VFUND_OIDC_ISSUER": issuer,
                "VFUND_OIDC_CLIENT_ID": "vfund-web",
                "VFUND_OIDC_CLIENT_SECRET": secrets.token_urlsafe(24),
            },
        )
        site.url = stack.services["web"].url
        yield issuer
    finally:
        for name in OIDC_ENV:
            stack.services["web"].env.pop(name, None)
        stack.restart("web", kill=False)
        process.terminate()
        process.wait(10)
        log.close()


def _up(issuer: str) -> bool:
    try:
        return httpx.get(issuer + "/.well-known/openid-configuration").status_code == 200
    except httpx.HTTPError:
        return False


def sso(page: Page, subject: str) -> None:
    page.goto("/sign-in")
    page.get_by_role("link", name="Sign in with the fund's single sign-on").click()
    page.get_by_placeholder("sub").fill(subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_load_state()


def test_a_linked_identity_signs_in_and_an_unlinked_one_is_refused(
    page: Page, browser: Browser, site: Site, stack: Stack, provider: str
) -> None:
    subject = f"staff-{secrets.token_hex(4)}@fund.example"
    signed_in(page, site, "admin-1")
    page.goto("/admin/users/manager-2")
    check_accessible(page)
    page.get_by_label("Identity at the fund's provider").fill(subject)
    page.get_by_role("button", name="Link").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")

    context, staff, _ = new_page(browser, site)
    try:
        sso(staff, subject)
        expect(staff.get_by_role("heading", level=1)).to_have_text("Welcome, Fund Manager 2")
        assert staff.url.startswith(site.url)
        staff.context.clear_cookies()
        sso(staff, f"stranger-{secrets.token_hex(4)}@elsewhere.example")
        expect(staff.get_by_role("alert")).to_contain_text("not linked to an account")
        staff.goto("/")
        assert "/sign-in" in staff.url
    finally:
        context.close()
    signed = wait_for(
        lambda: [
            d
            for s, d, _ in stream_messages(stack.nats_url, "vfund.web.user.signed_in")
            if b'"method":"oidc"' in d and b"manager-2" in d
        ],
        what="the single sign-on's signed_in event",
    )
    assert subject.encode() not in signed[0]


def test_the_provider_insists_on_pkce_and_nonce_and_a_forged_state_is_refused(
    page: Page, site: Site, provider: str
) -> None:
    authorize = httpx.get(provider + "/.well-known/openid-configuration").json()[
        "authorization_endpoint"
    ]
    asked = {
        "client_id": "vfund-web",
        "response_type": "code",
        "scope": "openid",
        "state": "s",
        "redirect_uri": site.url + "/sign-in/oidc/callback",
    }
    for missing in ({"nonce": "n"}, {"code_challenge": "x" * 43, "code_challenge_method": "S256"}):
        # Without PKCE, or without a nonce, the provider gives no code.
        answer = httpx.post(authorize, params=asked | missing, data={"sub": "someone"})
        assert "code=" not in answer.headers.get("location", ""), answer.headers
    given = httpx.post(
        authorize,
        data={"sub": "someone"},
        params=asked | {"nonce": "n", "code_challenge": "x" * 43, "code_challenge_method": "S256"},
    )
    assert "code=" in given.headers["location"], "with both, the same request gets a code"
    # Our own flow got through that provider (previous test); a callback with another state
    # than the one this browser started with gets nowhere.
    page.goto("/sign-in/oidc")
    time.sleep(0.1)
    page.goto("/sign-in/oidc/callback?code=forged&state=forged")
    expect(page.get_by_role("alert")).to_contain_text("not linked to an account")
    page.goto("/")
    assert "/sign-in" in page.url
