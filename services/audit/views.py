"""Read models -> response bodies: log items, export lines, proofs, donor reports."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from typing import Any

import asyncpg
import orjson

from services.audit.domain import donors, reports
from services.audit.reading import ReportInputs
from services.audit.report_pdf import figures, timing

# The /log page as OpenAPI describes it (the route writes its bytes itself, see log_page).
LOG_PAGE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["items", "next_cursor"],
    "properties": {
        "items": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "event", "recorded_at", "leaf_hash"],
                "properties": {
                    "index": {"type": "integer", "minimum": 0},
                    "event": {"type": "object", "description": "the CloudEvent as received"},
                    "recorded_at": {"type": "string", "format": "date-time"},
                    "leaf_hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                },
            },
        },
        "next_cursor": {"type": ["string", "null"]},
    },
}


def entry_item(row: asyncpg.Record) -> dict[str, Any]:
    """A /log item (and export line): the event's bytes as received, when it was recorded, its
    leaf hash. The event is not parsed and written again: it may be nested deeper than a
    serialiser goes. Line breaks become spaces: JSON allows them only between tokens (in a
    string they are escaped), so they change nothing of the event, and an export line stays one
    line."""
    raw: str = row["event"]
    if "\n" in raw or "\r" in raw:
        raw = raw.replace("\n", " ").replace("\r", " ")
    return {
        "index": row["idx"],
        "event": orjson.Fragment(raw),
        "recorded_at": row["recorded_at"].isoformat(),
        "leaf_hash": bytes(row["leaf_hash"]).hex(),
    }


def log_page(rows: list[asyncpg.Record], limit: int) -> bytes:
    """A page of `limit` items from `limit + 1` rows; the extra row says there is a next page."""
    page = rows[:limit]
    body = {
        "items": [entry_item(r) for r in page],
        "next_cursor": str(page[-1]["idx"]) if len(rows) > limit else None,
    }
    return orjson.dumps(body)


def export_line(row: asyncpg.Record) -> bytes:
    """One JSONL line with the /log item's fields."""
    return orjson.dumps(entry_item(row)) + b"\n"


def inclusion_json(index: int, tree_size: int, leaf: bytes, path: list[bytes]) -> dict[str, Any]:
    return {
        "index": index,
        "tree_size": tree_size,
        "leaf_hash": leaf.hex(),
        "audit_path": [h.hex() for h in path],
    }


def consistency_json(first: int, second: int, path: list[bytes]) -> dict[str, Any]:
    return {"first": first, "second": second, "consistency_path": [h.hex() for h in path]}


def donor_report(
    grant_id: str, start: date | None, end: date | None, inputs: ReportInputs
) -> dict[str, Any]:
    """The report's figures, the cases behind them (masked below five), the time from request
    to payment, and the signed tree head they were computed at."""
    report = inputs.report
    case_of = figures.case_index(inputs.entries)
    times = timing.payment_times(inputs.entries, grant_id=grant_id, start=start, end=end)
    counted = {
        name: [row | {"cases": _count(_cases(row, case_of))} for row in report[name]]
        for name in ("by_country", "by_category", "by_month")
    }
    totals = [
        row
        | {
            "cases": _count(
                figures.total_count(
                    figures.cases_behind(row, case_of),
                    [
                        figures.cases_behind(c, case_of)
                        for c in report["by_country"]
                        if c["currency"] == row["currency"]
                    ],
                )
            )
        }
        for row in report["totals"]
    ]
    return (
        {
            "grant_id": grant_id,
            "from": start.isoformat() if start else None,
            "to": end.isoformat() if end else None,
        }
        | report
        | counted
        | {"totals": totals, "time_to_payment": _timing(times), "tree_head": dict(inputs.head)}
    )


def _cases(row: dict[str, Any], case_of: dict[int, str]) -> figures.Count:
    return figures.count(figures.cases_behind(row, case_of))


def _count(count: figures.Count) -> dict[str, int | None]:
    """A number of cases as a report may show it: exact, or only below / at least five."""
    if count.exact:
        return {"count": count.cases}
    if count.cases < figures.MIN_COUNT:
        return {"count": None, "below": figures.MIN_COUNT}
    return {"count": None, "at_least": figures.MIN_COUNT}


def _timing(times: timing.PaymentTimes) -> dict[str, Any]:
    enough = times.cases >= figures.MIN_COUNT
    return {
        "cases": _count(figures.total_count(times.cases, [b.cases for b in times.buckets])),
        "p50_days": times.percentile(50) if enough else None,
        "p90_days": times.percentile(90) if enough else None,
        "buckets": [
            {
                "from_days": b.low,
                "to_days": b.high,
                "cases": _count(figures.count(b.cases)),
                "indexes": list(b.indexes),
            }
            for b in times.buckets
        ],
        "without_request": list(times.without_request),
        "unreadable": list(times.unreadable),
    }


def grants(found: Iterable[donors.Grant]) -> list[dict[str, Any]]:
    return [
        {"grant_id": g.grant_id, "donor": g.donor, "name": g.name, "currency": g.currency}
        for g in sorted(found, key=lambda g: g.index)
    ]


def json_bytes(body: dict[str, Any]) -> bytes:
    return orjson.dumps(body)


def donor_report_csv(body: dict[str, Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(reports.csv_rows(body["rows"]))
    return out.getvalue()
