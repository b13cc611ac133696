"""What each role finds in the navigation: one line per page (contract section 7's table).

A page helper does not edit markup: the layout shows an entry once a route serves its path, so
adding an area's routes is enough; a new entry is one more line here."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark, translate later"
    return message


EVERYONE = frozenset(
    {
        "caseworker",
        "org_admin",
        "medical_assessor",
        "legal_assessor",
        "fund_manager",
        "finance",
        "auditor",
        "donor",
        "admin",
    }
)
AUDIT_READERS = frozenset({"auditor", "donor", "admin"})


@dataclass(frozen=True)
class NavEntry:
    path: str
    label: str
    roles: frozenset[str]


NAVIGATION: tuple[NavEntry, ...] = (
    NavEntry("/", N_("Home"), EVERYONE),
    NavEntry("/inbox", N_("Inbox"), EVERYONE),
    NavEntry("/cases", N_("Cases"), frozenset({"caseworker", "org_admin"})),
    NavEntry("/cases/new", N_("New case"), frozenset({"caseworker"})),
    NavEntry("/queue/medical", N_("Medical queue"), frozenset({"medical_assessor"})),
    NavEntry("/queue/legal", N_("Legal queue"), frozenset({"legal_assessor"})),
    NavEntry("/queue/decision", N_("Decisions"), frozenset({"fund_manager"})),
    NavEntry("/finance/grants", N_("Grants"), frozenset({"finance"})),
    NavEntry("/finance/fx-rates", N_("Exchange rates"), frozenset({"finance"})),
    NavEntry("/finance/payees", N_("Payees"), frozenset({"finance"})),
    NavEntry("/finance/payments", N_("Payments"), frozenset({"finance"})),
    NavEntry("/finance/batches", N_("Batches"), frozenset({"finance"})),
    NavEntry("/finance/statements", N_("Statements"), frozenset({"finance"})),
    NavEntry("/audit/log", N_("Audit log"), AUDIT_READERS),
    NavEntry("/audit/tree-heads", N_("Tree heads"), AUDIT_READERS),
    NavEntry("/audit/verify", N_("Verify"), AUDIT_READERS),
    NavEntry("/reports/donor", N_("Donor reports"), AUDIT_READERS),
    NavEntry("/admin/organisations", N_("Organisations"), frozenset({"admin"})),
    NavEntry("/admin/users", N_("Users"), frozenset({"admin", "org_admin"})),
    NavEntry("/admin/erasure", N_("Erasure"), frozenset({"admin"})),
)


def entries_for(roles: Collection[str], served: Collection[str]) -> list[NavEntry]:
    """The entries a person with these roles sees, among the paths the service serves."""
    return [e for e in NAVIGATION if e.roles.intersection(roles) and e.path in served]


def may_open(roles: Iterable[str], allowed: Collection[str]) -> bool:
    """A page for `allowed` roles opens for anyone holding one of them."""
    return any(role in allowed for role in roles)
