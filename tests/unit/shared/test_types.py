"""shared.types: Text, Line and Name accept what a person types and refuse what a database or a
page cannot hold (tables of cases, then Hypothesis over all of Unicode)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field, ValidationError

from shared.types import IsoDate, Line, Name, Text, is_line, visible


class Form(BaseModel):
    text: Text = Field(default="", max_length=1000)
    line: Line = ""
    name: Name = "x"
    day: IsoDate | None = None


def accepts(**fields: object) -> bool:
    try:
        Form.model_validate(fields)
    except ValidationError:
        return False
    return True


ACCEPTED = {
    "plain": "Amina Haddad",
    "arabic": "أمينة حداد",
    "rtl override kept as typed": "\u202eAmina",  # shown oddly, stored intact: not a control
    "combining marks": "Zoe\u0308",
    "emoji": "🙂 ok",
    "astral plane": "𝔸𝕞𝕚𝕟𝕒",
    "cjk": "王小明",
    "zero-width joiner inside": "क्ष",
}


@pytest.mark.parametrize("value", ACCEPTED.values(), ids=ACCEPTED)
def test_what_people_type_is_accepted_everywhere(value: str) -> None:
    assert accepts(text=value, line=value, name=value)


TEXT_REFUSED = {
    "NUL": "a\x00b",
    "bell": "a\x07",
    "escape (terminal sequences)": "\x1b[31mred",
    "DEL": "a\x7f",
    "C1 control": "a\x9bb",
    "vertical tab": "a\x0bb",
    "form feed": "a\x0cb",
    "lone high surrogate": "a\ud800b",
    "lone low surrogate": "\udfff",
}


@pytest.mark.parametrize("value", TEXT_REFUSED.values(), ids=TEXT_REFUSED)
def test_text_refuses_control_characters_and_lone_surrogates(value: str) -> None:
    assert not accepts(text=value)
    assert not accepts(line=value)
    assert not accepts(name=value)


@pytest.mark.parametrize("value", ["a\nb", "a\r\nb", "a\tb", "a\u2028b", "a\u2029b", "a\x85b"])
def test_line_breaks_are_text_but_not_a_line(value: str) -> None:
    assert accepts(text=value) == ("\x85" not in value)  # NEL is a C1 control as well
    assert not accepts(line=value)
    assert not is_line(value)


BLANK = {
    "empty": "",
    "spaces": "   ",
    "no-break space": "\u00a0",
    "ideographic space": "\u3000",
    "zero-width space": "\u200b",
    "zero-width joiners": "\u200d\u200c",
    "word joiner": "\u2060",
    "bidi marks": "\u200e\u200f",
    "bidi override alone": "\u202e",
    "hangul fillers": "\u3164\u115f\u1160\uffa0",
    "braille blank": "\u2800",
    "combining grapheme joiner": "\u034f",
    "byte order mark": "\ufeff",
    "mixed invisibles": " \u200b\u00a0\u2800 ",
}


@pytest.mark.parametrize("value", BLANK.values(), ids=BLANK)
def test_a_name_must_show_something(value: str) -> None:
    assert not visible(value)
    assert not accepts(name=value)
    assert accepts(line=value)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("2026-11-01", True),
        ("2026-02-30", False),
        ("20261101", False),
        ("2026-11-1", False),
        (0, False),
        (1_700_000_000, False),
        ("2026-11-01T00:00", False),
        ("", False),
    ],
)
def test_dates_are_written_yyyy_mm_dd(value: object, ok: bool) -> None:
    assert accepts(day=value) is ok


def test_lengths_are_the_fields_own() -> None:
    assert accepts(text="x" * 1000)
    assert not accepts(text="x" * 1001)


_CONTROLS = [
    chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0)]
]


@given(st.text(), st.sampled_from(_CONTROLS), st.text())
def test_any_text_with_a_control_character_is_refused(
    before: str, control: str, after: str
) -> None:
    assert not accepts(text=before + control + after)


@given(st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs"))))
def test_any_text_without_controls_or_surrogates_is_accepted(value: str) -> None:
    assert accepts(text=value[:1000])


@given(st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"))))
def test_a_line_is_a_text_without_line_breaks(value: str) -> None:
    assert accepts(line=value)


@given(st.text())
def test_a_name_shows_a_letter_mark_number_punctuation_or_symbol(value: str) -> None:
    shows = any(
        unicodedata.category(c)[0] in "LMNPS" and c not in "\u115f\u1160\u3164\uffa0\u2800\u034f"
        for c in value
    )
    assert visible(value) is shows
    if not is_line(value):
        assert not accepts(name=value)
    else:
        assert accepts(name=value) is shows
