"""Who must hear of what (contract section 10): notices, their audiences, their e-mails.

A notice names a case only by its reference and links to its page: ids and codes, never a
name, a narrative or an amount. Pure: the commands bring the events, the case's facts (asked of
the assessment service) and the accounts."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import quote

Kind = Literal[
    "information_requested",
    "case_queued",
    "deadline_approaching",
    "deadline_missed",
    "approval_pending",
    "batch_waiting",
    "payment_failed",
]
KINDS: tuple[Kind, ...] = (
    "information_requested",
    "case_queued",
    "deadline_approaching",
    "deadline_missed",
    "approval_pending",
    "batch_waiting",
    "payment_failed",
)
Queue = Literal["medical", "legal", "decision"]
QUEUE_ROLES: dict[str, str] = {
    "medical": "medical_assessor",
    "legal": "legal_assessor",
    "decision": "fund_manager",
}
QUEUE_WORKERS = frozenset(QUEUE_ROLES.values())
# Who may ever hear of each kind: the choices /account offers a person are those of their roles.
KIND_ROLES: dict[Kind, frozenset[str]] = {
    "information_requested": frozenset({"caseworker"}),
    "case_queued": QUEUE_WORKERS,
    "deadline_approaching": QUEUE_WORKERS,
    "deadline_missed": QUEUE_WORKERS,
    "approval_pending": frozenset({"fund_manager"}),
    "batch_waiting": frozenset({"finance"}),
    "payment_failed": frozenset({"finance"}),
}


@dataclass(frozen=True)
class CaseFacts:
    """What the web learns of a case from the assessment service: ids, codes, its queues."""

    case_id: str
    reference: str
    org_id: str
    urgency: str
    queues: frozenset[str]
    # The assessments still missing (medical, legal): who the assessment deadline concerns.
    missing: frozenset[str]
    version: int
    # The information requests answered: an answer at intake is in a queue once it is here.
    answered: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Seen:
    """The queues the web last saw a case in, at the assessment version it saw them."""

    queues: frozenset[str] = frozenset()
    version: int = 0


def entered(seen: Seen, facts: CaseFacts) -> tuple[Seen, frozenset[str]]:
    """The queues the case entered since it was last seen. A view older than the one seen (two
    events of a case handled at once) changes nothing: versions only move forward."""
    if facts.version <= seen.version:
        return seen, frozenset()
    return Seen(facts.queues, facts.version), facts.queues - seen.queues


@dataclass(frozen=True)
class Audience:
    """Who hears a notice: the holders of any of `roles`, of `org_id` when one is named, less
    those `excluding` names (who acted, and so knows)."""

    roles: frozenset[str]
    org_id: str | None = None
    excluding: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Notice:
    """One thing to tell: `key` is unique per event and topic (an event may put a case in two
    queues); the inbox entry and the e-mail of each recipient are made from it."""

    key: str
    kind: Kind
    audience: Audience
    link: str
    case_id: str | None = None
    reference: str | None = None
    batch_id: str | None = None
    queue: str | None = None
    stage: str | None = None
    urgency: str | None = None
    due_at: datetime | None = None


@dataclass(frozen=True)
class Person:
    """An account as notifications see it."""

    account_id: str
    roles: frozenset[str]
    org_id: str | None
    # Active, of an organisation that is not suspended: only such a person hears anything.
    active: bool
    email: str
    language: str
    # The kinds this person asked not to receive by e-mail (every kind is on by default).
    email_off: frozenset[str] = field(default_factory=frozenset)


def hears(person: Person, notice: Notice) -> bool:
    audience = notice.audience
    return (
        person.active
        and bool(person.roles & audience.roles)
        and (audience.org_id is None or person.org_id == audience.org_id)
        and person.account_id not in audience.excluding
    )


def recipients(notice: Notice, people: Iterable[Person]) -> list[Person]:
    return [p for p in people if hears(p, notice)]


def by_email(person: Person, notice: Notice) -> bool:
    return notice.kind not in person.email_off


def kinds_for(roles: Collection[str]) -> list[Kind]:
    """The kinds a person with these roles may hear of, in the catalogue's order."""
    return [k for k in KINDS if KIND_ROLES[k].intersection(roles)]


