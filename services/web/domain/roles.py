"""The roles of section 4, and which of them an account may hold together."""

from __future__ import annotations

from collections.abc import Iterable

from shared.errors import DomainError, Refusal

ROLES = (
    "caseworker",
    "org_admin",
    "medical_assessor",
    "legal_assessor",
    "fund_manager",
    "finance",
    "auditor",
    "donor",
    "admin",
)
# Bound to one partner organisation (the token's `org`).
ORG_ROLES = frozenset({"caseworker", "org_admin"})
# What an organisation's own administrator may give: its caseworkers, nothing else.
ORG_ADMIN_MAY_ASSIGN = frozenset({"caseworker"})


def field_error(field: str, code: str) -> DomainError:
    return DomainError(
        Refusal.INVALID, code, errors=[{"field": field, "code": code, "message": code}]
    )


def check_assignment(
    roles: Iterable[str], org_id: str | None, donor: str | None
) -> tuple[str, ...]:
    """The roles in the order of ROLES, or a refusal naming the field that is wrong."""
    chosen = set(roles)
    if not chosen:
        raise field_error("roles", "roles-required")
    if not chosen <= set(ROLES):
        raise field_error("roles", "unknown-role")
    if chosen & ORG_ROLES and not org_id:
        raise field_error("org_id", "organisation-required")
    if org_id and not chosen & ORG_ROLES:
        raise field_error("org_id", "organisation-not-for-these-roles")
    if "donor" in chosen and not donor:
        raise field_error("donor", "donor-required")
    if donor and "donor" not in chosen:
        raise field_error("donor", "donor-not-for-these-roles")
    return tuple(r for r in ROLES if r in chosen)
