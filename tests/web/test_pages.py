"""Every page in every language: no English left in French, Spanish or Arabic, right to left in
Arabic, axe-core clean in English and Arabic, within the low-bandwidth budget; hostile text in
every field the pages show renders inert; the tasks work with the keyboard alone."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, Page, expect
from support.browser import Site, check_accessible, invite, new_page, signed_in

WEB = Path(__file__).resolve().parents[2] / "services" / "web"
HOSTILE = (
    '<script>alert("x")</script> "><img src=x onerror=alert(1)> javascript:alert(2) \u202egnp.exe'
)
HOSTILE_EMAIL = "<script>alert(3)</script>@x.example"
# Whole words of any script: "Bután" is one Spanish word, not the English "but" and an "n".
WORD = re.compile(r"[^\W\d_][^\W\d_']*(?:'[^\W\d_]+)*")


@dataclass(frozen=True)
class Planted:
    """Things made with hostile text in every field a page shows."""

    org_id: str
    account_id: str
    invitation: str


@pytest.fixture(scope="module")
def planted(browser: Browser, site: Site) -> Planted:
    from support import query

    context, page, _ = new_page(browser, site)
    try:
        org_id = f"org-h{uuid.uuid4().hex[:6]}"
        signed_in(page, site, "admin-1")
        page.goto("/admin/organisations")
        page.get_by_label("Organisation id").fill(org_id)
        page.get_by_label("Name").fill(HOSTILE)
        page.get_by_label("Country").fill("LB")
        page.get_by_role("button", name="Register").click()
        username = f"h-{uuid.uuid4().hex[:8]}"
        link = invite(
            page,
            site,
            username=username,
            name=HOSTILE,
            email=HOSTILE_EMAIL,
            roles=("Donor",),
            donor=HOSTILE,
        )
        account_id = query(
            site.dsn, "SELECT account_id FROM accounts WHERE username = $1", username
        )[0][0]
        return Planted(org_id, account_id, link.removeprefix(site.url))
    finally:
        context.close()


def pages_of(planted: Planted) -> list[tuple[str | None, str, int]]:
    """(user, path, status) of every page this service serves today."""
    return [
        (None, "/sign-in", 200),
        (None, planted.invitation, 200),
        ("admin-1", "/", 200),
        ("medical-1", "/", 200),
        ("finance-1", "/", 200),
        ("caseworker-a", "/", 200),
        ("orgadmin-a", "/admin/users", 200),
        ("admin-1", "/account", 200),
        ("admin-1", "/account/enrol", 200),
        ("admin-1", "/admin/users", 200),
        ("admin-1", f"/admin/users/{planted.account_id}", 200),
        ("admin-1", "/admin/organisations", 200),
        ("admin-1", f"/admin/organisations/{planted.org_id}", 200),
        ("caseworker-a", "/admin/users", 403),
        ("admin-1", "/no-such-page", 404),
    ]


def vocabulary(language: str | None) -> set[str]:
    """Words of the English messages (language None), or of one language's translations."""
    words: set[str] = set()
    for po in (WEB / "translations").glob(f"*/{language or 'fr'}.po"):
        with po.open("rb") as fp:
            for message in read_po(fp):
                if not message.id:
                    continue
                texts = message.id if language is None else message.string
                for text in texts if isinstance(texts, tuple) else (texts,):
                    words |= {w.lower() for w in WORD.findall(text)}
    return words


