"""Intake applies other services' events to a case in one statement, on real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from support import scratch_database

from dev.provision import migrate_service
from dev.stack import Stack
from services.intake.domain import status as domain
from services.intake.repository import cases as repo
from shared.db import Db
from shared.events import subjects

AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@pytest.fixture
async def db(stack: Stack) -> AsyncIterator[Db]:
    async with scratch_database(stack, "intake_track") as dsn:
        await migrate_service("intake", dsn)
        db = await Db.connect(dsn, min_size=2, max_size=20)
        try:
            yield db
        finally:
            await db.close()


async def _case(db: Db, status: str = domain.SUBMITTED) -> str:
    case_id = str(uuid.uuid4())
    async with db.connection() as conn:
        await conn.execute(
            "INSERT INTO cases (case_id, reference, org_id, country, urgency, status,"
            " needs_medical, needs_legal, submitted_by, submitted_at, updated_at, correlation_id)"
            " VALUES ($1, $2, 'org-a', 'CH', 'standard', $3, true, false, 'cw', $4, $4, 'c')",
            case_id, f"REF-{case_id[:8]}", status, AT)  # fmt: skip
    return case_id


async def _record(db: Db, case_id: str, subject: str, event_id: str) -> tuple[bool, bool]:
    async with db.connection() as conn:
        return await repo.record_event(
            conn, case_id=case_id, consumer="intake", event_id=event_id, at=AT,
            kind=subject.removeprefix("vfund."), actor="svc", detail={"n": event_id},
            moves=domain.moves_on(subject))  # fmt: skip


async def _state(db: Db, case_id: str) -> tuple[str, int, int]:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT status, version, (SELECT count(*) FROM case_history h"
            " WHERE h.case_id = c.case_id) AS history FROM cases c WHERE case_id = $1",
            case_id,
        )
    assert row is not None
    return row["status"], row["version"], row["history"]


async def test_concurrent_events_of_one_case_all_apply_and_the_status_only_moves_forward(
    db: Db,
) -> None:
    """Each UPDATE computes the status from the row as it is once its lock is granted: events
    applied at the same moment neither lose a version bump nor step the status back."""
    case_id = await _case(db)
    order = [
        subjects.MEDICAL_COMPLETED,
        subjects.CASE_APPROVED,
        subjects.BUDGET_RESERVED,
        subjects.PAYMENT_SCHEDULED,
        subjects.PAYMENT_SENT,
    ] * 4
    results = await asyncio.gather(
        *(_record(db, case_id, subject, f"e-{n}") for n, subject in enumerate(order))
    )
    assert results == [(True, True)] * len(order)
    assert await _state(db, case_id) == (domain.PAID, 1 + len(order), len(order))


async def test_an_event_seen_before_or_for_an_unknown_case_writes_nothing(db: Db) -> None:
    case_id = await _case(db)
    assert await _record(db, case_id, subjects.CASE_APPROVED, "once") == (True, True)
    assert await _record(db, case_id, subjects.PAYMENT_SENT, "once") == (True, False)
    assert await _state(db, case_id) == (domain.APPROVED, 2, 1)

    unknown = str(uuid.uuid4())
    assert await _record(db, unknown, subjects.CASE_APPROVED, "early") == (False, False)
    async with db.connection() as conn:
        assert await conn.fetchval("SELECT count(*) FROM inbox WHERE event_id = 'early'") == 0
        assert (
            await conn.fetchval("SELECT count(*) FROM case_history WHERE case_id = $1", unknown)
            == 0
        )


async def test_a_final_status_stays_and_the_timeline_still_grows(db: Db) -> None:
    case_id = await _case(db, status=domain.WITHDRAWN)
    assert await _record(db, case_id, subjects.CASE_APPROVED, "late") == (True, True)
    assert await _state(db, case_id) == (domain.WITHDRAWN, 2, 1)
