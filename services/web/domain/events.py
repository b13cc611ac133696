"""What the web domain says happened; `wire.py` turns each into a catalogue event."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

OrganisationKind = Literal["registered", "updated", "suspended", "reinstated"]
UserKind = Literal[
    "invited",
    "activated",
    "roles_changed",
    "disabled",
    "enabled",
    "mfa_reset",
    "locked",
    "unlocked",
    "identity_linked",
]


@dataclass(frozen=True)
class OrganisationEvent:
    kind: OrganisationKind
    org_id: str
    country: str
    status: str
    by: str


@dataclass(frozen=True)
class UserEvent:
    kind: UserKind
    user_id: str
    roles: tuple[str, ...]
    org_id: str | None
    by: str


@dataclass(frozen=True)
class SignedIn:
    user_id: str
    method: Literal["password", "oidc"]
    mfa: bool


DomainEvent = OrganisationEvent | UserEvent | SignedIn
