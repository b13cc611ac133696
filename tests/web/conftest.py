"""The web tests: the session's running system and ONE headless Chromium for all of them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from support.browser import CHROMIUM_ARGS, Site, chromium_path, new_page

from dev.stack import Stack


@pytest.fixture(scope="session")
def site(stack: Stack) -> Site:
    assert "web" in stack.services, "the web service is part of the session's system"
    return Site.of(stack)


@pytest.fixture(scope="package")
def browser(site: Site) -> Iterator[Browser]:
    """One Chromium for every web test. Playwright's synchronous API keeps an event loop
    running in this thread while the browser is open: the web tests are synchronous (their
    database helpers run coroutines in a thread of their own), and the browser closes after
    the last of them, before any other test needs the loop. `site` first: the system starts
    before the browser. Playwright's launch gives the browser a fresh profile of its own."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    """A fresh browser context (no cookies) and its page; no console error by the end."""
    context, page, console = new_page(browser, site)
    try:
        yield page
    finally:
        context.close()
        site.reset_clock()
    assert not console.errors, console.errors
