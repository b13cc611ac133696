"""/audit/log, /audit/tree-heads and /audit/verify in the browser: the audit service's entries
with their leaf hashes and proofs (checked here against the signed root), the heads and a
consistency proof, by keyboard alone, axe clean in English and Arabic; a donor sees only the
entries behind their grants' reports; other roles get 403."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from support import Api
from support.browser import Site, check_accessible, new_page, signed_in
from support.donor_story import Funded, covered, donor_token, funded

from dev.stack import Stack
from services.audit.domain import merkle

PAID = "org.vfund.disbursement.payment.sent.v1"
PATHS = ("/audit/log", "/audit/tree-heads", "/audit/verify")


@pytest.fixture(scope="module")
def mine(api: Api) -> Funded:
    story = funded(api, "Demo Donor")
    covered(api, story, api.tokens["donor-1"])
    return story


@pytest.fixture(scope="module")
def theirs(api: Api, stack: Stack) -> Funded:
    story = funded(api, "Other Donor")
    covered(api, story, donor_token(stack, story.donor))
    return story


def tab_to(page: Page, selector: str) -> None:
    for _ in range(80):
        if page.evaluate(
            "(s) => document.activeElement && document.activeElement.matches(s)", selector
        ):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with the Tab key")


def column(page: Page, table: str, n: int) -> list[str]:
    return [
        t.strip() for t in page.locator(f"#{table} tbody tr > :nth-child({n})").all_inner_texts()
    ]


def checked_proof(page: Page) -> int:
    """The proof the page shows, verified against the root it shows; the entry's index."""
    index = int(page.locator("#entry-index").inner_text())
    leaf = bytes.fromhex(page.locator("#entry-leaf-hash").inner_text().strip())
    path = [bytes.fromhex(h) for h in column(page, "audit-path", 2)]
    root = bytes.fromhex(page.locator("#head-root-hash").inner_text().strip())
    caption = page.locator("#audit-path caption").inner_text()
    size = int("".join(c for c in caption if c.isdigit()))
    assert merkle.verify_inclusion(leaf, index, size, path, root), (index, size)
    return index


