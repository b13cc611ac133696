"""The notes detector: obvious personal data is refused by kind, ordinary clinical notes pass."""

from __future__ import annotations

import pytest

from services.assessment.domain.errors import ErrorCode
from services.assessment.domain.notes import (
    PersonalDataInNotes,
    PersonalDataKind,
    check_notes,
    find_personal_data,
)
from shared.errors import DomainError
from shared.problems import problem_of

K = PersonalDataKind


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Reach her at jane.doe@example.org for follow-up", K.EMAIL),
        ("mail j.doe [at] mail.example.com", K.EMAIL),
        ("pay to CH93 0076 2011 6238 5295 7", K.IBAN),
        ("IBAN DE89370400440532013000", K.IBAN),
        ("account GB82 WEST 1234 5698 7654 32", K.IBAN),
        ("DOB: 1990", K.DATE_OF_BIRTH),
        ("born in 1985 in the north", K.DATE_OF_BIRTH),
        ("date of birth unknown", K.DATE_OF_BIRTH),
        ("née le 3 mars", K.DATE_OF_BIRTH),
        ("seen on 2024-03-05", K.DATE),
        ("seen on 14.05.1990", K.DATE),
        ("appointment 5/14/90", K.DATE),
        ("arrested 14 May 1990", K.DATE),
        ("arrested May 14, 1990", K.DATE),
        ("detained since March 2019", K.DATE),
        ("le 3 mars", K.DATE),
        ("el 12 de octubre", K.DATE),
        ("call +41 79 123 45 67", K.PHONE),
        ("call 0041 79 123 45 67", K.PHONE),
        ("mobile 079 123 45 67", K.PHONE),
        ("(555) 123-4567", K.PHONE),
        ("555-123-4567", K.PHONE),
        ("whatsapp: 7712", K.PHONE),
        ("AHV 756.1234.5678.97", K.ID_NUMBER),
        ("passport X12345678", K.ID_NUMBER),
        ("id 123456789", K.ID_NUMBER),
        ("national number ١٢٣٤٥٦٧٨٩٠", K.ID_NUMBER),  # Arabic-Indic digits count too
    ],
)
def test_personal_data_is_found_by_kind(text: str, kind: PersonalDataKind) -> None:
    assert find_personal_data(text) == [kind]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Recommend 1250.00 CHF for surgery and 300.00 for medication.",
        "500.00 / 300.00 / 200.00",
        "amount 12 500.00 EUR, 0.75 of the total 1000",
        "The treatment may 2 times be repeated",
        "3 sessions of psychotherapy over 12 weeks",
        "Costs borne by the clinic; stubborn infection; newborn care",
        "ICD-10 F43.1 PTSD, follow-up in Q3 2024",
        "FY24 BUDGET LINE IS OK",
        "Category medical; cost estimate pending; see document 3, version 2.1 of the plan",
        "treatment over 2 decades; no passport available",
        "Supports the request: physiotherapy and trauma counselling as quoted.",
    ],
)
def test_ordinary_notes_pass(text: str) -> None:
    assert find_personal_data(text) == []
    check_notes(text)


def test_several_kinds_are_reported_once_each_in_a_fixed_order() -> None:
    text = "born 12.03.1988, phone +44 20 7946 0958, mail a@b.org, also b@c.org"
    assert find_personal_data(text) == [K.EMAIL, K.DATE_OF_BIRTH, K.DATE, K.PHONE]


def test_a_date_is_not_also_reported_as_a_phone_number() -> None:
    assert find_personal_data("visit 05.01.1990") == [K.DATE]


def test_refusal_names_the_kind_and_never_echoes_the_text() -> None:
    secret = "jane.doe@example.org"
    with pytest.raises(PersonalDataInNotes) as err:
        check_notes(f"contact {secret} or +41 79 123 45 67")
    refusal = err.value
    assert isinstance(refusal, DomainError)
    assert refusal.code is ErrorCode.PERSONAL_DATA_IN_NOTES
    assert problem_of(refusal).status == 422
    assert refusal.kinds == (K.EMAIL, K.PHONE)
    for shown in (str(refusal), refusal.detail, repr(refusal)):
        assert secret not in shown
        assert "123 45 67" not in shown
