"""The donor report as a PDF: the package's Jinja2 template and CSS, laid out by WeasyPrint.

Fonts are the system's (fontconfig: Noto Sans, Noto Sans Arabic, DejaVu), embedded in the PDF;
pango shapes Arabic and orders it right to left. Nothing is fetched: the template names no URL,
and a fetcher that refuses every scheme turns any attempt into an error.
"""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2
from weasyprint import HTML
from weasyprint.urls import URLFetcher

from services.audit.report_pdf import figures
from services.audit.report_pdf.i18n import Lang, translations
from services.audit.report_pdf.view import View

TEMPLATES = Path(__file__).parent / "templates"


@functools.cache
def environment(lang: Lang) -> jinja2.Environment:
    """One environment per language: install_gettext_translations binds the language to it."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


@functools.cache
def stylesheet() -> str:
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


def html_of(view: View) -> str:
    limits = {"min": figures.MIN_COUNT, "below": figures.BELOW, "at_least": figures.AT_LEAST}
    template = environment(view.lang).get_template("report.html")
    return template.render(view=view, css=stylesheet(), limits=limits)


def pdf_of(view: View) -> bytes:
    """CPU-bound (about a second): call it from a worker thread, not the event loop."""
    fetcher = URLFetcher(allowed_protocols=(), fail_on_errors=True)
    return bytes(HTML(string=html_of(view), url_fetcher=fetcher).write_pdf())