def test_an_auditor_filters_the_log_and_checks_an_entrys_proof_with_the_keyboard(
    page: Page, site: Site, api: Api, mine: Funded
) -> None:
    signed_in(page, site, "auditor-1")
    page.goto("/audit/log")
    check_accessible(page)
    first = api.get("audit", "/log?limit=5", user="auditor-1").json()["items"]
    assert column(page, "entries", 1)[:5] == [str(e["index"]) for e in first]
    assert column(page, "entries", 5)[:5] == [e["leaf_hash"] for e in first]
    tab_to(page, "#f-type")
    page.keyboard.type(PAID)
    tab_to(page, "form[action='/audit/log'] button[type=submit]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    types = column(page, "entries", 3)
    assert types and set(types) == {PAID}
    first_paid = int(column(page, "entries", 1)[0])
    tab_to(page, "#entries tbody a[href^='/audit/verify?index=']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()
    assert checked_proof(page) == first_paid
    check_accessible(page)
    latest = api.get("audit", "/tree-heads/latest", user="auditor-1").json()  # or an older one
    page.goto("/audit/tree-heads")
    check_accessible(page)
    sizes = [int(s) for s in column(page, "heads", 1)]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] >= latest["tree_size"]
    page.get_by_label("Older tree size").fill("1")
    page.get_by_label("Newer tree size").fill(str(latest["tree_size"]))
    page.get_by_role("button", name="Get the proof").click()
    expect(page.locator("#consistency-path caption")).to_contain_text(str(latest["tree_size"]))
    proof = api.get(
        "audit", f"/proofs/consistency?first=1&second={latest['tree_size']}", user="auditor-1"
    ).json()
    assert column(page, "consistency-path", 2) == proof["consistency_path"]


def test_refusals_show_next_to_the_field(page: Page, site: Site) -> None:
    signed_in(page, site, "auditor-1")
    page.goto("/audit/log?from=2026-03-01&to=2026-02-01")
    expect(page.locator("#f-from")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("alert")).to_be_visible()
    page.goto("/audit/tree-heads?first=5&second=2")
    expect(page.get_by_role("alert")).to_be_visible()
    page.goto("/audit/verify?index=abc")
    expect(page.locator("#f-index")).to_have_attribute("aria-invalid", "true")
    check_accessible(page)


def test_a_donor_sees_only_the_entries_behind_their_reports(
    page: Page, site: Site, api: Api, stack: Stack, mine: Funded, theirs: Funded
) -> None:
    signed_in(page, site, "donor-1")
    page.goto("/audit/log")
    shown = {int(i) for i in column(page, "entries", 1)}
    theirs_token = donor_token(stack, theirs.donor)
    other = api.get(
        "audit", "/log?limit=1000", headers={"Authorization": f"Bearer {theirs_token}"}
    ).json()["items"]
    assert shown and other
    assert not shown & {e["index"] for e in other}
    assert theirs.grant_id not in page.content()
    response = page.goto(f"/audit/verify?index={other[0]['index']}")
    assert response is not None and response.status == 404
    mine_first = min(shown)
    page.goto(f"/audit/verify?index={mine_first}")
    assert checked_proof(page) == mine_first
    page.goto("/audit/tree-heads")
    expect(page.locator("#latest")).to_be_visible()
    expect(page.locator("form[action='/audit/tree-heads']")).to_have_count(0)


def test_the_audit_pages_in_arabic(browser: Browser, site: Site, mine: Funded) -> None:
    context, page, console = new_page(browser, site, language="ar")
    try:
        signed_in(page, site, "auditor-1")
        for path in (*PATHS, "/audit/verify?index=0"):
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            expect(page.locator("html")).to_have_attribute("dir", "rtl")
            check_accessible(page)
        assert not console.errors, console.errors
    finally:
        context.close()


@pytest.mark.parametrize("user", ["caseworker-a", "finance-1"])
def test_other_roles_get_403(page: Page, site: Site, user: str) -> None:
    signed_in(page, site, user)
    for path in PATHS:
        response = page.goto(path)
        assert response is not None and response.status == 403, (user, path)


CHANGE = """([field, value]) => {
  const box = document.getElementById('browser-check');
  if (field === 'event') {
    const event = JSON.parse(box.dataset.event);
    event.data.amount = value;
    box.dataset.event = JSON.stringify(event);
  } else {
    box.dataset[field] = value;
  }
}"""


def test_the_browser_checks_a_real_entrys_proof_and_refuses_a_changed_one(
    page: Page, site: Site, api: Api, mine: Funded
) -> None:
    signed_in(page, site, "donor-1")
    paid = api.get("audit", f"/log?type={PAID}&limit=1", user="donor-1").json()["items"][0]
    page.goto(f"/audit/verify?index={paid['index']}")
    result = page.locator("#browser-check-result")
    tab_to(page, "#browser-check button")
    page.keyboard.press("Enter")
    expect(result).to_have_text(
        "Verified in this browser: the entry is in the signed tree, and the signature of its "
        "head is right."
    )
    check_accessible(page)
    button = page.get_by_role("button", name="Check in this browser")
    changes = [
        (("event", "1000000.00"), "Not verified: the entry does not give its leaf hash."),
        (("leafHash", "0" * 64), "Not verified: the entry does not give its leaf hash."),
        (("index", str(paid["index"] + 1)), "Not verified: the audit path does not lead"),
        (("rootHash", "f" * 64), "Not verified: the audit path does not lead"),
        (("timestamp", "2020-01-01T00:00:00.000Z"), "Not verified: the signature"),
    ]
    for change, refusal in changes:
        page.reload()
        page.evaluate(CHANGE, list(change))
        button.click()
        expect(result).to_contain_text(refusal)


def test_an_auditor_downloads_the_export_that_proves_itself_and_a_donor_cannot(
    page: Page, site: Site, stack: Stack, tmp_path: Path
) -> None:
    signed_in(page, site, "auditor-1")
    page.goto("/audit/verify")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the export").click()
    export = tmp_path / "export.jsonl"
    download.value.save_as(export)
    lines = export.read_bytes().splitlines()
    assert lines and b'"tree_head"' in lines[-1], "the export ends with the heads covering it"
    assert stack.keys is not None
    verified = subprocess.run(
        [sys.executable, "-m", "dev.cli", "audit", "verify", str(export), "--public-key",
         str(stack.keys.audit_public)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert verified.returncode == 0 and verified.stdout.startswith("OK: "), verified.stdout

    signed_in(page, site, "donor-1")
    page.goto("/audit/verify")
    expect(page.get_by_role("link", name="Download the export")).to_have_count(0)
    answer = page.goto("/audit/export.jsonl")
    assert answer is not None and answer.status == 403
