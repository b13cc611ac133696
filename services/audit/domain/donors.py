"""Who may read what of the log: auditors and administrators everything, a donor the entries
behind the reports of their own grants. Pure: decided from entries read from the log itself.

A grant's donor is the `donor` of its first `grant.created` or `grant.adjusted` entry sent by the
disbursement service (a grant's donor never changes): a later entry naming another donor, forged
or not, shows the grant to nobody else. The entries behind a grant's report are its reservations,
releases and payments, and the `case.submitted` entries of the cases it paid (the time from
request to payment is measured from them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from services.audit.domain.reports import PAID, REPORT_TYPES
from shared.errors import DomainError, Refusal
from shared.events import subjects
from shared.events.envelope import event_type

GRANT_SUBJECTS = (subjects.GRANT_CREATED, subjects.GRANT_ADJUSTED)
GRANT_TYPES = tuple(event_type(s) for s in GRANT_SUBJECTS)
SUBMITTED = event_type(subjects.CASE_SUBMITTED)
DISBURSEMENT = "/vfund/disbursement"


@dataclass(frozen=True)
class Grant:
    """A grant as the log tells it: its donor, and (from its creation) its name and currency."""

    grant_id: str
    donor: str
    index: int  # the entry that named its donor
    name: str | None = None
    currency: str | None = None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def grants_of(entries: Iterable[tuple[int, str, Mapping[str, Any]]]) -> dict[str, Grant]:
    """Grants by id from (index, NATS subject, event) of grant entries, in log order."""
    found: dict[str, Grant] = {}
    for index, nats_subject, event in entries:
        data = event.get("data")
        if nats_subject not in GRANT_SUBJECTS or event.get("source") != DISBURSEMENT:
            continue
        if event.get("type") not in GRANT_TYPES or not isinstance(data, Mapping):
            continue
        grant_id, donor = _text(data.get("grant_id")), _text(data.get("donor"))
        if grant_id is None or donor is None:
            continue
        known = found.get(grant_id)
        if known is None:
            known = found[grant_id] = Grant(grant_id, donor, index)
        created = event["type"] == GRANT_TYPES[0]
        if created and known.donor == donor and known.name is None:
            found[grant_id] = Grant(
                grant_id, donor, known.index, _text(data.get("name")), _text(data.get("currency"))
            )
    return found


@dataclass(frozen=True)
class Scope:
    """What one reader may see: everything (`donor` None), or the entries behind the reports
    of `grants`, whose payments paid `cases`."""

    donor: str | None
    grants: frozenset[str] = frozenset()
    cases: frozenset[str] = frozenset()

    @property
    def everything(self) -> bool:
        return self.donor is None

    def sees_grant(self, grant_id: str) -> bool:
        return self.everything or grant_id in self.grants

    def sees_entry(self, *, event_type: str, grant_id: str | None, subject: str) -> bool:
        if self.everything:
            return True
        if event_type in REPORT_TYPES:
            return grant_id is not None and grant_id in self.grants
        return event_type == SUBMITTED and subject in self.cases


EVERYTHING = Scope(None)


def donor_grants(grants: Mapping[str, Grant], donor: str) -> frozenset[str]:
    return frozenset(g.grant_id for g in grants.values() if g.donor == donor)


def paid_cases(entries: Iterable[tuple[int, Mapping[str, Any]]]) -> frozenset[str]:
    """The cases named by the `payment.sent` entries among (index, event)."""
    found = set()
    for _, event in entries:
        data = event.get("data")
        if event.get("type") == PAID and isinstance(data, Mapping):
            case = data.get("case_id")
            if isinstance(case, str) and case:
                found.add(case)
    return frozenset(found)


def has_case(event: Mapping[str, Any]) -> bool:
    """Whether an entry names the case it is about (a figure counts cases: one that names
    none cannot be counted, and is reported unreadable instead)."""
    data = event.get("data")
    return isinstance(data, Mapping) and data.get("case_id") is not None


def unknown_grant() -> DomainError:
    """A grant this reader may not see answers as one that does not exist."""
    return DomainError(Refusal.NOT_FOUND, "no-such-grant", "no such grant")


def unknown_entry() -> DomainError:
    return DomainError(Refusal.NOT_FOUND, "no-such-entry", "no such log entry")
