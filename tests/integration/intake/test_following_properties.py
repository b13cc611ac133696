"""Whatever another service's event carries, intake's consumer applies it or refuses it cleanly
(Poison: dead-lettered at once; Retry: the case is not known yet), never fails otherwise, on
real PostgreSQL. A failure of any other kind would be redelivered until it dead-letters."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from support import scratch_database

from dev.provision import migrate_service
from dev.stack import Stack
from services.intake.commands.following import follow
from services.intake.domain import status
from services.intake.domain.bounds import TIMELINE_FIELDS
from services.intake.handlers import AnyCaseEvent, followed
from shared.consume import Poison, Retry
from shared.db import Db
from shared.events import subjects
from shared.events.envelope import CloudEvent

AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
KNOWN = "6f1c1b9e-6d55-4f1a-9f43-4a1f3f0f6a11"


@pytest.fixture(scope="module")
async def db(stack: Stack) -> AsyncIterator[Db]:
    async with scratch_database(stack, "intake_follow") as dsn:
        await migrate_service("intake", dsn)
        db = await Db.connect(dsn, min_size=1, max_size=4)
        async with db.connection() as conn:
            await conn.execute(
                "INSERT INTO cases (case_id, reference, org_id, country, urgency, status,"
                " needs_medical, needs_legal, submitted_by, submitted_at, updated_at,"
                " correlation_id) VALUES ($1, 'VF-2026-999999', 'org-a', 'CH', 'standard',"
                " 'submitted', true, false, 'cw', $2, $2, 'c')",
                KNOWN,
                AT,
            )
        try:
            yield db
        finally:
            await db.close()


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=120),
    lambda inner: st.lists(inner, max_size=12) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
SUBJECTS = st.sampled_from(sorted(status.EFFECT_OF)) | st.text(max_size=40).map(
    lambda t: f"vfund.assessment.{t}"
)
OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))])
EVENTS = st.fixed_dictionaries(
    {
        "specversion": st.just("1.0"),
        "id": st.uuids().map(str) | st.text(min_size=1, max_size=64),
        "source": st.just("/vfund/assessment"),
        "type": SUBJECTS.map(lambda s: "org.vfund." + s.removeprefix("vfund.") + ".v1"),
        "subject": st.just(KNOWN),
        "time": st.datetimes(timezones=OFFSETS).map(datetime.isoformat),
        "data": st.fixed_dictionaries(
            {"case_id": st.just(KNOWN) | st.uuids().map(str) | st.text(max_size=40)},
            optional={
                **dict.fromkeys(sorted(TIMELINE_FIELDS), JSON),
                "question_category": st.text(max_size=60),
                "requested_by": st.text(max_size=60),
            },
        ),
        "correlationid": st.just("c"),
        "causationid": st.just("c"),
        "actor": st.text(max_size=80),
    }
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(  # the information request a page cannot show: refused, never half-applied
    {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/vfund/assessment",
        "type": "org.vfund.assessment.case.information_requested.v1",
        "subject": KNOWN,
        "time": AT.isoformat(),
        "correlationid": "c",
        "causationid": "c",
        "actor": "legal-1",
        "data": {
            "case_id": KNOWN,
            "request_id": "r\x00",
            "question_category": "identity",
            "requested_by": "legal-1",
        },
    }
)
@example(  # a NUL, a huge integer and a nested object where the timeline shows values
    {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/vfund/assessment",
        "type": "org.vfund.assessment.case.approved.v1",
        "subject": KNOWN,
        "time": "0001-01-01T00:00:00+14:00",
        "correlationid": "c",
        "causationid": "c",
        "actor": "m\x00",
        "data": {
            "case_id": KNOWN,
            "reason_code": "\x00",
            "amount": 10**40,
            "grant_id": {"a": [1, None]},
        },
    }
)
@given(raw=EVENTS)
async def test_any_event_is_applied_or_refused_cleanly(db: Db, raw: dict[str, Any]) -> None:
    try:
        event = CloudEvent[AnyCaseEvent].model_validate(raw)
    except ValidationError:
        return  # the consumer dead-letters what does not parse as an event (shared.consume)
    try:
        taken = followed(event)
    except Poison:
        return
    before = await _state(db)
    try:
        await follow(db, taken)
    except Retry:
        assert taken.case_id != KNOWN
        assert await _state(db) == before
        return
    after = await _state(db)
    assert after["status"] in status.STATUSES
    first = after["inbox"] == before["inbox"] + 1
    assert after["history"] - before["history"] == (1 if first else 0)
    assert after["version"] - before["version"] == (1 if first else 0)


async def _state(db: Db) -> dict[str, Any]:
    async with db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT status, version, (SELECT count(*) FROM case_history WHERE case_id = $1)"
            " AS history, (SELECT count(*) FROM inbox) AS inbox FROM cases WHERE case_id = $1",
            KNOWN,
        )
    assert row is not None
    return dict(row)


async def test_an_information_request_is_stored_with_its_status_move(db: Db) -> None:
    """The one event that writes more than the case row: both in one transaction."""
    request_id = str(uuid.uuid4())
    raw = {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/vfund/assessment",
        "type": "org.vfund.assessment.case.information_requested.v1",
        "subject": KNOWN,
        "time": AT.isoformat(),
        "correlationid": "c",
        "causationid": "c",
        "actor": "legal-1",
        "data": {
            "case_id": KNOWN,
            "request_id": request_id,
            "question_category": "identity",
            "requested_by": "legal-1",
        },
    }
    taken = followed(CloudEvent[AnyCaseEvent].model_validate(raw))
    assert taken.subject == subjects.INFORMATION_REQUESTED and taken.request is not None
    await follow(db, taken)
    async with db.connection() as conn:
        stored = await conn.fetchval(
            "SELECT question_category FROM information_requests WHERE request_id = $1", request_id
        )
    assert stored == "identity"
