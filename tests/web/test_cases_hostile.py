"""Hostile text in every field of the caseworker's pages renders inert (issue 17): as data, never
markup or script, on every page that shows it — the form shown again, the case with the
victim's data, the answer, the list and its filters."""

from __future__ import annotations

from playwright.sync_api import Dialog, Page, expect
from support import Api
from support.browser import Site, check_accessible, signed_in
from support.case_journey import ask, wait_intake
from support.case_pages import case_id_of, today

# Short enough that all of them fit the shortest field they go in (a name: 200 characters).
PAYLOADS = (
    "<script>window.vfundPwned=1</script>",
    '"><img src=x id=pwned-img onerror="window.vfundPwned=2">',
    "</textarea><b id=pwned-b>b</b>",
    "' onfocus='window.vfundPwned=3' x='",
    "{{7*7}}${7*7}",
    "\u202eevil\u202c &amp;",
)


def hostile(field: str) -> str:
    text = f"{field}: " + " ".join(PAYLOADS)
    assert len(text) <= 200
    return text


def inert(page: Page) -> None:
    """Nothing typed became markup or ran."""
    assert page.evaluate("window.vfundPwned") is None
    for selector in (
        "#pwned-img",
        "#pwned-b",
        "main img",
        "main script:not([src^='/static/'])",
        "[onerror]",
        "[onfocus]",
    ):
        assert page.locator(selector).count() == 0, selector


def watch_dialogs(page: Page) -> list[str]:
    opened: list[str] = []

    def seen(dialog: Dialog) -> None:
        opened.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", seen)
    return opened


def test_every_field_of_a_refused_form_comes_back_as_typed_and_inert(
    page: Page, site: Site
) -> None:
    dialogs = watch_dialogs(page)
    signed_in(page, site, "caseworker-a")
    page.goto("/cases/new")
    # A hostile client sends what no field of the page would let a person type.
    page.evaluate(
        "document.querySelectorAll('input[type=date]').forEach(i => i.type = 'text');"
        "document.querySelectorAll('select').forEach(s => {"
        "  const o = document.createElement('option'); o.value = 'x\"><b id=pwned-b>'; s.add(o);"
        "  s.value = o.value; });"
    )
    typed = {
        name: hostile(name.rsplit(".", 1)[-1][:4])
        for name in (
            "victim.full_name",
            "victim.date_of_birth",
            "victim.nationality",
            "victim.contact",
            "country",
            "items.0.description",
            "items.0.amount",
            "facts",
            "consent.date",
        )
    }
    for name, text in typed.items():
        page.locator(f"[name='{name}']").fill(text)
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    inert(page)
    for name, text in typed.items():
        field = page.locator(f"[name='{name}']")
        if name.endswith("date") or name.endswith("date_of_birth"):  # a date field shows none
            assert field.get_attribute("value") == text
        else:
            expect(field).to_have_value(text)
    assert page.locator("select option:checked").all_inner_texts()
    check_accessible(page)
    # The list's filters, hostile in the URL a person might be sent.
    page.goto("/cases?status=%3Cscript%3Ewindow.vfundPwned%3D5%3C%2Fscript%3E"
              "&submitted_from=%22%3E%3Cimg%20src%3Dx%20id%3Dpwned-img%3E")  # fmt: skip
    expect(page.get_by_role("alert")).to_be_visible()
    inert(page)
    assert not dialogs, dialogs


def test_hostile_text_a_case_holds_shows_as_text_on_every_page(
    page: Page, site: Site, api: Api
) -> None:
    dialogs = watch_dialogs(page)
    signed_in(page, site, "caseworker-a")
    page.goto("/cases/new")
    texts = {
        "victim.full_name": hostile("name"),
        "victim.contact": hostile("contact") + "\nsecond line",
        "items.0.description": hostile("item"),
        "facts": hostile("facts") + "\n\n" + hostile("more facts"),
    }
    for name, text in texts.items():
        page.locator(f"[name='{name}']").fill(text)
    page.get_by_label("Country where the help is given").fill("LB")
    page.get_by_label("Standard", exact=True).check()
    page.get_by_label("Kind of help").select_option("legal")
    page.get_by_label("Amount").fill("100")
    page.get_by_label("Currency").select_option("EUR")
    page.get_by_label("No other support can be reached for this help.").check()
    page.get_by_label("The victim agreed that this request").check()
    page.get_by_label("Day consent was given").fill(today())
    page.get_by_role("button", name="Send the request").click()
    expect(page.get_by_role("status")).to_contain_text("Your request was sent.")
    case_id = case_id_of(page)
    inert(page)

    ask(api, case_id, "item_clarification")
    wait_intake(api, case_id, "information_requested")
    page.goto(f"/cases/{case_id}")
    answer = hostile("answer")
    page.get_by_label("Your answer").fill(answer)
    page.get_by_role("button", name="Send the answer").click()
    expect(page.get_by_role("status")).to_have_text("Your answer was sent.")

    page.get_by_label("Why do you need to see it?").select_option("case_review")
    page.get_by_role("button", name="Show the victim's data").click()
    expect(page.get_by_role("status")).to_contain_text("This view was recorded")
    inert(page)
    main = page.locator("main")
    shown = main.inner_text()
    for text in [*texts.values(), answer]:
        for line in text.split("\n"):
            assert line in shown, line
    expect(page.locator("dl.facts").nth(1).locator("dd").first).to_have_text(
        texts["victim.full_name"]
    )
    check_accessible(page)
    page.goto("/cases")
    inert(page)
    assert "name:" not in page.locator("main").inner_text()
    assert not dialogs, dialogs
