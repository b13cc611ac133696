"""/reports/donor: a grant's figures from the audit log at its latest signed tree head, as
tables and charts, with the CSV and the PDF to download in the page's language.

Who may come: auditors and administrators (every grant), a donor (their own grants: the audit
service decides which). What it asks: the audit service's /reports/grants and /reports/donor;
the figures, the masked counts and the time to payment are the service's, shown as they are."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from services.web.access import PageNotFound, User, role_required
from services.web.clients.base import ServiceRefusal
from services.web.context import Ctx
from services.web.forms import FormErrors
from services.web.i18n import LANGUAGES, Translator
from services.web.messages import register
from services.web.pages import page_router
from shared.charts import BarChart, Row, Value, render


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    return message


router = page_router()
Reader = Annotated[User, role_required("auditor", "donor", "admin")]
Day = Annotated[str, Query(max_length=20)]
Grant = Annotated[str, Query(max_length=100)]
GrantId = Annotated[str, Query(max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")]
DOWNLOAD = "/reports/donor/download?"
# The audit service renders one PDF at a time: a download may wait for others before its own.
RENDER_SECONDS = 120.0
FORMATS = {"csv": "text/csv; charset=utf-8", "pdf": "application/pdf"}
CATEGORIES = {
    "medical": N_("Medical"),
    "psychological": N_("Psychological"),
    "social": N_("Social"),
    "legal": N_("Legal"),
    "relocation": N_("Relocation"),
    "unallocated": N_("Not allocated to a category"),
}
register(
    {
        "out-of-range": N_("This is outside the log's days, or after the end of the period."),
        "no-such-grant": N_("This grant was not found, or is not yours to see."),
    }
)


def shown(t: Translator, cases: dict[str, Any]) -> str:
    """A count as the service gave it: exact, or only below / at least five."""
    if cases.get("count") is not None:
        return t.number(cases["count"])
    if "below" in cases:
        return f"< {t.number(cases['below'])}"
    return f"≥ {t.number(cases['at_least'])}"


def category(t: Translator, name: str) -> str:
    known = CATEGORIES.get(name)
    return t.gettext(known) if known else name


def _count_value(t: Translator, cases: dict[str, Any]) -> Value:
    if cases.get("count") is not None:
        return Value(int(cases["count"]))
    if "below" in cases:
        return Value(int(cases["below"]), text=shown(t, cases), bound=True)
    return Value(int(cases["at_least"]), text=shown(t, cases))


def _money_chart(
    t: Translator, key: str, title: str, header: str, rows: list[tuple[str, dict[str, Any]]]
) -> Markup:
    chart = BarChart(
        key=key,
        title=title,
        description=t.gettext("Net reserved and paid, by the rows of the table above."),
        label_header=header,
        series=(t.gettext("Net reserved"), t.gettext("Paid")),
        rows=tuple(
            Row(
                label,
                (
                    Value(
                        max(Decimal(r["net_reserved"]), Decimal(0)),
                        text=t.money(r["net_reserved"], r["currency"]),
                    ),
                    Value(
                        Decimal(r["paid"]["amount"]),
                        text=t.money(r["paid"]["amount"], r["currency"]),
                    ),
                ),
            )
            for label, r in rows
        ),
    )
    return _html(t, chart)


def _html(t: Translator, chart: BarChart) -> Markup:
    """The chart's markup: shared.charts escapes every label and value it writes."""
    html = render(chart, fmt=t.number, rtl=t.direction == "rtl", table_hidden=True)
    return Markup(html)  # noqa: S704


def charts(t: Translator, report: dict[str, Any]) -> dict[str, Markup]:
    """The report's charts (shared.charts: SVG bars, HTML labels, a table for screen readers)."""
    return {
        "by_country": _money_chart(
            t,
            "chart-country",
            t.gettext("By country"),
            t.gettext("Country"),
            [(t.country(r["country"]), r) for r in report["by_country"]],
        ),
        "by_category": _money_chart(
            t,
            "chart-category",
            t.gettext("By category"),
            t.gettext("Category"),
            [(category(t, r["category"]), r) for r in report["by_category"]],
        ),
        "by_month": _money_chart(
            t,
            "chart-month",
            t.gettext("By month"),
            t.gettext("Month"),
            [(r["month"], r) for r in report["by_month"]],
        ),
        "time_to_payment": _timing_chart(t, report["time_to_payment"]),
    }


