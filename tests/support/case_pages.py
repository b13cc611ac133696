"""What the caseworker pages' tests share: the keyboard, the new-case form, reading a case."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from playwright.sync_api import Locator, Page, expect

from support import Api

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< >>\nendobj\ntrailer\n%%EOF\n"


def focused(locator: Locator) -> bool:
    return bool(locator.evaluate("element => element === document.activeElement"))


def tab_to(page: Page, target: Locator, *, limit: int = 250) -> None:
    """Tab forward, as a person would, until `target` has the focus."""
    for _ in range(limit):
        if focused(target):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {target}")


def type_into(page: Page, target: Locator, text: str) -> None:
    tab_to(page, target)
    page.keyboard.type(text)


def choose(page: Page, target: Locator, label: str) -> None:
    """A <select>, by typing the start of the option's words (no pointer)."""
    tab_to(page, target)
    page.keyboard.type(label)
    expect(target.locator("option:checked")).to_contain_text(label)


def press(page: Page, target: Locator, key: str = "Enter") -> None:
    tab_to(page, target)
    page.keyboard.press(key)


def typed_date(page: Page, day: str) -> str:
    """What to type into a date field for an ISO day, in the page's locale order (en-US)."""
    year, month, date = day.split("-")
    return f"{month}{date}{year}"


def today() -> str:
    return datetime.now(UTC).date().isoformat()


@dataclass
class Victim:
    """What a caseworker types for a new request (marked with `tag` to be found again)."""

    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    name: str = ""
    contact: str = ""
    facts: str = ""
    items: list[tuple[str, str, str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.name = self.name or f"Amal Test {self.tag}"
        self.contact = self.contact or f"Through the partner office {self.tag}"
        self.facts = self.facts or f"What happened, as told to the caseworker {self.tag}."
        self.items = self.items or [
            ("Medical", f"Surgery {self.tag}", "1200.00", "CHF"),
            ("Legal", f"Lawyer {self.tag}", "800.00", "EUR"),
        ]


def fill_new_case(page: Page, victim: Victim, *, country: str = "Nepal") -> None:
    """The whole request typed with the keyboard alone: items added in place (htmx)."""
    page.goto("/cases/new")
    form = page.locator("form.case-form")
    type_into(page, page.get_by_label("Full name"), victim.name)
    type_into(page, page.get_by_label("Date of birth"), typed_date(page, "1984-05-01"))
    choose(page, page.get_by_label("Sex"), "Female")
    type_into(page, page.get_by_label("Nationality"), "Syria")
    type_into(page, page.get_by_label("How to reach the victim"), victim.contact)
    type_into(page, page.get_by_label("Country where the help is given"), country)
    tab_to(page, form.get_by_label("Emergency", exact=True))
    page.keyboard.press("Space")
    for n, (category, description, amount, currency) in enumerate(victim.items):
        if n:
            press(page, page.get_by_role("button", name="Add an item"))
            expect(page.get_by_label("Kind of help").nth(n)).to_be_focused()
        choose(page, page.get_by_label("Kind of help").nth(n), category)
        type_into(page, page.get_by_label("What is needed").nth(n), description)
        type_into(page, page.get_by_label("Amount").nth(n), amount)
        choose(page, page.get_by_label("Currency").nth(n), currency)
    type_into(page, page.get_by_label("The facts"), victim.facts)
    tab_to(page, page.get_by_label("No other support can be reached for this help."))
    page.keyboard.press("Space")
    tab_to(page, page.get_by_label("The victim agreed that this request"))
    page.keyboard.press("Space")
    type_into(page, page.get_by_label("Day consent was given"), typed_date(page, today()))


def case_id_of(page: Page) -> str:
    return page.url.split("/cases/")[1].split("?")[0].split("#")[0]


def intake_case(api: Api, case_id: str, user: str = "caseworker-a") -> dict[str, Any]:
    response = api.get("intake", f"/cases/{case_id}", user=user)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def org_case_count(api: Api, org: str = "org-a") -> int:
    from support import query

    dsn = api.stack.owner_dsns["intake"]
    return int(query(dsn, "SELECT count(*) FROM cases WHERE org_id = $1", org)[0][0])


def said(language: str, message: str) -> str:
    """A message as the web service says it in `language` (its catalogues, as they stand)."""
    from services.web.i18n import I18n

    return _i18n(I18n).choose(language).gettext(message)


_LOADED: dict[str, Any] = {}


def _i18n(kind: Any) -> Any:
    if "i18n" not in _LOADED:
        _LOADED["i18n"] = kind()
    return _LOADED["i18n"]
