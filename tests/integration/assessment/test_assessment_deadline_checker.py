"""The deadline checker against real PostgreSQL, its clock injected: each miss reported once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

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


async def _events(db: Db, case_id: str) -> list[dict[str, Any]]:
    async with db.connection() as conn:
        rows = await conn.fetch("SELECT payload FROM outbox ORDER BY seq")
    events = [orjson.loads(bytes(r["payload"])) for r in rows]
    return [e for e in events if e["subject"] == case_id]


async def _reported(db: Db, case_id: str) -> list[str]:
    return [
        f"{e['type'].split('.')[-2]}:{e['data'].get('stage', '')}"
        for e in await _events(db, case_id)
    ]


async def test_each_stage_is_reported_once_as_the_clock_moves(db: Db) -> None:
    case = _case("medical", "emergency")
    await _store(db, case)
    # The assessment is due at 24 h, announced 12 hours before; the decision at 48 h.
    assert await check_due(db, now=T0 + timedelta(hours=11), policy=POLICY) == 0
    assert await check_due(db, now=T0 + timedelta(hours=23), policy=POLICY) == 1
    assert await check_due(db, now=T0 + timedelta(hours=23, minutes=30), policy=POLICY) == 0
    assert await _reported(db, case.case_id) == ["deadline_approaching:assessment"]
    assert await check_due(db, now=T0 + timedelta(hours=25), policy=POLICY) == 1
    assert await check_due(db, now=T0 + timedelta(hours=26), policy=POLICY) == 0
    assert await _reported(db, case.case_id) == [
        "deadline_approaching:assessment",
        "deadline_missed:assessment",
    ]
    # Not looked at between 36 h and 48 h: the decision's deadline is missed, not announced late.
    assert await check_due(db, now=T0 + timedelta(hours=49), policy=POLICY) == 1
    assert await check_due(db, now=T0 + timedelta(days=90), policy=POLICY) == 0
    assert await _reported(db, case.case_id) == [
        "deadline_approaching:assessment",
        "deadline_missed:assessment",
        "deadline_missed:decision",
    ]
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT next_check_at, state FROM case_files WHERE case_id = $1", case.case_id
        )
    assert row["next_check_at"] is None
    assert sorted(row["state"]["deadlines_missed"]) == ["assessment", "decision"]
    assert row["state"]["deadlines_approaching"] == ["assessment"]


async def test_a_near_deadline_is_announced_once_by_checkers_racing(db: Db) -> None:
    cases = [_case("legal", "emergency") for _ in range(6)]
    for case in cases:
        await _store(db, case)
    # Three checkers (replicas) look at the same moment, and again: each case is taken by one.
    at = T0 + timedelta(hours=40)  # assessment missed (24 h), decision due in 8 hours (48 h)
    taken = await asyncio.gather(*(check_due(db, now=at, policy=POLICY) for _ in range(3)))
    assert sum(taken) == len(cases)
    await asyncio.gather(*(check_due(db, now=at, policy=POLICY) for _ in range(3)))
    for case in cases:
        assert await _reported(db, case.case_id) == [
            "deadline_missed:assessment",
            "deadline_approaching:decision",
        ]
    events = await _events(db, cases[0].case_id)
    approaching = next(e for e in events if e["type"].endswith("deadline_approaching.v1"))
    assert approaching["data"] == {
        "case_id": cases[0].case_id,
        "stage": "decision",
        "due_at": (T0 + timedelta(hours=48)).isoformat().replace("+00:00", "Z"),
    }
    assert approaching["actor"] == "assessment"
    assert approaching["time"] == at.isoformat().replace("+00:00", "Z")
    # Next: the decision's deadline itself.
    async with db.connection() as conn:
        due = await conn.fetchval(
            "SELECT next_check_at FROM case_files WHERE case_id = $1", cases[0].case_id
        )
    assert due == T0 + timedelta(hours=48)


async def test_nothing_is_announced_while_the_case_waits_for_information(db: Db) -> None:
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
    # Fourteen hours were left when the clock stopped: nothing approaches while it is stopped.
    for hours in (13, 20, 30, 60):
        await check_due(db, now=T0 + timedelta(hours=hours), policy=POLICY)
    assert await _reported(db, case.case_id) == []
    answered_at = T0 + timedelta(hours=60)
    answered = domain.information_provided(
        asked, request_id=asked.information_requests[0].request_id, now=answered_at
    ).case
    await _replace(db, asked, answered, answered_at)
    # Due at 74 h now (24 + 50 hours waiting): announced from 62 h on, once.
    await check_due(db, now=T0 + timedelta(hours=61), policy=POLICY)
    assert await _reported(db, case.case_id) == []
    await check_due(db, now=T0 + timedelta(hours=62, minutes=1), policy=POLICY)
    await check_due(db, now=T0 + timedelta(hours=63), policy=POLICY)
    assert await _reported(db, case.case_id) == ["deadline_approaching:assessment"]


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
    # Due at 54 h: near (announced) at 53 h, missed at 55 h.
    await check_due(db, now=T0 + timedelta(hours=53), policy=POLICY)
    assert await _reported(db, case.case_id) == ["deadline_approaching:assessment"]
    await check_due(db, now=T0 + timedelta(hours=55), policy=POLICY)
    assert await _reported(db, case.case_id) == [
        "deadline_approaching:assessment",
        "deadline_missed:assessment",
    ]


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
