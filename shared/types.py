"""Wire types stricter than pydantic's lax defaults: ISO dates, text a database and a page can
hold (no control characters, no lone surrogates), names that are not blank."""

import re
import unicodedata
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, WithJsonSchema


def _iso_text(value: Any) -> Any:
    # Lax pydantic reads 0 as 1970-01-01; an API that means a calendar day wants "YYYY-MM-DD".
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("a date must be written YYYY-MM-DD")
    return value


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_text),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
]

# C0 controls but tab and line breaks, DEL, C1 controls: PostgreSQL refuses NUL in text, and none
# of them belongs in what a person types.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAK = re.compile(r"[\t\n\r\u2028\u2029\x85]")
# Characters that render as nothing: format characters (zero-width space and joiners, bidi
# marks), separators, and fillers that fonts draw blank.
_BLANK_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")


def _text(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("must not contain control characters")
    try:
        # Refuses any surrogate code point, in C: a loop in Python cost 0.15 us a character.
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must not contain unpaired surrogate code points") from None
    return value


def _line(value: str) -> str:
    if _LINE_BREAK.search(_text(value)):
        raise ValueError("must be a single line")
    return value


def is_line(value: str) -> bool:
    """True for one line of text a database and a page can hold (what `Line` accepts)."""
    try:
        _line(value)
    except ValueError:
        return False
    return True


def visible(value: str) -> bool:
    """True when something would show: not only spaces, format characters or blank fillers."""
    return any(
        unicodedata.category(c)[0] not in ("Z", "C") and c not in _BLANK_FILLERS for c in value
    )


def _name(value: str) -> str:
    if not visible(_line(value)):
        raise ValueError("must not be blank")
    return value


# Free text (several lines allowed); give its length with Field(max_length=...).
Text = Annotated[str, AfterValidator(_text)]
# One line of text.
Line = Annotated[str, AfterValidator(_line)]
# A name or title: one line with something visible in it.
Name = Annotated[str, AfterValidator(_name)]
