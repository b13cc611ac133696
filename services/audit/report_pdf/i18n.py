"""The PDF's languages: gettext catalogues (compiled from their .po when first used) and Babel
formats for money, numbers, dates, months and countries."""

from __future__ import annotations

import functools
import gettext
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Literal, get_args

from babel import Locale
from babel.dates import format_date, format_skeleton
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal

Lang = Literal["en", "fr", "es", "ar"]
LANGS: tuple[Lang, ...] = get_args(Lang)
RIGHT_TO_LEFT = frozenset({"ar"})
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def catalogue_path(lang: Lang) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: Lang) -> gettext.GNUTranslations:
    """The language's catalogue, compiled in memory from its .po (the one source: no .mo to go
    stale); fuzzy entries are left out, and the tests refuse any fuzzy or untranslated entry."""
    with catalogue_path(lang).open("rb") as po:
        catalogue = read_po(po, locale=lang, domain=DOMAIN)
    mo = io.BytesIO()
    write_mo(mo, catalogue, use_fuzzy=False)
    mo.seek(0)
    return gettext.GNUTranslations(mo)


@dataclass(frozen=True)
class Formats:
    """Numbers, money and dates as a reader of `lang` writes them (CLDR, through Babel)."""

    lang: Lang

    def money(self, amount: Decimal | int | str, currency: str) -> str:
        return format_currency(Decimal(amount), currency, locale=self.lang)

    def number(self, value: Decimal | int) -> str:
        return format_decimal(value, locale=self.lang)

    def day(self, value: date) -> str:
        return format_date(value, "long", locale=self.lang)

    def month(self, year_month: str) -> str:
        """'2026-01' as 'January 2026' (or the language's way)."""
        year, month = year_month.split("-")
        return format_skeleton("yMMMM", date(int(year), int(month), 1), locale=self.lang)

    def country(self, code: str) -> str | None:
        """The country's name in the language, None for a code CLDR does not know."""
        name: str | None = Locale.parse(self.lang).territories.get(code.upper())
        return name
