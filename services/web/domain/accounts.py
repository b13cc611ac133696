"""Accounts and organisations: who may manage whom, and what each change does."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from services.web.domain.events import OrganisationEvent, OrganisationKind, UserEvent, UserKind
from services.web.domain.roles import ORG_ADMIN_MAY_ASSIGN, check_assignment, field_error
from shared.errors import DomainError, Refusal
from shared.types import visible

Status = Literal["invited", "active", "disabled"]
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
ORG_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Actor:
    """The signed-in person acting on accounts or organisations."""

    account_id: str
    roles: frozenset[str]
    org_id: str | None


@dataclass(frozen=True)
class Account:
    account_id: str
    username: str
    display_name: str
    email: str
    roles: tuple[str, ...]
    org_id: str | None
    donor: str | None
    status: Status
    has_password: bool
    has_mfa: bool
    locked_until: datetime | None
    version: int


@dataclass(frozen=True)
class Organisation:
    org_id: str
    name: str
    country: str
    status: Literal["active", "suspended"]
    version: int


def _name(field: str, value: str, limit: int = 200) -> str:
    value = value.strip()
    if not value or not visible(value):
        raise field_error(field, "required")
    if len(value) > limit:
        raise field_error(field, "too-long")
    if _CONTROL.search(value):
        raise field_error(field, "control-characters")
    return value


def _not_found() -> DomainError:
    # Outside an org_admin's organisation an account is not theirs to know of.
    return DomainError(Refusal.NOT_FOUND, "account-not-found")


def may_manage_users(actor: Actor) -> bool:
    return "admin" in actor.roles or ("org_admin" in actor.roles and actor.org_id is not None)


def check_manages(actor: Actor, account: Account) -> None:
    """An administrator manages every account; an org_admin its organisation's caseworkers."""
    if "admin" in actor.roles:
        return
    if (
        "org_admin" in actor.roles
        and actor.org_id is not None
        and account.org_id == actor.org_id
        and set(account.roles) <= ORG_ADMIN_MAY_ASSIGN
    ):
        return
    raise _not_found()


def check_assigns(actor: Actor, roles: tuple[str, ...], org_id: str | None) -> None:
    if "admin" in actor.roles:
        return
    if set(roles) <= ORG_ADMIN_MAY_ASSIGN and org_id == actor.org_id and actor.org_id:
        return
    raise DomainError(
        Refusal.FORBIDDEN,
        "role-not-yours-to-give",
        errors=[{"field": "roles", "code": "role-not-yours-to-give", "message": "forbidden"}],
    )


def _not_self(actor: Actor, account: Account, code: str) -> None:
    # Nobody removes their own access by mistake; another administrator does it.
    if actor.account_id == account.account_id:
        raise DomainError(Refusal.CONFLICT, code)


def _event(kind: UserKind, account: Account, actor: Actor | str) -> UserEvent:
    by = actor if isinstance(actor, str) else actor.account_id
    return UserEvent(kind, account.account_id, account.roles, account.org_id, by)


def invite(
    actor: Actor,
    *,
    account_id: str,
    username: str,
    display_name: str,
    email: str,
    roles: tuple[str, ...],
    org_id: str | None,
    donor: str | None,
    organisation: Organisation | None,
) -> tuple[Account, UserEvent]:
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise field_error("username", "username-format")
    display_name = _name("display_name", display_name)
    email = email.strip()
    if not EMAIL.match(email) or len(email) > 254:
        raise field_error("email", "email-format")
    donor = _name("donor", donor) if donor else None
    org_id = org_id or None
    ordered = check_assignment(roles, org_id, donor)
    check_assigns(actor, ordered, org_id)
    if org_id is not None and organisation is None:
        raise field_error("org_id", "organisation-unknown")
    if organisation is not None and organisation.status != "active":
        raise field_error("org_id", "organisation-suspended")
    account = Account(
        account_id=account_id,
        username=username,
        display_name=display_name,
        email=email,
        roles=ordered,
        org_id=org_id,
        donor=donor,
        status="invited",
        has_password=False,
        has_mfa=False,
        locked_until=None,
        version=1,
    )
    return account, _event("invited", account, actor)


def activate(account: Account, *, with_mfa: bool) -> tuple[Account, UserEvent]:
    if account.status != "invited":
        raise DomainError(Refusal.CONFLICT, "invitation-used")
    done = replace(account, status="active", has_password=True, has_mfa=with_mfa)
    return done, _event("activated", done, account.account_id)


