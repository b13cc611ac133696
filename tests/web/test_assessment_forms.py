"""The case page's form helpers, without a browser: item lines as the API takes them, the
service's errors put back on the form's own lines, If-Match from the version a form carries."""

from __future__ import annotations

import pytest
from starlette.datastructures import FormData, UploadFile

from services.web.access import PageNotFound
from services.web.clients import ServiceRefusal
from services.web.pages.assessment_case import checked_id, if_match, item_lines, renumbered, text


def lines_form(*amounts: str) -> FormData:
    fields: list[tuple[str, str]] = []
    for n, amount in enumerate(amounts):
        fields += [
            (f"approved_items.{n}.item_id", f"item-{n + 1}"),
            (f"approved_items.{n}.amount", amount),
            (f"approved_items.{n}.currency", "CHF"),
        ]
    return FormData(fields)


def test_blank_lines_are_left_out_and_each_line_sent_keeps_its_number_in_the_form() -> None:
    lines, numbers = item_lines(lines_form("", " 12.50 ", "", "3"), "approved_items")
    assert lines == [
        {"item_id": "item-2", "amount": "12.50", "currency": "CHF"},
        {"item_id": "item-4", "amount": "3", "currency": "CHF"},
    ]
    assert numbers == {0: 1, 1: 3}


def test_the_services_errors_land_on_the_lines_the_person_filled_in() -> None:
    _, numbers = item_lines(lines_form("", "1.001", "", "-3"), "approved_items")
    refusal = ServiceRefusal(
        "assessment",
        422,
        {
            "type": "https://vfund.example/problems/validation-error",
            "errors": [
                {"field": "body.approved_items.0.amount", "code": "decimal_max_places"},
                {"field": "body.approved_items.1.amount", "code": "greater_than"},
                {"field": "body.notes", "code": "personal_data"},
            ],
        },
    )
    fields = [e["field"] for e in renumbered(refusal, "approved_items", numbers).errors]
    assert fields == ["approved_items.1.amount", "approved_items.3.amount", "body.notes"]


@pytest.mark.parametrize(
    ("version", "expected"),
    [("7", {"If-Match": '"7"'}), ("", {}), ("7 ", {}), ('"7"', {}), ("1" * 12, {}), (None, {})],
)
def test_if_match_names_only_a_version_the_page_gave(version: object, expected: object) -> None:
    assert if_match(version) == expected


@pytest.mark.parametrize("case_id", ["..", ".", "-x", "a b", "a/b", "x" * 65, ""])
def test_a_case_id_no_service_spells_so_is_a_missing_page(case_id: str) -> None:
    with pytest.raises(PageNotFound):
        checked_id(case_id)


def test_a_file_sent_in_place_of_a_text_field_reads_as_nothing() -> None:
    import io

    form = FormData([("notes", UploadFile(io.BytesIO(b"x"), filename="n.txt")), ("a", "b")])
    assert text(form, "notes") == "" and text(form, "a") == "b" and text(form, "z") == ""
    assert checked_id("3f0e-aa:1.b_c") == "3f0e-aa:1.b_c"
