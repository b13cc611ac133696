"""Who may see a case, read its personal data, or change it."""

from __future__ import annotations

from typing import Final, Protocol

from shared.errors import DomainError, Refusal
from shared.events.intake import ReaderRole

ASSESSORS: Final = frozenset({"medical_assessor", "legal_assessor"})
# They see every case (its status; personal data only the assessors).
OVERSEERS: Final = ASSESSORS | {"fund_manager", "admin"}
# They see their own organisation's cases: a caseworker in full, an org_admin their status.
MEMBERS: Final = frozenset({"caseworker", "org_admin"})
READERS: Final = OVERSEERS | MEMBERS
# Whether a case may be someone else's too is for assessors and fund managers to weigh.
DUPLICATE_JUDGES: Final = ASSESSORS | {"fund_manager"}


class Actor(Protocol):
    """Who acts: a token's subject, roles and organisation (shared.auth.Principal is one)."""

    @property
    def sub(self) -> str: ...

    @property
    def roles(self) -> frozenset[str]: ...

    @property
    def org(self) -> str | None: ...


def not_found() -> DomainError:
    # Another organisation's case is indistinguishable from a missing one.
    return DomainError(Refusal.NOT_FOUND, "case-not-found", "no such case")


def scope_of(actor: Actor) -> str | None:
    """The organisation whose cases a list shows (None: every organisation's)."""
    if actor.roles & OVERSEERS:
        return None
    if actor.org is None:
        raise DomainError(
            Refusal.FORBIDDEN,
            "no-org",
            "a caseworker or org_admin token must name its organisation",
        )
    return actor.org


def own_org(actor: Actor) -> str:
    """The organisation a caseworker acts for: a token without one acts for none."""
    if actor.org is None:
        raise DomainError(
            Refusal.FORBIDDEN, "no-org", "a caseworker token must name its organisation"
        )
    return actor.org


def sees(actor: Actor, org_id: str) -> bool:
    if actor.roles & OVERSEERS:
        return True
    return bool(actor.roles & MEMBERS) and actor.org is not None and actor.org == org_id


def reads_personal(actor: Actor, org_id: str) -> bool:
    """Decrypted personal data: the owning organisation's caseworkers and the assessors."""
    return bool(actor.roles & ASSESSORS) or (
        "caseworker" in actor.roles and actor.org is not None and actor.org == org_id
    )


def judges_duplicates(actor: Actor) -> bool:
    return bool(actor.roles & DUPLICATE_JUDGES)


def check_change(actor: Actor, org_id: str, *, owner_only: bool) -> None:
    """A change to a case: only someone who sees it, and for most changes its organisation."""
    if not sees(actor, org_id) or (owner_only and actor.org != org_id):
        raise not_found()


# In the order a reader holding several is named by (alphabetical, as it always was).
_READER_ROLES: Final[tuple[ReaderRole, ...]] = ("caseworker", "legal_assessor", "medical_assessor")


def reading_role(actor: Actor) -> ReaderRole:
    """The role under which personal data is read, as the access event names it."""
    for role in _READER_ROLES:
        if role in actor.roles:
            return role
    raise DomainError(Refusal.FORBIDDEN, "not-a-reader", "this role does not read personal data")