def _timing_chart(t: Translator, timing: dict[str, Any]) -> Markup:
    chart = BarChart(
        key="chart-timing",
        title=t.gettext("Time from request to payment"),
        description=t.gettext("Cases paid, by days from the request to the payment."),
        label_header=t.gettext("Days"),
        series=(t.gettext("Cases"),),
        rows=tuple(Row(_days(t, b), (_count_value(t, b["cases"]),)) for b in timing["buckets"]),
    )
    return _html(t, chart)


def _days(t: Translator, bucket: dict[str, Any]) -> str:
    low, high = bucket["from_days"], bucket["to_days"]
    if high is None:
        return f"≥ {t.number(low)}"
    return f"{t.number(low)}\u2013{t.number(high)}"


def _query(grant_id: str, start: str, end: str, **more: str) -> str:
    params = {"grant_id": grant_id, "from": start, "to": end, **more}
    return urlencode({k: v for k, v in params.items() if v})


@router.get("/reports/donor")
async def donor_report(
    request: Request,
    ctx: Ctx,
    user: Reader,
    grant_id: Grant = "",
    start: Annotated[str, Query(alias="from", max_length=20)] = "",
    end: Annotated[str, Query(alias="to", max_length=20)] = "",
) -> Response:
    t: Translator = request.state.visitor.t
    audit = ctx.clients.audit
    grants = (await audit.get("/reports/grants", user.claims))["items"]
    report: dict[str, Any] | None = None
    errors = FormErrors()
    no_head = False
    if grant_id:
        if grant_id not in {g["grant_id"] for g in grants}:
            raise PageNotFound
        params = {"grant_id": grant_id, "from": start, "to": end}
        try:
            report = (await audit.call("GET", "/reports/donor", user.claims, params=params)).body
        except ServiceRefusal as exc:
            if exc.status == 404 and exc.code == "no-tree-head":
                no_head = True
            elif exc.status == 404:
                raise PageNotFound from exc
            elif exc.status == 422:
                errors = FormErrors.of_refusal(t, exc)
            else:
                raise
    return ctx.renderer.page(
        request,
        "reports/donor.html",
        grants=grants,
        grant_options=[(g["grant_id"], f"{g['name']} · {g['donor']}") for g in grants],
        grant_id=grant_id,
        form={"from": start, "to": end},
        errors=errors,
        report=report,
        no_head=no_head,
        charts=charts(t, report) if report else {},
        shown=lambda cases: shown(t, cases),
        days=lambda bucket: _days(t, bucket),
        category=lambda name: category(t, name),
        downloads={
            "csv": DOWNLOAD + _query(grant_id, start, end, format="csv"),
            "pdf": DOWNLOAD + _query(grant_id, start, end, format="pdf", lang=t.code),
        },
    )


@router.get("/reports/donor/download")
async def download(
    request: Request,
    ctx: Ctx,
    user: Reader,
    grant_id: GrantId,
    format: Annotated[str, Query(pattern="^(csv|pdf)$")],  # the audit service's name
    start: Annotated[str, Query(alias="from", max_length=20)] = "",
    end: Annotated[str, Query(alias="to", max_length=20)] = "",
    lang: Annotated[str, Query(max_length=2)] = "",
) -> Response:
    """The CSV, or the PDF in the page's language (the visitor's when not given), as the audit
    service made it."""
    t: Translator = request.state.visitor.t
    language = lang if lang in LANGUAGES else t.code
    params = {"grant_id": grant_id, "from": start, "to": end, "format": format}
    if format == "pdf":
        params["lang"] = language
    try:
        reply = await ctx.clients.audit.call(
            "GET", "/reports/donor", user.claims, params=params, read_seconds=RENDER_SECONDS
        )
    except ServiceRefusal as exc:
        if exc.status in (404, 422):
            raise PageNotFound from exc
        raise
    suffix = f"-{language}" if format == "pdf" else ""
    name = f"donor-report-{grant_id}{suffix}.{format}"
    return Response(
        reply.body,
        media_type=FORMATS[format],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
