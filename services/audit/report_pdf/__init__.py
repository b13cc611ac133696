"""The donor report as a PDF in en, fr, es or ar: charts, tables, time to payment, tree head, annex.

`render_pdf` is the one entry point; everything before WeasyPrint is pure (`view.build`,
`timing.payment_times`, `figures`), so the figures are tested without a PDF.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from services.audit.report_pdf import figures, timing
from services.audit.report_pdf.i18n import LANGS, Lang
from services.audit.report_pdf.render import pdf_of
from services.audit.report_pdf.view import TreeHead, View, build

__all__ = ["LANGS", "Lang", "TreeHead", "render_pdf", "report_view"]


def report_view(
    report: Mapping[str, Any],
    *,
    grant_id: str,
    start: date | None,
    end: date | None,
    head: Mapping[str, Any],
    entries: Iterable[tuple[int, Mapping[str, Any]]],
    lang: Lang,
) -> View:
    """What the PDF shows, before layout; see render_pdf for the arguments."""
    if lang not in LANGS:
        raise ValueError(f"no catalogue for language {lang!r}")
    tree_head = TreeHead.of(head)
    given = list(entries)
    times = timing.payment_times(given, grant_id=grant_id, start=start, end=end)
    named = figures.report_indexes(report) | set(times.indexes) | set(times.without_request)
    beyond = sorted(i for i in named if i >= tree_head.tree_size)
    if beyond:
        raise ValueError(
            f"log indexes {beyond[:5]} are beyond the tree head's "
            f"{tree_head.tree_size} entries: the report was not computed at it"
        )
    return build(
        report,
        grant_id=grant_id,
        start=start,
        end=end,
        head=tree_head,
        case_of=figures.case_index(given),
        times=times,
        lang=lang,
    )


def render_pdf(
    report: Mapping[str, Any],
    *,
    grant_id: str,
    start: date | None,
    end: date | None,
    head: Mapping[str, Any],
    entries: Iterable[tuple[int, Mapping[str, Any]]],
    lang: Lang,
) -> bytes:
    """The donor report as PDF bytes.

    report: the JSON of GET /reports/donor (`report_json` of the grant's entries in the period);
    head: the signed tree head {tree_size, root_hash, timestamp, signature, key_id} whose log the
    report was computed from — every index it names must be below head["tree_size"];
    entries: (index, event) of the grant's report entries (those the report was computed from)
    and the `case.submitted` entries of the grant's paid cases (for the time to payment).
    CPU-bound: call it from a worker thread.
    """
    view = report_view(
        report, grant_id=grant_id, start=start, end=end, head=head, entries=entries, lang=lang
    )
    return pdf_of(view)
