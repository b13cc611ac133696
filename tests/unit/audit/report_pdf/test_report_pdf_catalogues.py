"""The PDF's catalogues: every string of the code and template, translated in every language, none
fuzzy, none left over, placeholders kept, plural forms all given; compiled from the .po as used."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from services.audit.report_pdf import i18n
from services.audit.report_pdf.i18n import LANGS, Lang, catalogue_path, translations

PACKAGE = Path(i18n.__file__).parent
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]
OPTIONS = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}


def catalogue(lang: Lang) -> Catalog:
    with catalogue_path(lang).open("rb") as po:
        return read_po(po, locale=lang)


def used_ids() -> set[str | tuple[str, str]]:
    """What the code and the template ask gettext for (as `pybabel extract` with babel.cfg)."""
    found: set[str | tuple[str, str]] = set()
    for _, _, message, _, _ in extract_from_dir(str(PACKAGE), METHODS, OPTIONS):
        found.add(message if isinstance(message, str) else (message[0], message[1]))
    return found


def test_the_code_and_template_use_strings() -> None:
    assert len(used_ids()) > 50


@pytest.mark.parametrize("lang", LANGS)
def test_every_string_is_in_the_catalogue_and_none_is_left_over(lang: Lang) -> None:
    ids = {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalogue(lang) if m.id}
    used = used_ids()
    assert sorted(map(str, used - ids)) == [], "missing from the catalogue"
    assert sorted(map(str, ids - used)) == [], "no longer used"


@pytest.mark.parametrize("lang", LANGS)
def test_no_entry_is_untranslated_fuzzy_or_broken(lang: Lang) -> None:
    cat = catalogue(lang)
    assert not cat.fuzzy, "the catalogue's header is fuzzy"
    assert cat.locale is not None and str(cat.locale) == lang
    for message in cat:
        if not message.id:
            continue
        assert not message.fuzzy, f"fuzzy: {message.id!r}"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert len(strings) == (cat.num_plurals if message.pluralizable else 1), message.id
        assert all(s.strip() for s in strings), f"untranslated: {message.id!r}"
    assert [(m.id, errors) for m, errors in cat.check()] == [], "placeholders differ"


@pytest.mark.parametrize("lang", ["fr", "es", "ar"])
def test_a_translation_is_not_the_english_left_in_place(lang: Lang) -> None:
    same = {m.id for m in catalogue(lang) if m.id and m.string == m.id}
    # Words spelled the same in the language, and a bare abbreviation.
    assert same <= {"Social", "Signature", "Ref."}, same


def test_arabic_has_its_six_plural_forms_and_uses_them() -> None:
    assert catalogue("ar").num_plurals == 6
    t = translations("ar")
    forms = {n: t.ngettext("%(days)s day", "%(days)s days", n) for n in (0, 1, 2, 3, 11, 100)}
    assert len(set(forms.values())) >= 4
    assert forms[3] == "%(days)s أيام" and forms[11] == "%(days)s يومًا"


@pytest.mark.parametrize("lang", LANGS)
def test_the_compiled_catalogue_translates(lang: Lang) -> None:
    expected = {"en": "Donor report", "fr": "Rapport au donateur",
                "es": "Informe para el donante", "ar": "تقرير المانح"}  # fmt: skip
    assert translations(lang).gettext("Donor report") == expected[lang]


def test_what_a_careless_merge_leaves_behind_is_seen() -> None:
    """The checks above would catch a fuzzy entry and a renamed placeholder."""
    text = catalogue_path("fr").read_text(encoding="utf-8")
    broken = text.replace('msgid "Paid"', '#, fuzzy\nmsgid "Paid"', 1).replace(
        "en %(currency)s", "en %(devise)s", 1
    )
    assert broken.count("#, fuzzy") == text.count("#, fuzzy") + 1 and "devise" in broken
    cat = read_po(io.BytesIO(broken.encode()), locale="fr")
    assert [m.id for m in cat if m.id and m.fuzzy] == ["Paid"]
    assert [m.id for m, _ in cat.check()] == ["All figures in %(currency)s"]
