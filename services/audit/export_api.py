"""Audit HTTP routes for bulk reading: the streamed JSONL export and donor reports."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

import asyncpg
import orjson
from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse

from services.audit import reports, repository
from services.audit.api import Reader, out_of_range
from shared.db import Db
from shared.deps import DbDep
from shared.types import IsoDate

router = APIRouter(tags=["audit"])
EXPORT_CHUNK = 2000
Index = Annotated[int, Query(ge=0, le=2**62)]


def export_line(row: asyncpg.Record) -> bytes:
    """One JSONL line with the /log item's fields; the event's bytes as received when they hold
    no line break (JSON allows one only between tokens), else re-serialised to one line."""
    raw: str = row["event"]
    event = orjson.loads(raw) if "\n" in raw or "\r" in raw else orjson.Fragment(raw)
    item = {
        "index": row["idx"],
        "event": event,
        "recorded_at": row["recorded_at"].isoformat(),
        "leaf_hash": bytes(row["leaf_hash"]).hex(),
    }
    return orjson.dumps(item) + b"\n"


async def _lines(db: Db, first: int, last: int) -> AsyncIterator[bytes]:
    for start in range(first, last + 1, EXPORT_CHUNK):
        async with db.connection() as conn:
            rows = await repository.entries_between(
                conn, first=start, last=min(start + EXPORT_CHUNK - 1, last)
            )
        yield b"".join(export_line(r) for r in rows)


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}},
)
async def export(
    db: DbDep,
    _: Reader,
    from_index: Index = 0,
    to_index: Annotated[
        int | None, Query(ge=0, le=2**62, description="inclusive; default: the newest entry")
    ] = None,
) -> StreamingResponse:
    """Entries from_index..to_index (both included) as JSONL, streamed; the end is fixed when the
    request arrives, so a growing log still exports one consistent prefix."""
    async with db.connection() as conn:
        size = await repository.log_size(conn)
    last = size - 1 if to_index is None else to_index
    if last >= size:
        raise out_of_range("to_index", f"to_index {last} is beyond the log's last index {size - 1}")
    if from_index > last and not (to_index is None and from_index == size):
        raise out_of_range("from_index", f"from_index {from_index} is after to_index {last}")
    return StreamingResponse(
        _lines(db, from_index, last),
        media_type="application/x-ndjson",
        headers={
            "Content-Disposition": f'attachment; filename="audit-{from_index}-{last}.jsonl"',
            "Cache-Control": "no-store",
        },
    )


@router.get(
    "/reports/donor",
    response_model=None,
    responses={200: {"content": {"application/json": {"schema": {"type": "object"}},
                                 "text/csv": {"schema": {"type": "string"}}}}},
)
async def donor_report(
    db: DbDep,
    _: Reader,
    grant_id: Annotated[str, Query(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")],
    from_: Annotated[IsoDate | None, Query(alias="from")] = None,
    to: Annotated[IsoDate | None, Query()] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",  # the contract's name
) -> dict[str, Any] | Response:
    """Reserved (and released), paid: by month, country and category, from the log alone; every
    figure lists the log indexes it sums."""
    if from_ is not None and to is not None and from_ > to:
        raise out_of_range("from", f"from {from_} is after to {to}")
    async with db.connection() as conn:
        rows = await repository.grant_entries(
            conn, grant_id=grant_id, event_types=reports.REPORT_TYPES
        )
    report = reports.donor_report(
        ((r["idx"], orjson.loads(r["event"])) for r in rows), start=from_, end=to
    )
    body = {
        "grant_id": grant_id,
        "from": from_.isoformat() if from_ else None,
        "to": to.isoformat() if to else None,
    } | reports.report_json(report)
    if format == "json":
        return body
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(reports.csv_rows(body["rows"]))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="donor-report-{grant_id}.csv"'},
    )
