"""The donor report PDF read back as a person reads it: its lines of text (pdfium's layout),
the table rows by their reference (T1, C1, K1, M1, D1 ...), the annex's lists of log indexes,
and the tree head it names."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pypdfium2 as pdfium

SPACES = re.compile(r"[\u00a0\u202f\u2009\u2007]")
MARKS = re.compile(r"[\u200e\u200f\u061c\u2066-\u2069]")
ARABIC = re.compile(r"[\u0600-\u06ff]")
AMOUNT = re.compile(r"\d{1,3}(?:[ ,.]\d{3})*[.,]\d{2}(?!\d)")
INDEXES = re.compile(r"^(\d+(, \d+)*|—)$")
HEX64 = re.compile(r"\b[0-9a-f]{64}\b")
REF = re.compile(r"^([TCKMD])([0-9]+)$")


def norm(text: str) -> str:
    return MARKS.sub("", SPACES.sub(" ", text))


def text_of(data: bytes) -> str:
    doc = pdfium.PdfDocument(data)
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def lines(data: bytes, lang: str) -> list[str]:
    """The text a line at a time; lines with Arabic put back in reading order a word at a time
    (pdfium gives their words left to right)."""
    out = [norm(line).strip() for line in text_of(data).replace("\r", "").split("\n")]
    if lang == "ar":
        out = [" ".join(reversed(line.split(" "))) if ARABIC.search(line) else line
               for line in out]  # fmt: skip
    return out


@dataclass(frozen=True)
class ReadPdf:
    rows: dict[str, str]  # reference -> its table line
    annex: list[str]  # the annex's index lists, in order
    hashes: set[str]  # 64-hex strings printed (the root hash)
    text: list[str]


def read(data: bytes, lang: str) -> ReadPdf:
    text = lines(data, lang)
    at = next(i for i, line in enumerate(text) if "vfund" in line and "verify" in line)
    tables, annex = text[:at], text[at + 1 :]
    rows = {}
    for line in tables:
        first = line.split(" ")[0]
        if REF.match(first):
            assert first not in rows, (first, line)
            rows[first] = line
    return ReadPdf(
        rows=rows,
        annex=[line for line in annex if INDEXES.match(line)],
        hashes={h for line in text for h in HEX64.findall(line)},
        text=text,
    )
