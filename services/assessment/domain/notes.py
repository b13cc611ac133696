"""Refuse assessor notes that carry obvious personal data; report the kind found, never the text."""

from __future__ import annotations

import re
from enum import StrEnum

from services.assessment.domain.errors import ErrorCode
from shared.errors import DomainError


class PersonalDataKind(StrEnum):
    EMAIL = "email"
    IBAN = "iban"
    DATE_OF_BIRTH = "date_of_birth"
    DATE = "date"
    PHONE = "phone"
    ID_NUMBER = "id_number"


_MONTHS = (
    r"(?:jan(?:uary|vier)?|feb(?:ruary)?|f[ée]v(?:rier)?|mar(?:ch|s)?|apr(?:il)?|avr(?:il)?"
    r"|(?-i:May)|mai|june?|juin|july?|juil(?:let)?|aug(?:ust)?|ao[uû]t|sep(?:t(?:ember)?)?"
    r"|oct(?:ober|obre)?|nov(?:ember|embre)?|dec(?:ember)?|d[ée]c(?:embre)?"
    r"|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre)"
)
_DAY = r"(?:[012]?\d|3[01])(?:st|nd|rd|th|er)?"
_YEAR = r"(?:1[89]|20)\d\d"

# Checked in this order; each match is blanked before the next pattern looks, so a date is not
# also reported as a phone number and an IBAN is not also an ID number.
_PATTERNS: tuple[tuple[PersonalDataKind, re.Pattern[str]], ...] = (
    (
        PersonalDataKind.EMAIL,
        re.compile(r"[\w.+%-]+\s*(?:@|\[at\]|\(at\))\s*[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.I),
    ),
    (
        PersonalDataKind.IBAN,  # upper case, groups of four, six digits or more
        re.compile(
            r"\b[A-Z]{2}\d{2}(?=(?:[ A-Z]*\d){6})(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b"
        ),
    ),
    (
        PersonalDataKind.DATE_OF_BIRTH,
        re.compile(
            r"\b(?:d\.?o\.?b\b|date\s+of\s+birth|birth\s*date|birthday|born|geboren"
            r"|fecha\s+de\s+nacimiento|nacid[oa]|n[ée]e?\s+le\s+\d)\b",
            re.I,
        ),
    ),
    (
        PersonalDataKind.DATE,
        re.compile(
            rf"\b\d{{4}}[./-]\d{{1,2}}[./-]\d{{1,2}}\b"  # 1990-05-14
            rf"|\b\d{{1,2}}[./-]\d{{1,2}}[./-](?:\d{{4}}|\d{{2}})\b"  # 14.05.1990, 5/14/90
            rf"|\b{_DAY}\s+(?:of\s+|de\s+)?{_MONTHS}\.?,?(?:\s+(?:de\s+)?\d{{2,4}})?\b"  # 14 May
            rf"|\b{_MONTHS}\.?\s+{_DAY}\b(?:,?\s+\d{{4}})?"  # May 14, 1990
            rf"|\b{_MONTHS}\.?\s+{_YEAR}\b",  # May 1990
            re.I,
        ),
    ),
    (
        PersonalDataKind.PHONE,
        re.compile(
            r"(?<![\d.,'])(?:\+|\b00)\d{1,3}(?:[\s.()/-]*\d){6,14}"  # +41 79 123 45 67, 0041
            r"|(?<![\d.,'])\(?\b0\d{1,4}\)?(?:[\s./-]*\d){5,10}"  # 079 123 45 67, (030) 1234567
            r"|\(\d{2,4}\)\s*\d{3,4}[\s.-]?\d{3,4}"  # (555) 123-4567
            r"|\b\d{3}[.-]\d{3}[.-]\d{4}\b"  # 555-123-4567
            r"|\b(?:tel|phone|mobile|cell|whatsapp|signal|t[ée]l[ée]phone)\b\W{0,3}\+?\d(?:[\s.()/-]*\d)*",
            re.I,
        ),
    ),
    (
        PersonalDataKind.ID_NUMBER,
        re.compile(
            r"\b\d(?:[\s./-]?\d){8,}\b"  # nine or more digits in a run: ID, account, AHV numbers
            r"|\b[A-Z]{1,3}\d{6,12}\b",  # passport-like: letters then a long run of digits
            re.I,
        ),
    ),
)


def find_personal_data(text: str) -> list[PersonalDataKind]:
    """The kinds of personal data the text appears to carry, in a fixed order, each once."""
    found: list[PersonalDataKind] = []
    for kind, pattern in _PATTERNS:
        text, hits = pattern.subn(lambda m: " " * len(m.group()), text)
        if hits:
            found.append(kind)
    return found


class PersonalDataInNotes(DomainError):
    """Notes refused (invalid): `kinds` says what was found, and `errors` names the field; the
    text itself is never repeated."""

    def __init__(self, kinds: list[PersonalDataKind], *, field: str = "notes") -> None:
        code = ErrorCode.PERSONAL_DATA_IN_NOTES
        super().__init__(
            code.refusal,
            code,
            "notes seem to contain personal data: " + ", ".join(kinds),
            errors=[
                {
                    "field": field,
                    "code": "personal_data",
                    "message": "looks like: " + ", ".join(kinds),
                }
            ],
        )
        self.kinds = tuple(kinds)


def check_notes(text: str, *, field: str = "notes") -> None:
    """Raise PersonalDataInNotes, naming `field`, if the text seems to carry personal data."""
    kinds = find_personal_data(text)
    if kinds:
        raise PersonalDataInNotes(kinds, field=field)
