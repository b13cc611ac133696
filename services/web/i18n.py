"""Languages: gettext catalogues (one per area, merged), the person's language, Babel formats."""

from __future__ import annotations

import io
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation, localcontext
from pathlib import Path

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

TRANSLATIONS = Path(__file__).parent / "translations"
DEFAULT = "en"


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in the language itself
    direction: str


LANGUAGES: dict[str, Language] = {
    "en": Language("en", "English", "ltr"),
    "fr": Language("fr", "Français", "ltr"),
    "es": Language("es", "Español", "ltr"),
    "ar": Language("ar", "العربية", "rtl"),
}


def _compiled(po: Path) -> Translations:
    """The area's catalogue: its `.mo` when `make i18n` compiled it after the last edit, else
    the `.po` compiled here (a fresh clone has no `.mo`; they are build output)."""
    mo = po.with_suffix(".mo")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as fp:
            return Translations(fp)
    with po.open("rb") as fp:
        catalog = read_po(fp, locale=po.stem)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer)


def load_catalogues(root: Path = TRANSLATIONS) -> dict[str, NullTranslations]:
    """Every area's catalogue of each language merged into one (areas never share a file)."""
    merged: dict[str, NullTranslations] = {DEFAULT: NullTranslations()}
    for code in LANGUAGES:
        if code == DEFAULT:
            continue
        found: Translations | None = None
        for po in sorted(root.glob(f"*/{code}.po")):
            area = _compiled(po)
            if found is None:
                found = area
            else:
                found.merge(area)
        merged[code] = found or NullTranslations()
    return merged


def negotiate(accept_language: str | None) -> str | None:
    """The first language of the Accept-Language header that vfund speaks."""
    if not accept_language:
        return None
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, position, tag.strip().lower().split("-")[0]))
    for quality, _, code in sorted(weighted):
        if quality < 0 and code in LANGUAGES:
            return code
    return None


class Translator:
    """One language's messages and formats, for a request and the templates it renders."""

    def __init__(self, language: Language, messages: NullTranslations) -> None:
        self.language = language
        self.code = language.code
        self.direction = language.direction
        self._messages = messages
        self._locale = Locale.parse(language.code)

    def gettext(self, message: str) -> str:
        return self._messages.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._messages.ngettext(singular, plural, n)

    def date(self, value: date | datetime | str | None) -> str:
        parsed = _as_datetime(value)
        if parsed is None:
            return ""
        return dates.format_date(parsed, format="medium", locale=self._locale)

    def datetime(self, value: datetime | str | None) -> str:
        parsed = _as_datetime(value)
        if parsed is None:
            return ""
        return dates.format_datetime(parsed, format="medium", locale=self._locale)

    def duration(self, seconds: float) -> str:
        return dates.format_timedelta(
            timedelta(seconds=abs(seconds)), threshold=1.0, locale=self._locale
        )

    def number(self, value: int | float | Decimal | str) -> str:
        # Babel rounds with the decimal context: wide enough for any figure a service sends (a
        # rate's deviation from another can run to 26 digits), never an error in a page.
        with localcontext() as wide:
            wide.prec = WIDE_PRECISION
            return numbers.format_decimal(_as_decimal(value), locale=self._locale)

    def money(self, amount: Decimal | str, currency: str) -> str:
        """Exact: the amount as the service gave it, in the currency's own minor units."""
        with localcontext() as wide:
            wide.prec = WIDE_PRECISION
            return numbers.format_currency(_as_decimal(amount), currency, locale=self._locale)

    def country(self, code: str) -> str:
        return str(self._locale.territories.get(code.upper(), code))


def _as_datetime(value: date | datetime | str | None) -> datetime | date | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return value


WIDE_PRECISION = 80


def _as_decimal(value: int | float | Decimal | str) -> Decimal:
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)
    return found if found.is_finite() else Decimal(0)


class I18n:
    """Every language's translator, built once at startup."""

    def __init__(self, root: Path = TRANSLATIONS) -> None:
        catalogues = load_catalogues(root)
        self.translators = {
            code: Translator(language, catalogues[code]) for code, language in LANGUAGES.items()
        }

    def choose(self, *preferences: str | None) -> Translator:
        for code in preferences:
            if code in self.translators:
                return self.translators[code]
        return self.translators[DEFAULT]

    def codes(self) -> Iterable[str]:
        return self.translators.keys()


# The translator of the request being rendered: templates' gettext and filters read it.
CURRENT: ContextVar[Translator] = ContextVar("translator")
