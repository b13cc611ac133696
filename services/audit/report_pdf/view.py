"""The donor report as the PDF shows it, in one language: tables, charts and the annex. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.audit.report_pdf.i18n import RIGHT_TO_LEFT, Lang
from services.audit.report_pdf.sections import (
    GROUPS,
    Section,
    group_section,
    indexes_text,
    timing_section,
    timing_summary,
    totals_section,
)
from services.audit.report_pdf.timing import PaymentTimes
from services.audit.report_pdf.words import Words
from shared import charts


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    root_hash: str
    timestamp: str
    signature: str
    key_id: str

    @classmethod
    def of(cls, head: Mapping[str, Any]) -> TreeHead:
        return cls(
            int(head["tree_size"]),
            str(head["root_hash"]),
            str(head["timestamp"]),
            str(head["signature"]),
            str(head["key_id"]),
        )


@dataclass(frozen=True)
class View:
    lang: Lang
    dir: str
    grant_id: str
    period: str
    head: tuple[tuple[str, str], ...]
    tree_size: int
    sections: tuple[Section, ...]
    timing: tuple[tuple[str, str], ...]
    unreadable: str | None
    without_request: str | None
    chart_css: str


def _period(start: date | None, end: date | None, w: Words) -> str:
    _ = w._
    if start and end:
        return _("From %(start)s to %(end)s") % {"start": w.fmt.day(start), "end": w.fmt.day(end)}
    if start:
        return _("From %(start)s") % {"start": w.fmt.day(start)}
    if end:
        return _("Up to %(end)s") % {"end": w.fmt.day(end)}
    return _("Every entry of the grant up to the tree head")


def build(
    report: Mapping[str, Any],
    *,
    grant_id: str,
    start: date | None,
    end: date | None,
    head: TreeHead,
    case_of: Mapping[int, str],
    times: PaymentTimes,
    lang: Lang,
) -> View:
    w, rtl = Words(lang), lang in RIGHT_TO_LEFT
    _ = w._
    sections = (
        totals_section(report, case_of, w),
        *(group_section(name, report, case_of, w, rtl) for name in GROUPS),
        timing_section(times, w, rtl),
    )
    unreadable = sorted({*report.get("unreadable_indexes", []), *times.unreadable})
    return View(
        lang=lang,
        dir="rtl" if rtl else "ltr",
        grant_id=grant_id,
        period=_period(start, end, w),
        head=(
            (_("Tree size"), str(head.tree_size)),
            (_("Root hash"), head.root_hash),
            (_("Signed at"), head.timestamp),
            (_("Signature"), head.signature),
            (_("Key id"), head.key_id),
        ),
        tree_size=head.tree_size,
        sections=sections,
        timing=timing_summary(times, w),
        unreadable=indexes_text(unreadable) if unreadable else None,
        without_request=indexes_text(times.without_request) if times.without_request else None,
        chart_css=charts.CHART_CSS,
    )
