"""All the assessment service's SQL: case files and their index columns, the assessments with
their notes, FX rates, the queues and the deadline checker's scan. The case file's JSON form is
in `state`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

import asyncpg

from services.assessment import domain
from services.assessment.domain.codes import QueueKind, Urgency
from services.assessment.domain.model import Assessment, CaseFile, FxRate, Policy
from services.assessment.repository.state import case_from_json, case_to_json, item_lines
from shared.db import Connection


@dataclass(frozen=True, slots=True)
class StoredCase:
    case: CaseFile
    reference: str
    correlation_id: str
    possible_duplicate: bool


def _stored(row: asyncpg.Record) -> StoredCase:
    return StoredCase(
        case=case_from_json(row["state"]),
        reference=row["reference"],
        correlation_id=row["correlation_id"],
        possible_duplicate=row["possible_duplicate"],
    )


def _index(case: CaseFile, now: datetime, policy: Policy) -> tuple[list[str], datetime | None]:
    kinds = sorted(domain.queue_kinds(case))
    due = None
    for kind in kinds:
        entry = domain.queue_entry(case, kind, now=now, policy=policy)
        if entry is not None:
            due = entry.due_at
    return [k.value for k in kinds], due


async def insert_case(
    tx: Connection,
    *,
    case: CaseFile,
    reference: str,
    correlation_id: str,
    now: datetime,
    policy: Policy,
) -> bool:
    """A new case file; False when it is already known (a second `case.submitted`)."""
    kinds, due = _index(case, now, policy)
    inserted = await tx.fetchval(
        "INSERT INTO case_files (case_id, reference, org_id, country, urgency, urgency_rank,"
        " status, queue_kinds, queue_due_at, next_check_at, submitted_at, correlation_id,"
        " version, state) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        " ON CONFLICT (case_id) DO NOTHING RETURNING true",
        case.case_id,
        reference,
        case.org_id,
        case.country,
        case.urgency.value,
        0 if case.urgency == Urgency.EMERGENCY else 1,
        case.status.value,
        kinds,
        due,
        domain.next_check_at(case, now=now, policy=policy),
        case.submitted_at,
        correlation_id,
        case.version,
        case_to_json(case),
    )
    return bool(inserted)


async def lock_case(tx: Connection, *, case_id: str) -> StoredCase | None:
    row = await tx.fetchrow(
        "SELECT state, reference, correlation_id, possible_duplicate FROM case_files"
        " WHERE case_id = $1 FOR UPDATE",
        case_id,
    )
    return None if row is None else _stored(row)


async def get_case(conn: Connection, *, case_id: str) -> StoredCase | None:
    row = await conn.fetchrow(
        "SELECT state, reference, correlation_id, possible_duplicate FROM case_files"
        " WHERE case_id = $1",
        case_id,
    )
    return None if row is None else _stored(row)


async def save_case(
    tx: Connection, *, case: CaseFile, previous_version: int, now: datetime, policy: Policy
) -> None:
    """Write the next state; the version guard makes a lost update impossible, not just unlikely."""
    kinds, due = _index(case, now, policy)
    updated = await tx.execute(
        "UPDATE case_files SET status = $2, queue_kinds = $3, queue_due_at = $4,"
        " next_check_at = $5, version = $6, state = $7, updated_at = now()"
        " WHERE case_id = $1 AND version = $8",
        case.case_id,
        case.status.value,
        kinds,
        due,
        domain.next_check_at(case, now=now, policy=policy),
        case.version,
        case_to_json(case),
        previous_version,
    )
    if updated != "UPDATE 1":
        raise RuntimeError("case file changed concurrently")


async def set_possible_duplicate(tx: Connection, *, case_id: str, value: bool) -> bool:
    status = await tx.execute(
        "UPDATE case_files SET possible_duplicate = $2 WHERE case_id = $1", case_id, value
    )
    return bool(status == "UPDATE 1")


async def add_assessment(
    tx: Connection,
    *,
    case_id: str,
    assessment: Assessment,
    notes: str,
    exceeding_reason: str | None,
    case_version: int,
) -> None:
    await tx.execute(
        "INSERT INTO assessments (case_id, kind, assessor, recommendation, recommended_items,"
        " notes, exceeding_reason, case_version, recorded_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        case_id,
        assessment.kind.value,
        assessment.assessor,
        assessment.recommendation.value,
        item_lines(assessment.amounts),
        notes,
        exceeding_reason,
        case_version,
        assessment.recorded_at,
    )


@dataclass(frozen=True, slots=True)
class RecordedAssessment:
    """One row of the assessments' history, notes included (shown to assessors and managers)."""

    kind: str
    assessor: str
    recommendation: str
    recommended_items: list[dict[str, str]]
    notes: str
    exceeding_reason: str | None
    recorded_at: datetime


