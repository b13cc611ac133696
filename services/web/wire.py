"""Web domain events onto the wire: a table from each kind to its subject, no hidden default."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from services.web.domain.events import DomainEvent, OrganisationEvent, SignedIn, UserEvent
from shared import outbox
from shared.db import Connection
from shared.events import subjects
from shared.events.envelope import EventData, new_event
from shared.events.web import OrganisationChanged, UserChanged, UserSignedIn

SERVICE = "web"

ORGANISATION_SUBJECTS = {
    "registered": subjects.ORGANISATION_REGISTERED,
    "updated": subjects.ORGANISATION_UPDATED,
    "suspended": subjects.ORGANISATION_SUSPENDED,
    "reinstated": subjects.ORGANISATION_REINSTATED,
}
USER_SUBJECTS = {
    "invited": subjects.USER_INVITED,
    "activated": subjects.USER_ACTIVATED,
    "roles_changed": subjects.USER_ROLES_CHANGED,
    "disabled": subjects.USER_DISABLED,
    "enabled": subjects.USER_ENABLED,
    "mfa_reset": subjects.USER_MFA_RESET,
    "locked": subjects.USER_LOCKED,
    "unlocked": subjects.USER_UNLOCKED,
    "identity_linked": subjects.USER_IDENTITY_LINKED,
}


def to_wire(event: DomainEvent) -> tuple[str, str, EventData]:
    """(NATS subject, the event's subject id, its data): ids and codes only."""
    match event:
        case OrganisationEvent():
            return (
                ORGANISATION_SUBJECTS[event.kind],
                event.org_id,
                OrganisationChanged(
                    org_id=event.org_id, country=event.country, status=event.status, by=event.by
                ),
            )
        case UserEvent():
            return (
                USER_SUBJECTS[event.kind],
                event.user_id,
                UserChanged(
                    user_id=event.user_id,
                    roles=list(event.roles),
                    org_id=event.org_id,
                    by=event.by,
                ),
            )
        case SignedIn():
            return (
                subjects.USER_SIGNED_IN,
                event.user_id,
                UserSignedIn(user_id=event.user_id, method=event.method, mfa=event.mfa),
            )


async def enqueue(
    tx: Connection,
    events: Iterable[DomainEvent],
    *,
    actor: str,
    causation_id: str | None,
    now: datetime,
) -> None:
    outgoing = []
    for event in events:
        subject, about, data = to_wire(event)
        outgoing.append(
            (
                subject,
                new_event(
                    subject,
                    data,
                    service=SERVICE,
                    subject=about,
                    actor=actor,
                    causation_id=causation_id,
                    now=now,
                ),
            )
        )
    await outbox.add(tx, outgoing, service=SERVICE)
