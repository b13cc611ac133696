"""The web tests' browser: one headless Chromium (Debian's, driven by Playwright) for the whole
session, the running system's web service, and helpers a page test needs.

- `Site`: the web service of the session's stack (URL, demo passwords and TOTP secrets, its
  clock: `site.move_clock(seconds)` moves it, `site.reset_clock()` puts it back).
- `signed_in(page, site, user)`: a page signed in as a demo user (a cached session when one is
  still good, else a full sign-in with password and code).
- `sign_in(page, site, user, password=None)`: a full sign-in through the pages.
- `check_accessible(page)`: axe-core finds no violation on the page as it is now.
- Every page made by the `page` fixture records console errors; the test fails at its end if
  there was one (an error status the test navigated to on purpose is not one).
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pyotp
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Response

from dev.stack import Stack
from services.web.keys import Keys
from services.web.settings import WebSettings

CHROMIUM = os.environ.get("VFUND_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LANGUAGES = ("en", "fr", "es", "ar")


def chromium_path() -> str:
    found = shutil.which(CHROMIUM) or (CHROMIUM if Path(CHROMIUM).exists() else None)
    if found is None:
        raise RuntimeError(
            f"Chromium is not installed at {CHROMIUM}: `make test` installs Debian's `chromium`"
            " (apt-get install chromium, as root). The browser tests are never skipped."
        )
    return found


@dataclass
class Site:
    """The session's web service and what the tests know of its demo users."""

    url: str
    dsn: str
    passwords: dict[str, str]
    secrets: dict[str, str]
    # The web's derived keys (from the stack's web key): what the tests need to find a row the
    # service keys by HMAC, such as a user's failed sign-ins.
    keys: Keys | None = None
    states: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, stack: Stack) -> Site:
        folder = stack.root / "secrets"
        return cls(
            url=stack.services["web"].url,
            dsn=stack.service_dsns["web"],
            passwords=dict(stack.passwords),
            secrets={
                path.name.removeprefix("web_totp_"): path.read_text().strip()
                for path in folder.glob("web_totp_*")
            },
            keys=Keys.from_settings(WebSettings(web_token_key=stack.keys.web_private))
            if stack.keys
            else None,
        )

    def now(self) -> float:
        return float(httpx.get(self.url + "/_test/clock").json()["now"])

    def move_clock(self, seconds: float) -> None:
        """The web service's clock, `seconds` ahead of real time (sessions, step-up)."""
        response = httpx.post(self.url + "/_test/clock", json={"offset_seconds": seconds})
        assert response.status_code == 200, response.text

    def reset_clock(self) -> None:
        self.move_clock(0)

    def forgive(self, user: str) -> None:
        """Forget the user's failed sign-ins: tests that give a wrong code on purpose (a
        refused step-up, say) would otherwise slow another test's sign-in as the same demo
        user. Throttling itself is tested with accounts of its own (test_sign_in.py)."""
        from support import query

        assert self.keys is not None
        key = self.keys.username_key(user)
        query(self.dsn, "DELETE FROM sign_in_attempts WHERE username_key = $1", key)

    def code(self, user: str, secret: str | None = None) -> str:
        """A TOTP code the service will take: a time step its clock accepts and not used yet
        (each code works once; waits for the next step when the three it accepts are spent)."""
        from support import query

        secret = secret or self.secrets[user]
        while True:
            now = self.now()
            current = int(now) // 30
            rows = (
                query(self.dsn, "SELECT totp_last_step FROM accounts WHERE username = $1", user)
                if user
                else []
            )
            last = rows[0][0] if rows and rows[0][0] is not None else -1
            for step in (current - 1, current, current + 1):
                # The step before is taken only early in this one: on a loaded machine the
                # service may check the code a few seconds later, when it is no longer accepted.
                late = step == current - 1 and now % 30 > 15
                if step > last and not late:
                    return pyotp.TOTP(secret).at(step * 30)
            time.sleep(30 - now % 30 + 0.2)


class Console:
    """Console errors and uncaught exceptions of one page while it shows this site's pages
    (another site's, like the OpenID provider's, are not ours to judge); the error status of a
    document the test opened on purpose (a 403 or 404 page) is not counted."""

    def __init__(self, page: Page, origin: str) -> None:
        self.errors: list[str] = []
        self._page = page
        self._origin = origin
        self._error_documents: set[str] = set()
        page.on("console", self._console)
        page.on("pageerror", self._uncaught)
        page.on("response", self._response)

    def _uncaught(self, exc: Exception) -> None:
        if self._page.url.startswith(self._origin):
            self.errors.append(f"uncaught: {exc}")

    def _response(self, response: Response) -> None:
        if response.request.is_navigation_request() and response.status >= 400:
            self._error_documents.add(response.url)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error" or not self._page.url.startswith(self._origin):
            return
        url = (message.location or {}).get("url", "")
        if message.text.startswith("Failed to load resource") and url in self._error_documents:
            return
        self.errors.append(f"{message.text} ({url})")


