"""Audit HTTP routes for donors' accounts: the grants a reader may see, and a grant's figures
from the log alone at the latest signed tree head, as JSON, CSV or PDF."""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

import anyio.to_thread
from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.audit import reading, views
from services.audit.context import Ctx, LogReader
from services.audit.domain import donors, queries
from services.audit.report_pdf import Lang, render_pdf
from shared.types import IsoDate

router = APIRouter(tags=["audit"])
GrantId = Annotated[str, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")]
REPORT_MEDIA = {
    "application/json": {"schema": {"type": "object"}},
    "text/csv": {"schema": {"type": "string"}},
    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
}


@router.get("/reports/grants")
async def grants(ctx: Ctx, reader: LogReader) -> dict[str, Any]:
    """The grants the log knows (from their grant.created and grant.adjusted entries): every
    one for auditors and administrators, a donor's own for a donor."""
    async with ctx.db.connection() as conn:
        known = await reading.known_grants(conn)
        scope = await reading.scope_of(conn, reader, cases=False)
    return {"items": views.grants(g for g in known.values() if scope.sees_grant(g.grant_id))}


@router.get("/reports/donor", response_model=None, responses={200: {"content": REPORT_MEDIA}})
async def donor_report(
    ctx: Ctx,
    reader: LogReader,
    grant_id: GrantId,
    from_: Annotated[IsoDate | None, Query(alias="from")] = None,
    to: Annotated[IsoDate | None, Query()] = None,
    format: Annotated[Literal["json", "csv", "pdf"], Query()] = "json",  # the contract's name
    lang: Annotated[Lang, Query(description="the PDF's language")] = "en",
) -> dict[str, Any] | Response:
    """Reserved (and released), paid: by month, country and category, from the log alone, at
    the latest signed tree head; every figure lists the log indexes it sums. A donor sees only
    their own grants' reports (404 for any other)."""
    queries.check_period(from_, to)
    async with ctx.db.connection() as conn:
        scope = await reading.scope_of(conn, reader, cases=False)
        if not scope.sees_grant(grant_id):
            raise donors.unknown_grant()
        inputs = await reading.report_at_head(conn, grant_id=grant_id, start=from_, end=to)
    head = {"Vfund-Tree-Size": str(inputs.head["tree_size"])}
    if format == "pdf":
        pdf = await anyio.to_thread.run_sync(
            partial(
                render_pdf,
                inputs.report,
                grant_id=grant_id,
                start=from_,
                end=to,
                head=inputs.head,
                entries=inputs.entries,
                lang=lang,
            ),
            limiter=ctx.pdf_limiter,
        )
        return Response(
            pdf,
            media_type="application/pdf",
            headers=head
            | {"Content-Disposition": f'attachment; filename="donor-report-{grant_id}-{lang}.pdf"'},
        )
    body = views.donor_report(grant_id, from_, to, inputs)
    if format == "json":
        return Response(views.json_bytes(body), media_type="application/json", headers=head)
    return Response(
        views.donor_report_csv(body),
        media_type="text/csv; charset=utf-8",
        headers=head
        | {"Content-Disposition": f'attachment; filename="donor-report-{grant_id}.csv"'},
    )
