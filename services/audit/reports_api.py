"""Audit HTTP route for donors' accounts: a grant's figures from the log alone."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response

from services.audit import repository, views
from services.audit.context import Ctx, Reader
from services.audit.domain import queries, reports
from shared.types import IsoDate

router = APIRouter(tags=["audit"])


@router.get(
    "/reports/donor",
    response_model=None,
    responses={
        200: {
            "content": {
                "application/json": {"schema": {"type": "object"}},
                "text/csv": {"schema": {"type": "string"}},
            }
        }
    },
)
async def donor_report(
    ctx: Ctx,
    _: Reader,
    grant_id: Annotated[str, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")],
    from_: Annotated[IsoDate | None, Query(alias="from")] = None,
    to: Annotated[IsoDate | None, Query()] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",  # the contract's name
) -> dict[str, Any] | Response:
    """Reserved (and released), paid: by month, country and category, from the log alone; every
    figure lists the log indexes it sums."""
    queries.check_period(from_, to)
    async with ctx.db.connection() as conn:
        rows = await repository.grant_entries(
            conn, grant_id=grant_id, event_types=reports.REPORT_TYPES
        )
    report = reports.donor_report(
        ((r["idx"], orjson.loads(r["event"])) for r in rows), start=from_, end=to
    )
    body = views.donor_report(grant_id, from_, to, report)
    if format == "json":
        return body
    return Response(
        views.donor_report_csv(body),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="donor-report-{grant_id}.csv"'},
    )
