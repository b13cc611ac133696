"""The donor report PDF, parsed: it opens in every language, its tables carry the JSON report's
figures, its annex the log indexes, its tree head verifies, and its Arabic is shaped and right to
left. VFUND_SCREENSHOTS=1 also keeps the first page in English and Arabic under docs/."""

from __future__ import annotations

import base64
import io
import os
import re
from datetime import date
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from pdf_story import GRANT, KEY, pdf, story
from pypdf import PdfReader

from services.audit.domain import merkle
from services.audit.domain.canonical import canonical_json
from services.audit.domain.heads import tree_head_message
from services.audit.domain.memory_tree import MemoryTree
from services.audit.report_pdf import LANGS, Lang, render_pdf
from services.audit.report_pdf.figures import MEASURES
from services.audit.report_pdf.i18n import Formats
from services.audit.report_pdf.timing import payment_times

DOCS = Path(__file__).resolve().parents[4] / "docs"
SPACES = re.compile(r"[\u00a0\u202f\u2009\u2007]")
MARKS = re.compile(r"[\u200e\u200f\u061c\u2066-\u2069]")
AMOUNT = re.compile(r"\d{1,3}(?:[ ,.]\d{3})*[.,]\d{2}(?!\d)")
ARABIC = re.compile(r"[\u0600-\u06ff]")
INDEXES = re.compile(r"^(\d+(, \d+)*|—)$")


def norm(text: str) -> str:
    return MARKS.sub("", SPACES.sub(" ", text))


def lines(lang: Lang) -> list[str]:
    """The text as pdfium lays it out, a line at a time; lines with Arabic put back in reading
    order a word at a time (pdfium gives their words left to right)."""
    doc = pdfium.PdfDocument(pdf(lang))
    text = "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))
    out = [norm(line).strip() for line in text.replace("\r", "").split("\n")]
    if lang == "ar":
        out = [" ".join(reversed(line.split(" "))) if ARABIC.search(line) else line
               for line in out]  # fmt: skip
    return out


def parts(lang: Lang) -> tuple[list[str], list[str]]:
    """The lines before the verifier's command (the tables) and after it (the annex)."""
    text = lines(lang)
    at = next(i for i, line in enumerate(text) if "vfund" in line and "verify" in line)
    return text[:at], text[at + 1 :]


def masked(cases: int) -> str:
    return "< 5" if cases < 5 else str(cases)


def cases_of(row: dict[str, Any]) -> int:
    events = story().events
    return len({events[i]["data"]["case_id"] for m in MEASURES for i in row[m]["indexes"]})


@pytest.mark.parametrize("lang", LANGS)
def test_it_opens_in_every_language(lang: Lang) -> None:
    reader = PdfReader(io.BytesIO(pdf(lang)))
    assert len(reader.pages) >= 3
    assert all(page.extract_text().strip() for page in reader.pages)
    assert reader.trailer["/Root"]["/Lang"] == lang
    assert reader.metadata is not None and GRANT in str(reader.metadata.title)
    page = pdfium.PdfDocument(pdf(lang))[0].render(scale=0.5).to_pil().convert("L")
    assert page.getextrema()[0] < 100, "the first page is blank"


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("key", ["totals", "by_country", "by_category", "by_month"])
def test_every_table_row_carries_the_json_reports_figures(lang: Lang, key: str) -> None:
    report, fmt, (text, _) = story().report(), Formats(lang), parts(lang)
    refs = {"totals": "T", "by_country": "C", "by_category": "K", "by_month": "M"}
    assert report[key]
    for n, row in enumerate(report[key], start=1):
        ref = f"{refs[key]}{n}"
        found = [line for line in text if line.split(" ")[0] == ref]
        assert len(found) == 1, (ref, found)
        money = [row["reserved"]["amount"], row["released"]["amount"], row["net_reserved"],
                 row["paid"]["amount"]]  # fmt: skip
        expected = [AMOUNT.findall(norm(fmt.money(a, row["currency"])))[0] for a in money]
        assert AMOUNT.findall(found[0]) == expected, (ref, found[0])
        shown = "≥ 5" if key == "totals" else masked(cases_of(row))
        assert found[0].endswith(f" {shown}"), (ref, found[0], shown)


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_time_to_payment_rows_hide_small_buckets(lang: Lang) -> None:
    times = payment_times(story().report_entries(), grant_id=GRANT)
    text, _ = parts(lang)
    for n, bucket in enumerate(times.buckets, start=1):
        found = [line for line in text if line.split(" ")[0] == f"D{n}"]
        assert len(found) == 1 and found[0].endswith(f" {masked(bucket.cases)}"), found
    assert any(line.endswith(": 14") for line in text), "the paid cases' total"


