"""Read models -> response bodies: log items, export lines, proofs, donor reports."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

import asyncpg
import orjson

from services.audit.domain import reports


def entry_json(row: asyncpg.Record) -> dict[str, Any]:
    """A /log item: the event as received (parsed), when it was recorded, its leaf hash."""
    return {
        "index": row["idx"],
        "event": orjson.loads(row["event"]),
        "recorded_at": row["recorded_at"].isoformat(),
        "leaf_hash": bytes(row["leaf_hash"]).hex(),
    }


def log_page(rows: list[asyncpg.Record], limit: int) -> dict[str, Any]:
    """A page of `limit` items from `limit + 1` rows; the extra row says there is a next page."""
    page = rows[:limit]
    return {
        "items": [entry_json(r) for r in page],
        "next_cursor": str(page[-1]["idx"]) if len(rows) > limit else None,
    }


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
