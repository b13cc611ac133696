"""A service's refusal lands next to the field it names, in the person's language."""

from __future__ import annotations

from services.web.clients import ServiceRefusal
from services.web.forms import FormErrors, field_name
from services.web.i18n import I18n


def test_a_problems_fields_become_the_forms_fields() -> None:
    assert field_name("body.items.0.amount") == "items.0.amount"
    assert field_name("body.victim.full_name") == "victim.full_name"
    assert field_name("query.status") == "status"
    assert field_name("notes") == "notes"


def test_a_refusal_is_shown_by_field_in_french_and_unknown_codes_by_status() -> None:
    problem = {
        "type": "https://vfund.org/problems/validation-error",
        "status": 422,
        "detail": "the request has invalid or missing fields",
        "errors": [
            {"field": "body.items.0.amount", "code": "decimal_parsing", "message": "x"},
            {"field": "body.consent.given", "code": "missing", "message": "x"},
        ],
    }
    french = I18n().choose("fr")
    errors = FormErrors.of_refusal(french, ServiceRefusal("intake", 422, problem))
    assert errors.of("items.0.amount") == ["Saisissez un nombre."]
    assert errors.of("consent.given") == ["Ce champ est obligatoire."]
    stale = ServiceRefusal("intake", 412, {"type": "https://vfund.org/problems/whatever"})
    assert FormErrors.of_refusal(french, stale).general == [
        "Quelqu'un a modifié ceci entre-temps. Voici ce qu'il en est maintenant."
    ]
