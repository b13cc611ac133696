"""The reads behind the readers' routes: what a caller may see (domain/donors.py decides, from
the log itself), and a grant's report inputs at a signed tree head."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson

from services.audit import repository
from services.audit.domain import donors, queries, reports
from services.audit.domain.heads import TreeHead
from services.audit.domain.reports import PAID
from shared.auth import Principal
from shared.db import Connection

Entry = tuple[int, dict[str, Any]]
FULL_READERS = ("auditor", "admin")


def _entries(rows: Iterable[Any]) -> list[Entry]:
    return [(r["idx"], orjson.loads(r["event"])) for r in rows]


async def known_grants(conn: Connection) -> dict[str, donors.Grant]:
    rows = await repository.grant_events(conn, event_types=donors.GRANT_TYPES)
    return donors.grants_of((r["idx"], r["nats_subject"], orjson.loads(r["event"])) for r in rows)


async def scope_of(conn: Connection, reader: Principal, *, cases: bool = True) -> donors.Scope:
    """Everything for auditors and administrators; for a donor, their grants (and, with
    `cases`, the cases those grants paid)."""
    if reader.has(*FULL_READERS) or reader.donor is None:
        return donors.EVERYTHING
    grants = donors.donor_grants(await known_grants(conn), reader.donor)
    paid: frozenset[str] = frozenset()
    if cases and grants:
        rows = await repository.grant_entries(
            conn, grant_ids=sorted(grants), event_types=[PAID], below=None
        )
        paid = donors.paid_cases(_entries(rows))
    return donors.Scope(reader.donor, grants, paid)


async def check_entry(conn: Connection, scope: donors.Scope, index: int) -> None:
    """404 for an entry the scope does not see (or that does not exist, for a donor)."""
    if scope.everything:
        return
    row = await repository.entry_keys(conn, index)
    if row is None or not scope.sees_entry(
        event_type=row["event_type"], grant_id=row["grant_id"], subject=row["subject"]
    ):
        raise donors.unknown_entry()


@dataclass(frozen=True)
class ReportInputs:
    """A grant's report computed at a signed head: the head, the entries (the grant's report
    entries below it and the submissions of the cases it paid) and the report's JSON."""

    head: TreeHead
    entries: list[Entry]
    report: dict[str, Any]


async def report_at_head(
    conn: Connection, *, grant_id: str, start: date | None, end: date | None
) -> ReportInputs:
    head = await repository.latest_head(conn)
    if head is None:
        raise queries.no_tree_head()
    size = head["tree_size"]
    rows = await repository.grant_entries(
        conn, grant_ids=[grant_id], event_types=reports.REPORT_TYPES, below=size
    )
    grant_entries = _entries(rows)
    countable = [(i, e) for i, e in grant_entries if donors.has_case(e)]
    paid = sorted(donors.paid_cases(countable))
    submitted = _entries(
        await repository.case_entries(conn, case_ids=paid, event_type=donors.SUBMITTED, below=size)
    )
    report = reports.donor_report(countable, start=start, end=end)
    report.unreadable.extend(i for i, e in grant_entries if not donors.has_case(e))
    report.unreadable.sort()
    return ReportInputs(head, countable + submitted, reports.report_json(report))