def email_off(roles: Collection[str], wanted: Collection[str]) -> frozenset[str]:
    """A person's e-mail choices as stored: the kinds of their roles they did not tick."""
    return frozenset(k for k in kinds_for(roles) if k not in wanted)


# What each event tells, and to whom.


def _segment(value: str) -> str:
    """An id as one segment of a link: whatever an event carried, the link stays this site's."""
    return quote(value, safe="")


def _assessment_page(case: CaseFacts) -> str:
    return f"/assessment/cases/{_segment(case.case_id)}"


def _case(kind: Kind, key: str, case: CaseFacts, audience: Audience, link: str) -> Notice:
    return Notice(
        key=key,
        kind=kind,
        audience=audience,
        link=link,
        case_id=case.case_id,
        reference=case.reference,
        urgency=case.urgency,
    )


def information_requested(event_id: str, case: CaseFacts) -> Notice:
    """An assessor asks a question: the case's organisation's caseworkers answer it."""
    audience = Audience(frozenset({"caseworker"}), org_id=case.org_id)
    return _case(
        "information_requested", event_id, case, audience, f"/cases/{_segment(case.case_id)}"
    )


def queued(event_id: str, case: CaseFacts, queues: Collection[str]) -> list[Notice]:
    """The case entered these queues: each queue's workers hear of it."""
    notices = []
    for queue in sorted(queues):
        role = QUEUE_ROLES.get(queue)
        if role is None:
            continue
        notice = _case(
            "case_queued",
            f"{event_id}:{queue}",
            case,
            Audience(frozenset({role})),
            _assessment_page(case),
        )
        notices.append(_with(notice, queue=queue))
    return notices


def deadline(
    event_id: str,
    kind: Literal["deadline_approaching", "deadline_missed"],
    case: CaseFacts,
    *,
    stage: str,
    due_at: datetime,
) -> Notice | None:
    """The assessment deadline concerns the assessors of what is still missing (nobody once
    nothing is); the decision deadline, the fund managers."""
    if stage == "decision":
        roles = frozenset({"fund_manager"})
    else:
        roles = frozenset(QUEUE_ROLES[k] for k in case.missing if k in QUEUE_ROLES)
    if not roles:
        return None
    notice = _case(kind, event_id, case, Audience(roles), _assessment_page(case))
    return _with(notice, stage=stage, due_at=due_at)


def approval_pending(event_id: str, case: CaseFacts, *, first_decider: str) -> Notice:
    """A first approval waits for its second: the other fund managers."""
    audience = Audience(frozenset({"fund_manager"}), excluding=frozenset({first_decider}))
    return _case("approval_pending", event_id, case, audience, _assessment_page(case))


def batch_waiting(event_id: str, *, batch_id: str, created_by: str) -> Notice:
    """A batch waits for approval: the finance officers other than its creator."""
    return Notice(
        key=event_id,
        kind="batch_waiting",
        audience=Audience(frozenset({"finance"}), excluding=frozenset({created_by})),
        link=f"/finance/batches/{_segment(batch_id)}",
        batch_id=batch_id,
    )


def payment_failed(event_id: str, *, case_id: str, reference: str | None) -> Notice:
    """A payment failed: finance. Named by its case's reference when the case is known."""
    return Notice(
        key=event_id,
        kind="payment_failed",
        audience=Audience(frozenset({"finance"})),
        link="/finance/payments",
        case_id=case_id,
        reference=reference,
    )


def _with(notice: Notice, **changes: object) -> Notice:
    return replace(notice, **changes)  # type: ignore[arg-type]


# When and how to tell.


def fresh(event_time: datetime, now: datetime, max_age: timedelta) -> bool:
    """An event older than `max_age` tells nobody: a service that starts consuming a long
    stream (a first deployment, a long outage) does not flood people with what is long past."""
    return now - event_time <= max_age


def message_id(notice_key: str, account_id: str, domain: str) -> str:
    """The e-mail's Message-ID, derived from the event (in the notice's key) and the recipient:
    a message sent again after a crash is the same message, recognisably."""
    digest = hashlib.sha256(f"{notice_key}\x00{account_id}".encode()).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def retry_delay(attempts: int, delays: Sequence[float]) -> timedelta:
    """The wait after the `attempts`-th failed try (1-based), the last delay once past them."""
    return timedelta(seconds=delays[min(max(attempts, 1), len(delays)) - 1])
