"""What the tests of the queue and case pages (issue 18) share: cases set up through the
services' APIs, the checks every page gets (languages, axe, weight), keyboard moves."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from shared.events import subjects
from shared.events.common import Item
from shared.events.envelope import new_event
from shared.events.intake import CaseSubmitted, Needs
from support import Api, publish, query, stream_messages
from support.assessment_probe import wait_known
from support.browser import Site, check_accessible, new_page, signed_in
from support.factories import case_body

WEB = Path(__file__).resolve().parents[2] / "services" / "web"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
    " object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Whole words of any script: "Bután" is one Spanish word, not the English "but" and an "n".
WORD = re.compile(r"[^\W\d_][^\W\d_']*(?:'[^\W\d_]+)*")
VISIBLE_TEXT = """() => {
  const copy = document.body.cloneNode(true);
  copy.querySelectorAll('[translate="no"], [lang], script, style, .secret, code').forEach(e => e.remove());
  const labels = [...document.querySelectorAll('[aria-label]')].map(e => e.getAttribute('aria-label'));
  return [document.title, copy.textContent, ...labels].join(' ');
}"""


def submit(
    api: Api,
    *items: dict[str, Any],
    urgency: str = "standard",
    user: str = "caseworker-a",
    **overrides: Any,
) -> tuple[str, str]:
    """A case submitted through intake, once assessment knows it: (case id, reference)."""
    body = case_body(items=list(items), urgency=urgency, **overrides)
    created = api.post("intake", "/cases", user=user, json=body)
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    wait_known(api, case_id)
    return case_id, created.json()["reference"]


def inject(
    api: Api,
    *,
    country: str,
    urgency: str,
    submitted_at: datetime,
    category: str = "medical",
    reference: str | None = None,
) -> tuple[str, str]:
    """A case as intake announces it, submitted at a moment of the test's choosing (to see
    deadlines pass without waiting): assessment only, intake does not know it."""
    case_id = str(uuid.uuid4())
    reference = reference or f"VF-Q-{case_id[:8]}"
    submitted = CaseSubmitted(
        case_id=case_id,
        reference=reference,
        org_id="org-a",
        country=country,
        urgency=urgency,  # type: ignore[arg-type]
        items=[Item(item_id="item-1", category=category, amount="500.00", currency="CHF")],  # type: ignore[arg-type]
        needs=Needs(medical=False, legal=False),
        submitted_by="caseworker-a",
    )
    event = new_event(
        subjects.CASE_SUBMITTED,
        submitted,
        service="intake",
        subject=case_id,
        actor="caseworker-a",
        now=submitted_at,
    )
    assert api.stack.nats_url is not None
    publish(api.stack.nats_url, subjects.CASE_SUBMITTED, event.to_json(), event.id)
    wait_known(api, case_id)
    return case_id, reference


def events_about(api: Api, subject: str, case_id: str) -> list[dict[str, Any]]:
    """Every event on `subject` about the case in the stream (from a test with a browser
    open: the stream is read in a thread of its own)."""
    assert api.stack.nats_url is not None
    found = []
    for _, data, _ in stream_messages(api.stack.nats_url, subject):
        try:
            found.append(orjson.loads(data))
        except orjson.JSONDecodeError:
            continue  # hostile tests publish bytes that are no event on purpose
    return [e for e in found if isinstance(e, dict) and e.get("subject") == case_id]


def assessment_case(api: Api, case_id: str, user: str = "manager-1") -> dict[str, Any]:
    response = api.get("assessment", f"/cases/{case_id}", user=user)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def audit_entries(api: Api, case_id: str, event_type: str) -> list[dict[str, Any]]:
    """The audit log's entries of one type about the case."""
    found: list[dict[str, Any]] = []
    after = -1
    while True:
        page = api.get(
            "audit",
            f"/log?subject={case_id}&type={event_type}&after={after}&limit=100",
            user="auditor-1",
        )
        assert page.status_code == 200, page.text
        items = page.json()["items"]
        found += items
        if not page.json()["next_cursor"] or not items:
            return found
        after = items[-1]["index"]


