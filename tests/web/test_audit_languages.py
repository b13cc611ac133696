"""The audit and donor report pages in French, Spanish and Arabic (no English left, Arabic right
to left), and hostile text from the log (an event's type and subject are whatever a publisher
wrote) rendered inert."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import urlencode

import orjson
import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, Page, expect
from support import Api, publish, wait_for
from support.browser import Site, new_page, signed_in
from support.donor_story import Funded, covered, funded

from dev.stack import Stack
from services.audit.domain.entries import MAX_DEPTH

WEB = Path(__file__).resolve().parents[2] / "services" / "web"
# Whole words of any script: "Bután" is one Spanish word, not the English "but" and an "n".
WORD = re.compile(r"[^\W\d_][^\W\d_']*(?:'[^\W\d_]+)*")
HOSTILE = '<script>alert("x")</script> "><img src=x onerror=alert(1)> \u202egnp.exe'
VISIBLE_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('[translate="no"], [lang], script, style, code').forEach(e => e.remove());
  const labels = [...document.querySelectorAll('[aria-label]')].map(e => e.getAttribute('aria-label'));
  return [document.title, copy.textContent, ...labels].join(' ');
}"""


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


@pytest.fixture(scope="module")
def mine(api: Api) -> Funded:
    story = funded(api, "Demo Donor")
    covered(api, story, api.tokens["donor-1"])
    return story


@pytest.mark.parametrize("language", ["fr", "es", "ar"])
def test_the_pages_speak_the_visitors_language(
    browser: Browser, site: Site, mine: Funded, language: str
) -> None:
    english = vocabulary(None)
    own = vocabulary(language) | {"vfund", "csv", "pdf", "json", "sha", "rfc", "ed"}
    first, signing, _ = new_page(browser, site)  # the sign-in page's labels are English
    signed_in(signing, site, "auditor-1")
    first.close()
    context, page, console = new_page(browser, site, language=language)
    try:
        signed_in(page, site, "auditor-1")
        for path in (
            f"/reports/donor?grant_id={mine.grant_id}",
            "/audit/log",
            "/audit/tree-heads",
            "/audit/verify?index=0",
        ):
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            expect(page.locator("html")).to_have_attribute("lang", language)
            expect(page.locator("html")).to_have_attribute(
                "dir", "rtl" if language == "ar" else "ltr"
            )
            words = {w.lower() for w in WORD.findall(page.evaluate(VISIBLE_TEXT))}
            left = {w for w in words if w in english and w not in own and len(w) > 2}
            assert not left, (path, left)
        assert not console.errors, console.errors
    finally:
        context.close()


def test_hostile_text_from_the_log_renders_inert(
    browser: Browser, site: Site, api: Api, stack: Stack
) -> None:
    event_id = str(uuid.uuid4())
    event = {
        "specversion": "1.0",
        "id": event_id,
        "source": "/vfund/hostile",
        "type": "org.vfund.hostile.text.v1",
        "subject": HOSTILE,
        "time": "2026-01-01T00:00:00Z",
        "datacontenttype": "application/json",
        "data": {"note": HOSTILE},
    }
    publish(stack.nats_url or "", "vfund.hostile.page.text", orjson.dumps(event))

    def logged() -> int | None:
        page = api.get(
            "audit", f"/log?limit=1000&{urlencode({'subject': HOSTILE})}", user="auditor-1"
        )
        found = [e["index"] for e in page.json()["items"] if e["event"]["id"] == event_id]
        return found[0] if found else None

    index = wait_for(logged, what="the hostile event in the log")
    wait_for(
        lambda: (
            api.get("audit", "/tree-heads/latest", user="auditor-1").json()["tree_size"] > index
        ),
        what="a signed head over the hostile event",
    )
    context, page, console = new_page(browser, site)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        signed_in(page, site, "auditor-1")
        for path in (f"/audit/log?after={index - 1}", f"/audit/verify?index={index}"):
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            html = page.content()
            assert "onerror=alert(1)" in html, path
            assert "&lt;script&gt;" in html and "&lt;img" in html, path
            assert page.locator("img").count() == 0, path
            scripts = page.evaluate("[...document.scripts].map(s => s.src)")
            assert all(s.startswith(site.url + "/static/") for s in scripts), (path, scripts)
            isolated = page.evaluate("""() => [...document.querySelectorAll('body *')]
                .filter(e => [...e.childNodes].some(n => n.nodeType === 3 && n.data.includes('\\u202e')))
                .every(e => e.closest('bdi, [dir]') !== null)""")  # fmt: skip
            assert isolated, path
        assert not dialogs, dialogs
        assert not console.errors, console.errors
    finally:
        context.close()


def test_an_entry_nested_as_deep_as_the_log_takes_opens_on_every_page(
    page: Page, site: Site, api: Api, stack: Stack
) -> None:
    # The audit service dead-letters an event nested deeper than MAX_DEPTH (tests/e2e/hostile):
    # the deepest it logs must open on every page.
    subject = str(uuid.uuid4())
    levels = MAX_DEPTH - 1  # the envelope is one level, the data's object another
    deep = b"[" * (levels - 1) + b'{"x": 1.5}' + b"]" * (levels - 1)
    body = b'{"id": "%s", "type": "org.vfund.x.v1", "subject": "%s", "data": %s}' % (
        str(uuid.uuid4()).encode(),
        subject.encode(),
        deep,
    )
    publish(stack.nats_url or "", "vfund.hostile.deep", body)

    def logged() -> int | None:
        got = api.get("audit", f"/log?subject={subject}", user="auditor-1")
        items = orjson.loads(got.content)["items"]  # deeper than Python's json goes
        return items[0]["index"] if items else None

    index = wait_for(logged, what="the deep event in the log")
    wait_for(
        lambda: (
            api.get("audit", "/tree-heads/latest", user="auditor-1").json()["tree_size"] > index
        ),
        what="a signed head over the deep event",
    )
    signed_in(page, site, "auditor-1")
    response = page.goto(f"/audit/log?subject={subject}")
    assert response is not None and response.status == 200
    expect(page.locator("#entries tbody th")).to_have_text([str(index)])
    response = page.goto(f"/audit/verify?index={index}")
    assert response is not None and response.status == 200
    expect(page.locator("#entry-index")).to_have_text(str(index))
    # As deep as the log takes, the entry can still be checked in the browser.
    expect(page.locator("#browser-check-result")).to_have_count(1)
    expect(page.get_by_text("nests too deeply")).to_have_count(0)
