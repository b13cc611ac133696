"""The new-case form without a browser: what is typed becomes the body intake is sent (blanks
left out, amounts and countries as the person's language writes them), rows change in place,
and intake's refusals land on the fields they name, in the person's words."""

from __future__ import annotations

from typing import Any

import pytest

from services.web.clients import ServiceRefusal
from services.web.i18n import I18n
from services.web.pages.cases import case_errors
from services.web.pages.cases_form import CaseForm, country_code, decimal_text, form_key


@pytest.mark.parametrize(
    ("typed", "language", "sent"),
    [
        ("1200.50", "en", "1200.50"),
        ("1,200.50", "en", "1200.50"),
        ("1 250,50", "fr", "1250.50"),
        ("1250,5", "fr", "1250.5"),
        ("1250.50", "fr", "1250.50"),
        ("1.234.567,8", "es", "1234567.8"),
        ("1200.50", "es", "1200.50"),  # not Spanish, sent as typed for intake to read
        ("\u0661\u0662\u0660\u0660\u066b\u0665\u0660", "ar", "1200.50"),  # Arabic-Indic
        ("  75 ", "en", "75"),
        # Not plainly a number: sent as typed, for intake to name.
        ("1,5", "en", "1,5"),
        ("12e3", "en", "12e3"),
        ("-5", "en", "-5"),
        ("about 100", "en", "about 100"),
        ("", "en", ""),
    ],
)
def test_amounts_are_sent_as_the_api_reads_them(typed: str, language: str, sent: str) -> None:
    assert decimal_text(typed, language) == sent


@pytest.mark.parametrize(
    ("typed", "language", "sent"),
    [
        ("LB", "en", "LB"),
        ("lb", "fr", "LB"),
        ("Lebanon", "en", "LB"),
        ("liban", "fr", "LB"),
        ("Líbano", "es", "LB"),
        ("لبنان", "ar", "LB"),
        ("Lebanon", "ar", "LB"),  # the English name is understood in every language
        ("Atlantis", "en", "Atlantis"),
        ("", "en", ""),
    ],
)
def test_countries_are_sent_as_their_codes(typed: str, language: str, sent: str) -> None:
    assert country_code(typed, language) == sent


def form(**values: str) -> dict[str, str]:
    return {"idempotency_key": "k" * 32} | values


def test_the_body_leaves_blanks_out_so_that_intake_names_them_missing() -> None:
    typed = CaseForm.read(
        form(**{
            "victim.full_name": "A. Person",
            "victim.nationality": "Syria",
            "country": "Liban",
            "urgency": "emergency",
            "items.0.category": "medical",
            "items.0.description": "surgery",
            "items.0.amount": "1 250,50",
            "items.0.currency": "CHF",
            "items.1.category": "",
            "facts": "  ",
            "consent.date": "2026-11-01",
        })
    )  # fmt: skip
    typed.compact()
    assert typed.key == "k" * 32
    assert len(typed.rows) == 1
    assert typed.body("fr") == {
        "victim": {"full_name": "A. Person", "nationality": "SY"},
        "country": "LB",
        "urgency": "emergency",
        "consent": {"date": "2026-11-01"},
        "items": [
            {
                "category": "medical",
                "description": "surgery",
                "amount": "1250.50",
                "currency": "CHF",
            }
        ],
    }
    checked = CaseForm.read(form(no_other_support="true", **{"consent.given": "true"}))
    assert checked.body("en")["no_other_support"] is True
    assert checked.body("en")["consent"] == {"given": True}
    assert checked.body("en")["items"] == []


def test_rows_are_added_removed_and_kept_in_their_order() -> None:
    typed = CaseForm.read(
        form(**{"items.10.description": "third", "items.2.description": "second",
                "items.0.description": "first", "items.3.other": "ignored"})
    )  # fmt: skip
    assert [r["description"] for r in typed.rows] == ["first", "second", "third"]
    assert typed.add_row() == 3
    typed.remove_row(1)
    assert [r["description"] for r in typed.rows] == ["first", "third", ""]
    typed.remove_row(99)
    assert len(typed.rows) == 3
    for _ in range(3):
        typed.remove_row(0)
    assert typed.rows == [{"category": "", "description": "", "amount": "", "currency": ""}]
    for _ in range(30):
        typed.add_row()
    assert len(typed.rows) == 20


def test_a_key_that_is_no_forms_gets_a_new_one() -> None:
    for bad in ("", "short", "x" * 65, "k" * 20 + "<script>", None):
        assert form_key(bad) is None
        assert form_key(CaseForm.read({"idempotency_key": bad}).key)


def refusal(errors: list[dict[str, Any]], code: str = "validation-error") -> ServiceRefusal:
    return ServiceRefusal("intake", 422, {"type": f"https://vfund.org/problems/{code}",
                                          "errors": errors})  # fmt: skip


def test_intakes_refusals_land_on_the_fields_they_name_in_the_persons_words() -> None:
    t = I18n().choose("en")
    errors = case_errors(
        t,
        refusal([
            {"field": "body.items.1", "code": "decimal_max_places"},
            {"field": "body.items.0.description", "code": "missing"},
            {"field": "body.country", "code": "string_pattern_mismatch"},
            {"field": "body.document_ids.3", "code": "uuid_parsing"},
            {"field": "body.no_other_support", "code": "missing"},
            {"field": "body.victim.contact", "code": "something_new"},
        ]),
    )  # fmt: skip
    assert errors.fields == {
        "items.1.amount": ["Too many decimal places for this currency."],
        "items.0.description": ["Say what is needed."],
        "country": ["Choose a country from the list."],
        "document_ids": ["Choose documents of this case."],
        "no_other_support": ["Confirm that no other support can be reached."],
        "victim.contact": ["This value is not valid."],
    }
    answer = case_errors(t, refusal([{"field": "body.answer", "code": "missing"}]), "answer-r1.")
    assert answer.fields == {"answer-r1.answer": ["Write your answer."]}
    stale = case_errors(t, ServiceRefusal("intake", 412, {"type": "x/version-mismatch"}))
    assert stale.general == ["Someone changed this meanwhile. Here is what it is now."]
