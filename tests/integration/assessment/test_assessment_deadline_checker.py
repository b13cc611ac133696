"""The deadline checker against real PostgreSQL, its clock injected: each miss reported once."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from support import scratch_database

from dev.provision import migrate_service
from dev.stack import Stack
from services.assessment import domain, repository
from services.assessment.commands import check_due
from services.assessment.domain.codes import (
    Category,
    Decision,
    Urgency,
)
from services.assessment.domain.model import (
    CaseFile,
    Policy,
    RequestedItem,
)
from shared.db import Db
from shared.money import Money

T0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
POLICY = Policy()


@pytest.fixture
async def db(stack: Stack) -> AsyncIterator[Db]:
    """A migrated assessment database of its own, so the clock moves for these cases only."""
    async with scratch_database(stack, "assessment_deadlines") as dsn:
        await migrate_service("assessment", dsn)
        pool = await Db.connect(dsn)
        try:
            yield pool
        finally:
            await pool.close()


def _case(category: str, urgency: str) -> CaseFile:
    return domain.open_case(
        case_id=str(uuid.uuid4()),
        org_id="org-a",
        country="UA",
        urgency=Urgency(urgency),
        items=[RequestedItem("item-1", Category(category), Money.parse("1000.00", "CHF"))],
        submitted_at=T0,
    ).case


async def _store(db: Db, case: CaseFile) -> None:
    async with db.transaction() as tx:
        await repository.insert_case(
            tx, case=case, reference="VF-TEST", correlation_id="c-1", now=T0, policy=POLICY
        )


async def _replace(db: Db, old: CaseFile, new: CaseFile, now: datetime) -> None:
    async with db.transaction() as tx:
        await repository.save_case(
            tx, case=new, previous_version=old.version, now=now, policy=POLICY
        )


async def _reported(db: Db, case_id: str) -> list[str]:
    async with db.connection() as conn:
        rows = await conn.fetch("SELECT payload FROM outbox ORDER BY seq")
    events = [orjson.loads(bytes(r["payload"])) for r in rows]
    return [
        f"{e['type'].split('.')[-2]}:{e['data'].get('stage', '')}"
        for e in events
        if e["subject"] == case_id
    ]


async def test_each_stage_is_reported_once_as_the_clock_moves(db: Db) -> None:
    case = _case("medical", "emergency")
    await _store(db, case)
    assert await check_due(db, now=T0 + timedelta(hours=23), policy=POLICY) == 0
    assert await check_due(db, now=T0 + timedelta(hours=25), policy=POLICY) == 1
    assert await check_due(db, now=T0 + timedelta(hours=26), policy=POLICY) == 0
    assert await _reported(db, case.case_id) == ["deadline_missed:assessment"]
    assert await check_due(db, now=T0 + timedelta(hours=49), policy=POLICY) == 1
    assert await check_due(db, now=T0 + timedelta(days=90), policy=POLICY) == 0
    assert await _reported(db, case.case_id) == [
        "deadline_missed:assessment",
        "deadline_missed:decision",
    ]
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT next_check_at, state FROM case_files WHERE case_id = $1", case.case_id
        )
    assert row["next_check_at"] is None
    assert sorted(row["state"]["deadlines_missed"]) == ["assessment", "decision"]


async def test_waiting_for_information_stops_the_clock(db: Db) -> None:
    case = _case("medical", "emergency")
    await _store(db, case)
    asked_at = T0 + timedelta(hours=10)
    asked = domain.request_information(
        case,
        assessor="medical-1",
        roles=["medical_assessor"],
        category_code="medical_report",
        now=asked_at,
    ).case
    await _replace(db, case, asked, asked_at)
    # Thirty hours after submission, twenty of them waiting: not late.
    await check_due(db, now=T0 + timedelta(hours=30), policy=POLICY)
    assert await _reported(db, case.case_id) == []
    answered_at = T0 + timedelta(hours=40)
    answered = domain.information_provided(
        asked, request_id=asked.information_requests[0].request_id, now=answered_at
    ).case
    await _replace(db, asked, answered, answered_at)
    await check_due(db, now=T0 + timedelta(hours=53), policy=POLICY)
    assert await _reported(db, case.case_id) == []
    await check_due(db, now=T0 + timedelta(hours=55), policy=POLICY)
    assert await _reported(db, case.case_id) == ["deadline_missed:assessment"]


async def test_a_missed_ratification_is_reported_once(db: Db) -> None:
    case = _case("social", "emergency")
    await _store(db, case)
    approved = domain.decide(
        case,
        manager="manager-1",
        roles=["fund_manager"],
        decision=Decision.APPROVE,
        approved_items={"item-1": Money.parse("1000.00", "CHF")},
        now=T0,
        fx={},
        policy=POLICY,
    ).case
    await _replace(db, case, approved, T0)
    await check_due(db, now=T0 + timedelta(days=6), policy=POLICY)
    assert await _reported(db, case.case_id) == []
    await check_due(db, now=T0 + timedelta(days=8), policy=POLICY)
    await check_due(db, now=T0 + timedelta(days=9), policy=POLICY)
    assert await _reported(db, case.case_id) == ["ratification_missed:"]
    async with db.connection() as conn:
        kinds = await conn.fetchval(
            "SELECT queue_kinds FROM case_files WHERE case_id = $1", case.case_id
        )
    assert kinds == ["decision"]