ENGLISH = vocabulary(None)
VISIBLE_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('[translate="no"], [lang], script, style, .secret, code').forEach(e => e.remove());
  const labels = [...document.querySelectorAll('[aria-label]')].map(e => e.getAttribute('aria-label'));
  return [document.title, copy.textContent, ...labels].join(' ');
}"""


def english_left(page: Page, language: str, own: set[str]) -> set[str]:
    words = {w.lower() for w in WORD.findall(page.evaluate(VISIBLE_TEXT))}
    return {w for w in words if w in ENGLISH and w not in own and len(w) > 2}


def visit(page: Page, site: Site, user: str | None, path: str, status: int) -> None:
    if user is None:
        page.context.clear_cookies()
    else:
        signed_in(page, site, user)
    response = page.goto(path)
    assert response is not None and response.status == status, (user, path)


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar"])
def test_every_page_in_every_language(
    browser: Browser, site: Site, planted: Planted, language: str
) -> None:
    context, page, console = new_page(browser, site, language=language)
    own = vocabulary(language) | {"vfund"} if language != "en" else set()
    try:
        for user, path, status in pages_of(planted):
            visit(page, site, user, path, status)
            html = page.locator("html")
            expect(html).to_have_attribute("lang", language)
            expect(html).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
            if language != "en":
                assert not english_left(page, language, own), (
                    path,
                    english_left(page, language, own),
                )
            if language in ("en", "ar"):
                check_accessible(page)
            weight = page.evaluate("performance.getEntriesByType('navigation')[0].encodedBodySize")
            assert 0 < weight <= 20 * 1024, (path, weight)
        assert not console.errors, console.errors
    finally:
        context.close()


def test_the_arabic_layout_runs_right_to_left(browser: Browser, site: Site) -> None:
    context, page, _ = new_page(browser, site, language="ar")
    try:
        signed_in(page, site, "admin-1")
        page.goto("/admin/users")
        brand = page.locator(".brand").bounding_box()
        sign_out = page.get_by_role("button", name="تسجيل الخروج").bounding_box()
        assert brand and sign_out and brand["x"] > sign_out["x"], "the brand stands on the right"
    finally:
        context.close()


def test_the_language_switcher_keeps_the_choice(page: Page, site: Site) -> None:
    page.goto("/sign-in")
    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change language").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Iniciar sesión")
    page.goto("/sign-in")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_label("Idioma").select_option("ar")
    page.get_by_role("button", name="Cambiar de idioma").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")


def test_hostile_text_renders_inert_everywhere(
    browser: Browser, site: Site, planted: Planted
) -> None:
    context, page, console = new_page(browser, site)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        shown = 0
        for user, path, status in pages_of(planted):
            visit(page, site, user, path, status)
            assert page.locator("img").count() == 0, path
            scripts = page.evaluate("[...document.scripts].map(s => s.src)")
            assert all(s.startswith(site.url + "/static/") for s in scripts), (path, scripts)
            hrefs = page.evaluate(
                "[...document.querySelectorAll('[href]')].map(a => a.getAttribute('href'))"
            )
            assert not [h for h in hrefs if h.strip().lower().startswith("javascript:")], path
            html = page.content()
            if "onerror=alert(1)" in html:
                shown += 1
                assert "&lt;script&gt;" in html and "&lt;img" in html, path
                # The right-to-left override stays inside its own isolated run of text.
                isolated = page.evaluate("""() => [...document.querySelectorAll('body *')]
                    .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.data.includes('\\u202e')))
                    .every(e => e.closest('bdi, .secret, [dir]') !== null || getComputedStyle(e).unicodeBidi === 'isolate')""")
                assert isolated, path
        assert shown >= 4, "the hostile text was on the pages that show those fields"
        assert not dialogs, dialogs
        assert not console.errors, console.errors
    finally:
        context.close()


def tab_to(page: Page, selector: str) -> None:
    for _ in range(80):
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with the Tab key")


def test_signing_in_and_inviting_with_the_keyboard_alone(page: Page, site: Site) -> None:
    site.forgive("admin-1")
    page.goto("/sign-in")
    tab_to(page, "#f-username")
    page.keyboard.type("admin-1")
    tab_to(page, "#f-password")
    page.keyboard.type(site.passwords["admin-1"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    refused = page.get_by_role("alert")
    assert "/sign-in/code" in page.url, refused.inner_text() if refused.count() else page.url
    tab_to(page, "#f-code")
    page.keyboard.type(site.code("admin-1"))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.url == site.url + "/"
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    tab_to(page, "a[href='/admin/users']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to(page, "form[action='/admin/users'] button[type=submit]")
    with page.expect_navigation():  # nothing filled in: the errors are announced and focused
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    username = f"kb-{uuid.uuid4().hex[:8]}"
    tab_to(page, "#f-username")
    page.keyboard.type(username)
    tab_to(page, "#f-display_name")
    page.keyboard.type("Keyboard Person")
    tab_to(page, "#f-email")
    page.keyboard.type(f"{username}@fund.example")
    tab_to(page, "#f-roles-auditor")
    page.keyboard.press("Space")
    tab_to(page, "form[action='/admin/users'] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Invitation ready")).to_be_visible()


@pytest.fixture(autouse=True)
def _no_clock_left_moved(site: Site) -> Iterator[None]:
    yield
    site.reset_clock()