def web_traces(api: Api, markers: list[str]) -> list[str]:
    """Where the markers are in the web service's database (every row of every table) and its
    logs: nowhere, when it shows a person's data for one answer and keeps none of it. The
    search proves it reads what it claims: it finds a known account and the start in the log."""
    dsn = api.stack.owner_dsns["web"]
    tables = [
        r[0] for r in query(dsn, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    ]
    texts = {
        f"web.{t}": "\n".join(r[0] for r in query(dsn, f'SELECT t::text FROM public."{t}" t'))
        for t in tables
    }
    for path in sorted((api.stack.root / "logs").glob("web*")):
        texts[f"log {path.name}"] = path.read_text(encoding="utf-8", errors="replace")
    assert "legal-1" in texts["web.accounts"], "the search reads the tables"
    assert any("service started" in v for k, v in texts.items() if k.startswith("log ")), "logs"
    return [f"{where}: {m}" for where, text in texts.items() for m in markers if m in text]


def check_headers(response: Any) -> None:
    """The security headers of section 7 and `no-store` (the pages may carry personal data)."""
    headers = response.headers
    assert headers["content-security-policy"] == CSP, headers
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["permissions-policy"]
    assert headers["cache-control"] == "no-store"


def open_case(page: Page, case_id: str) -> None:
    response = page.goto(f"/assessment/cases/{case_id}")
    assert response is not None and response.status == 200, response and response.status
    check_headers(response)


def done(page: Page, text: str) -> None:
    expect(page.get_by_role("status")).to_have_text(text)


def _vocabulary(language: str | None) -> set[str]:
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


ENGLISH = _vocabulary(None)
OWN = {code: _vocabulary(code) | {"vfund"} for code in ("fr", "es", "ar")}


def check_page(page: Page, language: str) -> None:
    """The page as it is now in this language: `lang` and `dir` set, no English word left
    (fr, es, ar), axe-core clean (en, ar), within 20 KB compressed."""
    html = page.locator("html")
    expect(html).to_have_attribute("lang", language)
    expect(html).to_have_attribute("dir", "rtl" if language == "ar" else "ltr")
    if language != "en":
        words = {w.lower() for w in WORD.findall(page.evaluate(VISIBLE_TEXT))}
        left = {w for w in words if w in ENGLISH and w not in OWN[language] and len(w) > 2}
        assert not left, (page.url, left)
    if language in ("en", "ar"):
        check_accessible(page)
    weight = page.evaluate("performance.getEntriesByType('navigation')[0].encodedBodySize")
    assert 0 < weight <= 20 * 1024, (page.url, weight)


def signed_in_speaking(browser: Any, site: Site, user: str, language: str) -> tuple[Any, Page, Any]:
    """A new browser context in `language`, signed in as `user` (the sign-in itself, when no
    session of the user is kept yet, goes through the English pages: its labels are English)."""
    if user not in site.states:
        context, page, _ = new_page(browser, site)
        try:
            signed_in(page, site, user)
        finally:
            context.close()
    context, page, console = new_page(browser, site, language=language)
    signed_in(page, site, user)
    return context, page, console


def in_languages(browser: Any, site: Site, user: str, paths: list[str]) -> None:
    """Each path, in each language, as `user`: check_page, and no console error."""
    for language in ("en", "fr", "es", "ar"):
        context, page, console = signed_in_speaking(browser, site, user, language)
        try:
            for path in paths:
                response = page.goto(path)
                assert response is not None and response.status == 200, (path, language)
                check_page(page, language)
            assert not console.errors, console.errors
        finally:
            context.close()


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element focused matches (the keyboard alone reaches it)."""
    for _ in range(150):
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with the Tab key")
