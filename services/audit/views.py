"""Read models -> response bodies: log items, export lines, proofs, donor reports."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import asyncpg
import orjson

from services.audit.domain import reports

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
    grant_id: str, start: date | None, end: date | None, report: reports.Report
) -> dict[str, Any]:
    return {
        "grant_id": grant_id,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
    } | reports.report_json(report)


def donor_report_csv(body: dict[str, Any]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(reports.csv_rows(body["rows"]))
    return out.getvalue()