async def assessments_of(conn: Connection, *, case_id: str) -> list[RecordedAssessment]:
    rows = await conn.fetch(
        "SELECT kind, assessor, recommendation, recommended_items, notes, exceeding_reason,"
        " recorded_at FROM assessments WHERE case_id = $1 ORDER BY assessment_id",
        case_id,
    )
    return [RecordedAssessment(**dict(r)) for r in rows]


async def record_fx_rate(
    tx: Connection, *, base: str, quote: str, rate: Decimal, as_of: date
) -> None:
    await tx.execute(
        "INSERT INTO fx_rates (base, quote, as_of, rate) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (base, quote, as_of) DO UPDATE SET rate = excluded.rate",
        base,
        quote,
        as_of,
        rate,
    )


async def chf_rates(conn: Connection, *, today: date) -> dict[str, FxRate]:
    """CHF per unit of each currency: a direct X→CHF rate first, else CHF→X inverted."""
    rows = await conn.fetch(
        "SELECT DISTINCT ON (base, quote) base, quote, rate, as_of FROM fx_rates"
        " WHERE (base = 'CHF') <> (quote = 'CHF') AND as_of <= $1"
        " ORDER BY base, quote, as_of DESC",
        today,
    )
    direct: dict[str, FxRate] = {}
    inverted: dict[str, FxRate] = {}
    for r in rows:
        if r["quote"] == "CHF":
            direct[r["base"]] = FxRate(Decimal(r["rate"]), r["as_of"])
        else:
            inverted[r["quote"]] = FxRate(Decimal(1) / Decimal(r["rate"]), r["as_of"])
    return inverted | direct


@dataclass(frozen=True, slots=True)
class QueueRow:
    stored: StoredCase
    rank: int
    due_at: datetime


async def queue_page(
    conn: Connection,
    *,
    kind: QueueKind,
    limit: int,
    after: tuple[int, datetime, str] | None,
    urgency: str | None = None,
    country: str | None = None,
) -> list[QueueRow]:
    """One page of a work queue in (urgency, due, case id) order, by keyset after `after`."""
    args: list[object] = [kind.value, limit]
    where = ["$1 = ANY (queue_kinds)"]
    if after is not None:
        args.extend(after)
        where.append("(urgency_rank, queue_due_at, case_id) > ($3, $4, $5)")
    for column, value in (("urgency", urgency), ("country", country)):
        if value is not None:
            args.append(value)
            where.append(f"{column} = ${len(args)}")
    rows = await conn.fetch(
        "SELECT state, reference, correlation_id, possible_duplicate, urgency_rank, queue_due_at"
        f" FROM case_files WHERE {' AND '.join(where)}"
        " ORDER BY urgency_rank, queue_due_at, case_id LIMIT $2",
        *args,
    )
    return [QueueRow(_stored(r), r["urgency_rank"], r["queue_due_at"]) for r in rows]


async def due_case_ids(tx: Connection, *, now: datetime, limit: int) -> Sequence[str]:
    """Cases whose next deadline has passed, locked; other replicas skip them (SKIP LOCKED)."""
    rows = await tx.fetch(
        "SELECT case_id FROM case_files WHERE next_check_at < $1"
        " ORDER BY next_check_at LIMIT $2 FOR UPDATE SKIP LOCKED",
        now,
        limit,
    )
    return [r["case_id"] for r in rows]