def change_roles(
    actor: Actor,
    account: Account,
    *,
    roles: tuple[str, ...],
    org_id: str | None,
    donor: str | None,
    organisation: Organisation | None,
) -> tuple[Account, UserEvent]:
    check_manages(actor, account)
    _not_self(actor, account, "own-roles")
    org_id = org_id or None
    donor = _name("donor", donor) if donor else None
    ordered = check_assignment(roles, org_id, donor)
    check_assigns(actor, ordered, org_id)
    if org_id is not None and organisation is None:
        raise field_error("org_id", "organisation-unknown")
    changed = replace(account, roles=ordered, org_id=org_id, donor=donor)
    return changed, _event("roles_changed", changed, actor)


def disable(actor: Actor, account: Account) -> tuple[Account, UserEvent]:
    check_manages(actor, account)
    _not_self(actor, account, "own-account")
    if account.status == "disabled":
        raise DomainError(Refusal.CONFLICT, "already-disabled")
    changed = replace(account, status="disabled")
    return changed, _event("disabled", changed, actor)


def enable(actor: Actor, account: Account) -> tuple[Account, UserEvent]:
    check_manages(actor, account)
    if account.status != "disabled":
        raise DomainError(Refusal.CONFLICT, "not-disabled")
    changed = replace(account, status="active" if account.has_password else "invited")
    return changed, _event("enabled", changed, actor)


def reset_mfa(actor: Actor, account: Account) -> tuple[Account, UserEvent]:
    """The account enrols a new second factor at its next sign-in."""
    check_manages(actor, account)
    if not account.has_mfa:
        raise DomainError(Refusal.CONFLICT, "no-second-factor")
    changed = replace(account, has_mfa=False)
    return changed, _event("mfa_reset", changed, actor)


def unlock(actor: Actor, account: Account, *, now: datetime) -> tuple[Account, UserEvent]:
    check_manages(actor, account)
    if account.locked_until is None or account.locked_until <= now:
        raise DomainError(Refusal.CONFLICT, "not-locked")
    changed = replace(account, locked_until=None)
    return changed, _event("unlocked", changed, actor)


def lock(account: Account, *, until: datetime) -> tuple[Account, UserEvent]:
    changed = replace(account, locked_until=until)
    return changed, _event("locked", changed, "web")


def link_identity(actor: Actor, account: Account, subject: str) -> tuple[str, UserEvent]:
    if "admin" not in actor.roles:
        raise DomainError(Refusal.FORBIDDEN, "admin-only")
    subject = subject.strip()
    if not subject or len(subject) > 255 or _CONTROL.search(subject):
        raise field_error("oidc_subject", "required")
    return subject, _event("identity_linked", account, actor)


def _organisation_event(
    kind: OrganisationKind, org: Organisation, actor: Actor
) -> OrganisationEvent:
    return OrganisationEvent(kind, org.org_id, org.country, org.status, actor.account_id)


def _check_admin(actor: Actor) -> None:
    if "admin" not in actor.roles:
        raise DomainError(Refusal.FORBIDDEN, "admin-only")


def _country(country: str) -> str:
    country = country.strip().upper()
    if not COUNTRY.match(country):
        raise field_error("country", "country-format")
    return country


def register_organisation(
    actor: Actor, *, org_id: str, name: str, country: str
) -> tuple[Organisation, OrganisationEvent]:
    _check_admin(actor)
    org_id = org_id.strip().lower()
    if not ORG_ID.match(org_id):
        raise field_error("org_id", "org-id-format")
    org = Organisation(org_id, _name("name", name), _country(country), "active", 1)
    return org, _organisation_event("registered", org, actor)


def update_organisation(
    actor: Actor, org: Organisation, *, name: str, country: str
) -> tuple[Organisation, OrganisationEvent]:
    _check_admin(actor)
    changed = replace(org, name=_name("name", name), country=_country(country))
    return changed, _organisation_event("updated", changed, actor)


def suspend_organisation(actor: Actor, org: Organisation) -> tuple[Organisation, OrganisationEvent]:
    _check_admin(actor)
    if org.status == "suspended":
        raise DomainError(Refusal.CONFLICT, "already-suspended")
    changed = replace(org, status="suspended")
    return changed, _organisation_event("suspended", changed, actor)


def reinstate_organisation(
    actor: Actor, org: Organisation
) -> tuple[Organisation, OrganisationEvent]:
    _check_admin(actor)
    if org.status == "active":
        raise DomainError(Refusal.CONFLICT, "not-suspended")
    changed = replace(org, status="active")
    return changed, _organisation_event("reinstated", changed, actor)
