"""A case's documents in the browser (issue 17): a file intake refuses is said in place, next to
the file field; one above 10 MB is refused before it travels; without JavaScript the same form
works; every page of the area carries the security headers and no inline script or style."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, Page, Request, expect
from support import Api
from support.browser import Site, new_page, signed_in
from support.case_pages import PDF, intake_case
from support.factories import case_body

from services.web.security import CONTENT_SECURITY_POLICY


def new_case(api: Api) -> str:
    created = api.post("intake", "/cases", user="caseworker-a", json=case_body())
    assert created.status_code == 201, created.text
    return str(created.json()["case_id"])


def choose_file(page: Page, name: str, content: bytes, mime: str = "application/pdf") -> None:
    page.get_by_label("File", exact=True).set_input_files(
        files=[{"name": name, "mimeType": mime, "buffer": content}]
    )


def test_a_refused_file_is_said_in_place_and_a_large_one_never_leaves(
    page: Page, site: Site, api: Api
) -> None:
    case_id = new_case(api)
    signed_in(page, site, "caseworker-a")
    page.goto(f"/cases/{case_id}")
    page.evaluate("window.vfundSamePage = true")
    # Text dressed as a PDF: intake reads its bytes and refuses it; the page says so in place.
    choose_file(page, "notes.pdf", b"just some text, not a PDF at all")
    page.get_by_role("button", name="Add the document").click()
    error = page.locator("[id='e-upload.file-1']")
    expect(error).to_contain_text("Send a PDF, JPEG or PNG file.")
    assert page.get_by_label("File", exact=True).get_attribute("aria-invalid") == "true"
    assert page.evaluate("window.vfundSamePage") is True, "shown in place, no page load"
    assert intake_case(api, case_id)["documents"] == []

    # Above 10 MB: refused in the browser, nothing sent.
    sent: list[Request] = []
    page.on("request", lambda r: sent.append(r) if r.method == "POST" else None)
    choose_file(page, "big.pdf", PDF + b"0" * (10 * 1024 * 1024))
    page.get_by_role("button", name="Add the document").click()
    expect(page.locator("#upload-too-large")).to_be_visible()
    expect(page.locator("#upload-too-large")).to_have_text("The file is larger than 10 MB.")
    expect(page.get_by_label("File", exact=True)).to_be_focused()
    assert not sent
    assert intake_case(api, case_id)["documents"] == []

    # A real one is taken, and listed.
    choose_file(page, "ok.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(32), "image/png")
    page.get_by_label("What it is").select_option("evidence")
    page.get_by_role("button", name="Add the document").click()
    expect(page.get_by_role("status")).to_have_text("The document was added.")
    expect(page.get_by_role("table", name="Documents")).to_contain_text("PNG image")


def test_without_javascript_a_document_is_added_and_refusals_shown(
    browser: Browser, site: Site, api: Api
) -> None:
    case_id = new_case(api)
    signing, page, _ = new_page(browser, site)
    signed_in(page, site, "caseworker-a")
    cookies = signing.cookies()
    signing.close()
    context = browser.new_context(base_url=site.url, java_script_enabled=False)
    try:
        context.add_cookies(cookies)
        page = context.new_page()
        page.goto(f"/cases/{case_id}")
        page.get_by_role("button", name="Add the document").click()
        expect(page.locator("[id='e-upload.file-1']")).to_contain_text("Choose a file.")
        choose_file(page, "scan.pdf", PDF)
        page.get_by_role("button", name="Add the document").click()
        expect(page.get_by_role("status")).to_have_text("The document was added.")
        assert len(intake_case(api, case_id)["documents"]) == 1
    finally:
        context.close()


def test_the_pages_carry_the_security_headers_and_no_inline_script_or_style(
    page: Page, site: Site, api: Api
) -> None:
    case_id = new_case(api)
    signed_in(page, site, "caseworker-a")
    for path in ("/cases", "/cases/new", f"/cases/{case_id}"):
        answer = page.goto(path)
        assert answer is not None and answer.status == 200
        headers = answer.headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"
        html = page.content()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
        assert "<style" not in html and " style=" not in html, "inline style"
        assert not re.search(r"\son[a-z]+=", html), "inline event handler"
