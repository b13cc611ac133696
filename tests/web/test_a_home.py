"""The home page, first thing in the package (before other tests add people and entries): what
an administrator sees, in English and in Arabic. With VFUND_SCREENSHOTS=1 the browser keeps a
picture of each under docs/ (the README's "Using vfund in the browser")."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from support.browser import Site, new_page, signed_in

DOCS = Path(__file__).resolve().parents[2] / "docs"
CARDS = {"en": ("The audit log", "People"), "ar": ("سجل التدقيق", "الأشخاص")}


@pytest.mark.parametrize("language", ["en", "ar"])
def test_an_administrators_home_in_english_and_arabic(
    browser: Browser, site: Site, language: str
) -> None:
    context, page, console = new_page(browser, site, language=language)
    try:
        signed_in(page, site, "admin-1")
        page.goto("/")
        for title in CARDS[language]:
            expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()
        people = page.locator("#section-people .figure").inner_text()
        assert int(people) >= 12, "the twelve demo accounts at least"
        if os.environ.get("VFUND_SCREENSHOTS") == "1":
            DOCS.mkdir(exist_ok=True)
            page.screenshot(path=str(DOCS / f"web-home-{language}.png"), full_page=True)
        assert not console.errors, console.errors
    finally:
        context.close()