def new_page(
    browser: Browser, site: Site, *, language: str = "en"
) -> tuple[BrowserContext, Page, Console]:
    context = browser.new_context(base_url=site.url, locale=language)
    context.set_default_timeout(15_000)
    page = context.new_page()
    return context, page, Console(page, site.url)


def sign_in(
    page: Page, site: Site, user: str, password: str | None = None, code: str | None = None
) -> None:
    """Through the pages, as a person would: username and password, then the code (from the
    app, or `code`: a recovery code, which spares waiting for an unused time step)."""
    # Fields by their ids, sent with Enter: the page may be in any of the four languages.
    site.forgive(user)
    page.goto("/sign-in")
    page.locator("#f-username").fill(user)
    page.locator("#f-password").fill(password or site.passwords[user])
    with page.expect_navigation():
        page.locator("#f-password").press("Enter")
    if "/sign-in/code" in page.url:
        page.locator("#f-code").fill(code or site.code(user))
        with page.expect_navigation():
            page.locator("#f-code").press("Enter")
    assert "/sign-in" not in page.url, f"{user} could not sign in: {page.url}"


def signed_in(page: Page, site: Site, user: str) -> Page:
    """The page signed in as `user`, reusing a session of an earlier test while it lasts."""
    state = site.states.get(user)
    page.context.clear_cookies()
    if state is not None:
        page.context.add_cookies(state)
        page.goto("/")
        if "/sign-in" not in page.url:
            return page
        page.context.clear_cookies()
    sign_in(page, site, user)
    site.states[user] = page.context.cookies()
    return page


def check_accessible(page: Page) -> None:
    """axe-core (WCAG 2.x A/AA and best practices) finds nothing on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


@dataclass(frozen=True)
class Person:
    """An account made for one test through the pages (invited by admin-1, activated)."""

    username: str
    name: str
    password: str
    secret: str
    codes: tuple[str, ...]
    # The session the activation left signed in (a second browser's, for the tests).
    cookies: tuple[Any, ...]

    def elsewhere(self, browser: Browser, site: Site) -> tuple[BrowserContext, Page]:
        """Another browser context, signed in as this person (the activation's session)."""
        context, page, _ = new_page(browser, site)
        context.add_cookies(list(self.cookies))
        return context, page


def invite(
    page: Page,
    site: Site,
    *,
    username: str,
    name: str,
    email: str,
    roles: tuple[str, ...],
    org: str | None = None,
    donor: str | None = None,
    as_user: str = "admin-1",
) -> str:
    """Through /admin/users (roles by their labels); returns the link shown once."""
    signed_in(page, site, as_user)
    page.goto("/admin/users")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("E-mail").fill(email)
    for role in roles:
        page.get_by_label(role, exact=True).check()
    if org is not None:
        page.get_by_label("Organisation", exact=True).select_option(org)
    if donor is not None:
        page.get_by_label("Donor name").fill(donor)
    page.get_by_role("button", name="Invite").click()
    link = page.locator(".panel .secret").inner_text().strip()
    assert link.startswith(site.url + "/invitation/"), link
    return link


def activate(page: Page, site: Site, link: str, password: str) -> tuple[str, list[str]]:
    """Opens the link, sets the password, enrols the second factor; (secret, recovery codes)."""
    page.goto(link)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password again").fill(password)
    page.get_by_role("button", name="Continue").click()
    secret = page.locator(".secret").inner_text().replace(" ", "")
    page.get_by_label("Code").fill(site.code("", secret=secret))
    page.get_by_role("button", name="Confirm").click()
    codes = [c.strip() for c in page.locator(".codes code").all_inner_texts()]
    page.get_by_role("link", name="I have kept them: continue").click()
    return secret, codes


def new_person(
    browser: Browser, site: Site, roles: tuple[str, ...] = ("Auditor",), org: str | None = None
) -> Person:
    import uuid

    tag = uuid.uuid4().hex[:8]
    username, name = f"p-{tag}", f"Person {tag}"
    context, page, _ = new_page(browser, site)
    try:
        link = invite(
            page, site, username=username, name=name, email=f"{username}@fund.example",
            roles=roles, org=org,
        )  # fmt: skip
        page.context.clear_cookies()
        password = f"a long pass phrase {tag}"
        secret, codes = activate(page, site, link, password)
        cookies = tuple(context.cookies())
    finally:
        context.close()
    site.secrets[username] = secret
    site.passwords[username] = password
    return Person(username, name, password, secret, tuple(codes), cookies)