@pytest.mark.parametrize("lang", LANGS)
def test_the_annex_lists_the_log_indexes_of_every_figure_in_order(lang: Lang) -> None:
    report = story().report()
    expected = [
        ", ".join(map(str, row[m]["indexes"])) or "—"
        for key in ("totals", "by_country", "by_category", "by_month")
        for row in report[key]
        for m in MEASURES
    ]
    times = payment_times(story().report_entries(), grant_id=GRANT)
    expected += [", ".join(map(str, b.indexes)) or "—" for b in times.buckets]
    _, annex = parts(lang)
    assert [line for line in annex if INDEXES.match(line)] == expected


def test_the_tree_head_printed_is_the_signed_head_of_the_log() -> None:
    text = PdfReader(io.BytesIO(pdf("en"))).pages[0].extract_text()
    field = {
        name: re.search(rf"^{name} (\S+)$", text, re.MULTILINE)
        for name in ("Tree size", "Root hash", "Signed at", "Signature", "Key id")
    }
    got = {name: m.group(1) for name, m in field.items() if m}
    assert len(got) == 5, text
    events = story().events
    tree = MemoryTree(merkle.leaf_hash(canonical_json(e)) for e in events)
    assert int(got["Tree size"]) == len(events) and got["Root hash"] == tree.root().hex()
    message = tree_head_message(int(got["Tree size"]), got["Root hash"], got["Signed at"])
    KEY.public_key().verify(base64.b64decode(got["Signature"]), message)  # raises if not


def _arabic_glyphs(data: bytes) -> dict[str, set[str]]:
    """Unicode text -> the glyph ids drawing it, from the ToUnicode maps of the Arabic fonts."""
    glyphs: dict[str, set[str]] = {}
    reader = PdfReader(io.BytesIO(data))
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "Arabic" not in str(font["/BaseFont"]):
                continue
            cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
            for glyph, hexes in re.findall(r"<([0-9a-f]{4})>\s*<([0-9a-f]+)>", cmap):
                text = "".join(chr(int(hexes[i : i + 4], 16)) for i in range(0, len(hexes), 4))
                glyphs.setdefault(text, set()).add(glyph)
    return glyphs


def test_arabic_text_is_there_and_shaped() -> None:
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf("ar"))).pages)
    for words in ("تقرير المانح", "رأس الشجرة الموقّع", "المجاميع", "حسب البلد", "كينيا",
                  "حسب فئة المساعدة", "طبية", "الحالات", "المدة من الطلب إلى الدفع"):  # fmt: skip
        assert words in text, words
    glyphs = _arabic_glyphs(pdf("ar"))
    # Shaped: a letter is drawn with its joining forms (initial, medial, final) and lam-alef as
    # one ligature; unshaped text would draw one glyph per letter.
    assert len(glyphs.get("\u0644", set())) >= 3, "lam in one form only"
    assert len(glyphs.get("\u0628", set())) >= 2, "beh in one form only"
    assert "\u0644\u0627" in glyphs, "no lam-alef ligature"
    assert _arabic_glyphs(pdf("en")) == {}


def _span(lang: Lang, words: str) -> tuple[float, float, float]:
    """Left edge, right edge and page width of the first line holding words, in points."""
    page = pdfium.PdfDocument(pdf(lang))[0]
    found = page.get_textpage().search(words).get_next()
    assert found is not None, words
    first, count = found
    boxes = [page.get_textpage().get_charbox(i) for i in range(first, first + count)]
    return min(b[0] for b in boxes), max(b[2] for b in boxes), page.get_width()


def test_arabic_runs_right_to_left_and_english_left_to_right() -> None:
    left, right, width = _span("ar", "تقرير المانح")
    assert right > 0.85 * width and left > 0.5 * width, "the Arabic title is not at the right"
    page = pdfium.PdfDocument(pdf("ar"))[0].get_textpage()
    first, count = page.search("تقرير").get_next()
    # Logical order runs leftwards: the first letter is drawn right of the last.
    assert page.get_charbox(first)[0] > page.get_charbox(first + count - 1)[0]
    left, right, width = _span("en", "Donor report")
    assert left < 0.15 * width and right < 0.5 * width


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_first_page_renders_as_a_picture(lang: Lang, tmp_path: Path) -> None:
    image = pdfium.PdfDocument(pdf(lang))[0].render(scale=1.5).to_pil()
    target = tmp_path / f"donor-report-{lang}.png"
    image.save(target, optimize=True)
    assert image.size[0] > 800 and target.stat().st_size > 20_000
    if os.environ.get("VFUND_SCREENSHOTS") == "1":
        target.replace(DOCS / target.name)


def test_a_period_without_entries_renders_and_says_so() -> None:
    s = story()
    start = date(2030, 1, 1)
    data = render_pdf(s.report(start), grant_id=GRANT, start=start, end=None, head=s.head(),
                      entries=s.report_entries(), lang="fr")  # fmt: skip
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert text.count("Aucune entrée de la subvention ne tombe dans cette période.") == 10
    assert "À partir du 1 janvier 2030" in norm(text)
