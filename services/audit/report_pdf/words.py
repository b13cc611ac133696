"""The donor report's words and formats in one language: gettext and Babel, nothing else."""

from __future__ import annotations

from collections.abc import Callable

from services.audit.report_pdf.i18n import Formats, Lang, translations


class Words:
    """The report's words and formats in one language."""

    def __init__(self, lang: Lang) -> None:
        t = translations(lang)
        self._, self.ngettext = t.gettext, t.ngettext
        self.fmt = Formats(lang)
        _ = self._
        self.measures = {"reserved": _("Reserved"), "released": _("Released"), "paid": _("Paid")}
        self.categories = {
            "medical": _("Medical"),
            "psychological": _("Psychological"),
            "social": _("Social"),
            "legal": _("Legal"),
            "relocation": _("Relocation"),
            "unallocated": _("Not allocated to a category"),
        }

    def country(self, code: str) -> str:
        name = self.fmt.country(code)
        if name is None:
            return self._("Country unknown") if code == "unknown" else code
        return f"{name} ({code})"

    def category(self, code: str) -> str:
        return self.categories.get(code, code)

    def label_of(self, field: str) -> Callable[[str], str]:
        """How a report row's country, category or month code reads."""
        labels: dict[str, Callable[[str], str]] = {
            "country": self.country,
            "category": self.category,
            "month": self.fmt.month,
        }
        return labels[field]

    def days(self, days: int) -> str:
        return self.ngettext("%(days)s day", "%(days)s days", days) % {
            "days": self.fmt.number(days)
        }
