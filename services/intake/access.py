"""Who may see or change a case, loading it for a change, and emitting the resulting events."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Any

import asyncpg
import orjson
from fastapi import Request

from services.intake import records
from services.intake.domain import TransitionRefused
from shared import outbox
from shared.auth import ASSESSORS, Principal
from shared.crypto import WrappedKey
from shared.db import Connection
from shared.deps import check_if_match
from shared.events.envelope import EventData, new_event
from shared.problems import Problem

SERVICE = "intake"
OVERSEERS = ("medical_assessor", "legal_assessor", "fund_manager", "admin")
PERSONAL_READERS = ASSESSORS | {"caseworker"}


def visible(principal: Principal, org_id: str) -> bool:
    if principal.has(*OVERSEERS):
        return True
    return principal.has("caseworker") and principal.org == org_id


def reads_personal(principal: Principal, org_id: str) -> bool:
    """Decrypted personal data: the owning organisation's caseworkers and the assessors."""
    return principal.has(*ASSESSORS) or (
        principal.has("caseworker") and principal.org is not None and principal.org == org_id)


def not_found() -> Problem:
    # Another organisation's case is indistinguishable from a missing one.
    return Problem(404, "no such case", code="case-not-found")


async def case_for_change(
    tx: Connection, *, case_id: str, principal: Principal, if_match: str | None,
    owner_only: bool = True,
) -> asyncpg.Record:
    """Lock the case row, check who asks and that their version is current (else 412)."""
    case = await records.lock_case(tx, case_id=case_id)
    if case is None or not visible(principal, case["org_id"]):
        raise not_found()
    if owner_only and principal.org != case["org_id"]:
        raise not_found()
    check_if_match(if_match, case["version"])
    return case


def refused(exc: TransitionRefused) -> Problem:
    return Problem(409, exc.detail, code=exc.code)


async def data_key_of(tx: Connection, case: asyncpg.Record) -> WrappedKey:
    wrapped = await records.load_key(tx, case_id=str(case["case_id"]))
    if wrapped is None:
        raise Problem(409, "the case's personal data was erased", code="personal-data-erased")
    return wrapped


async def emit(
    tx: Connection, request: Request, case: asyncpg.Record, principal: Principal,
    events: list[tuple[str, EventData]], *, now: datetime,
) -> list[str]:
    """Queue the events in the caller's transaction; returns their ids for the timeline."""
    built = [
        (subject, new_event(subject, data, service=SERVICE, subject=str(case["case_id"]),
                            actor=principal.sub, causation_id=request.state.request_id,
                            correlation_id=case["correlation_id"], now=now))
        for subject, data in events
    ]
    await outbox.add(tx, built, service=SERVICE)
    return [e.id for _, e in built]


def fingerprint(key: bytes, payload: Any) -> dict[str, str]:
    """What the idempotency table keeps of a body with personal data: a keyed digest of it."""
    raw = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    digest = hmac.new(key, b"vfund/idempotency/v1\x00" + raw, hashlib.sha256).hexdigest()
    return {"hmac": digest}

