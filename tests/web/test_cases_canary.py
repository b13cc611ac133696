"""Canary (issue 17): a marker in every personal field a caseworker's pages take appears in no
URL the browser asked for or was sent to, no line the web service logged, no row of its
database, and no answer that a cache may keep.

The search proves itself: the markers are read back through intake (they were really sent),
the web database's search finds a known value, in text and as hex, and the log search reads
the web service's log."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Response, expect
from support import Api, query
from support.browser import Site, signed_in
from support.case_journey import ask, wait_intake
from support.case_pages import PDF, case_id_of, today

from dev.stack import Stack


def forms(marker: str) -> list[str]:
    return [marker, marker.encode().hex()]


def found(haystack: str, markers: list[str]) -> list[str]:
    lowered = haystack.lower()
    return [m for m in markers if any(f.lower() in lowered for f in forms(m))]


def web_rows(site: Site) -> dict[str, str]:
    """Every row of every table of the web database, as PostgreSQL prints it (bytea as hex)."""
    tables = [r[0] for r in query(site.dsn, "SELECT tablename FROM pg_tables"
                                  " WHERE schemaname = 'public' ORDER BY 1")]  # fmt: skip
    out = {t: "\n".join(r[0] for r in query(site.dsn, f'SELECT t::text FROM "{t}" t'))
           for t in tables}  # fmt: skip
    out["(hex self-check)"] = query(site.dsn, "SELECT convert_to('WEB-HEX-CHECK', 'UTF8')::text")[
        0
    ][0]
    return out


class Seen:
    """Every URL the browser asked for or was sent to, and every answer carrying a marker."""

    def __init__(self, page: Page, markers: list[str]) -> None:
        self.urls: list[str] = []
        self.storable: list[str] = []
        self.carrying: list[str] = []
        self.markers = markers
        page.on("request", lambda r: self.urls.append(r.url))
        page.on("response", self.answer)

    def answer(self, response: Response) -> None:
        self.urls += [response.url, response.headers.get("location", "")]
        try:
            body = response.body().decode("utf-8", "replace")
        except Exception:  # a redirect or an aborted download has no body
            return
        if found(body, self.markers):
            self.carrying.append(response.url)
            if response.headers.get("cache-control") != "no-store":
                self.storable.append(f"{response.url}: {response.headers.get('cache-control')}")


def test_personal_data_typed_in_the_pages_stays_out_of_urls_logs_database_and_caches(
    page: Page, site: Site, api: Api, stack: Stack
) -> None:
    tag = f"CANARY-{uuid.uuid4().hex}"
    fields = {
        "victim.full_name": f"{tag}-NAME Person",
        "victim.contact": f"{tag}-CONTACT via office",
        "facts": f"{tag}-FACTS what happened",
        "items.0.description": f"{tag}-ITEM surgery",
    }
    born = "1923-04-17"
    kinds = ("NAME", "CONTACT", "FACTS", "ITEM", "ANSWER", "DOCUMENT", "FILENAME")
    markers = [f"{tag}-{kind}" for kind in kinds] + [born]
    seen = Seen(page, markers)
    signed_in(page, site, "caseworker-a")
    page.goto("/cases/new")
    for name, text in fields.items():
        page.locator(f"[name='{name}']").fill(text)
    page.get_by_label("Date of birth").fill(born)
    page.get_by_label("Country where the help is given").fill("LB")
    page.get_by_label("Emergency", exact=True).check()
    page.get_by_label("Kind of help").select_option("medical")
    page.get_by_label("Amount").fill("250")
    page.get_by_label("Currency").select_option("USD")
    page.get_by_role("button", name="Add an item").click()  # in place: the rows travel too
    expect(page.get_by_label("Kind of help")).to_have_count(2)
    page.get_by_label("The facts").fill(fields["facts"])
    page.get_by_label("No other support can be reached for this help.").check()
    # Sent once without consent: the form comes back with everything typed.
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("alert")).to_contain_text("Confirm that the victim gave consent.")
    page.get_by_label("The victim agreed that this request").check()
    page.get_by_label("Day consent was given").fill(today())
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("status")).to_contain_text("Your request was sent.")
    case_id = case_id_of(page)

    content = PDF + f"% {tag}-DOCUMENT".encode()
    document = {"name": f"{tag}-FILENAME.pdf", "mimeType": "application/pdf", "buffer": content}
    page.get_by_label("File", exact=True).set_input_files(files=[document])
    page.get_by_role("button", name="Add the document").click()
    expect(page.get_by_role("status")).to_have_text("The document was added.")
    ask(api, case_id, "medical_report", user="medical-1")
    wait_intake(api, case_id, "information_requested")
    page.goto(f"/cases/{case_id}")
    page.get_by_label("Your answer").fill(f"{tag}-ANSWER the report follows")
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_role("status")).to_have_text("Your answer was sent.")
    page.get_by_label("Why do you need to see it?").select_option("contact_victim")
    page.get_by_role("button", name="Show the victim's data").click()
    expect(page.locator("main")).to_contain_text(f"{tag}-ANSWER")
    with page.expect_download() as download:
        page.get_by_role("link", name="Evidence 1").click()
    assert f"{tag}-DOCUMENT".encode() in Path(download.value.path()).read_bytes()
    page.goto("/cases")
    page.goto(f"/cases/{case_id}")

    # The markers went in: intake gives them back to the caseworker.
    read: dict[str, Any] = api.get("intake", f"/cases/{case_id}", user="caseworker-a").json()
    assert read["victim"]["full_name"] == fields["victim.full_name"]
    assert read["victim"]["date_of_birth"] == born
    assert read["items"][0]["description"] == fields["items.0.description"]
    assert read["information_requests"][0]["answer"].startswith(f"{tag}-ANSWER")

    leaks: dict[str, list[str]] = {}
    assert seen.urls and any(case_id in u for u in seen.urls), "the URL search sees the pages"
    for url in seen.urls:
        if hit := found(url, markers):
            leaks[f"url {url}"] = hit
    # The answers with the victim's data were looked at: the form shown again, the rows
    # changed in place, the case with its data.
    assert any(u.endswith("/cases/new") for u in seen.carrying), seen.carrying
    assert any(u.endswith("/cases/new/items") for u in seen.carrying), seen.carrying
    assert any(u.endswith("/reveal") for u in seen.carrying), seen.carrying
    assert not seen.storable, f"answers with personal data a cache may keep: {seen.storable}"

    logs = sorted((stack.root / "logs").glob("web.*"))
    assert any("service started" in p.read_text() for p in logs), "the web's log is searched"
    for path in logs:
        if hit := found(path.read_text(encoding="utf-8", errors="replace"), markers):
            leaks[f"log {path.name}"] = hit

    rows = web_rows(site)
    assert found(rows.pop("(hex self-check)"), ["WEB-HEX-CHECK"]), "the hex form is searched"
    assert "caseworker-a" in rows["accounts"], "the database search reads the web's rows"
    for table, text in rows.items():
        if hit := found(text, markers):
            leaks[f"web.{table}"] = hit
    assert not leaks, f"personal data outside intake: {leaks}"
