"""Other services' events about a case: its status, version and timeline, once each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.intake.domain import status
from services.intake.repository import cases, requests
from shared.consume import Retry
from shared.db import Db
from shared.events.assessment import InformationRequested

CONSUMER = "intake"


@dataclass(frozen=True, slots=True)
class Followed:
    """Another service's event about a case, as intake applies it (see handlers.py)."""

    event_id: str
    case_id: str
    subject: str
    kind: str
    at: datetime
    actor: str | None
    detail: dict[str, Any]
    request: InformationRequested | None


async def follow(db: Db, followed: Followed) -> None:
    """Status, version and timeline from another service's event, once (the inbox row)."""
    request = followed.request
    # One statement applies the usual event (the one round trip, its own transaction); an
    # information request also stores the request, in the same transaction.
    async with db.transaction() if request else db.connection() as conn:
        known, first = await cases.record_event(
            conn,
            case_id=followed.case_id,
            consumer=CONSUMER,
            event_id=followed.event_id,
            at=followed.at,
            kind=followed.kind,
            actor=followed.actor,
            detail=followed.detail,
            moves=status.moves_on(followed.subject),
        )
        if not known:
            raise Retry("case not known yet")
        if first and request is not None:
            await requests.add_request(
                conn,
                request_id=request.request_id,
                case_id=followed.case_id,
                question_category=request.question_category,
                requested_by=request.requested_by,
                at=followed.at,
            )
