"""What every change ends with: the case file saved and the events it caused in the outbox."""

from __future__ import annotations

from datetime import datetime

from services.assessment import repository, wire
from services.assessment.domain.events import Result
from services.assessment.domain.model import Policy
from services.assessment.repository import StoredCase
from shared.db import Connection


async def save(
    tx: Connection,
    stored: StoredCase,
    result: Result,
    *,
    now: datetime,
    policy: Policy,
    actor: str,
    causation_id: str,
) -> StoredCase:
    """The next version, guarded by the one it replaces; the events, in the same transaction."""
    await repository.save_case(
        tx, case=result.case, previous_version=stored.case.version, now=now, policy=policy
    )
    await wire.enqueue(
        tx,
        result.events,
        case_id=stored.case.case_id,
        correlation_id=stored.correlation_id,
        actor=actor,
        causation_id=causation_id,
        now=now,
    )
    return StoredCase(
        result.case, stored.reference, stored.correlation_id, stored.possible_duplicate
    )
