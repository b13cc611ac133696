"""Who hears of what (contract section 10), the queues a case entered, and when e-mails are
tried again: the pure rules of services/web/domain/notifications.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.web.domain import notifications as d
from services.web.domain.notifications import CaseFacts, Person, Seen

CASE = CaseFacts(
    case_id="c-1",
    reference="VF-2026-000001",
    org_id="org-a",
    urgency="emergency",
    queues=frozenset({"medical"}),
    missing=frozenset({"medical", "legal"}),
    version=3,
)
DUE = datetime(2026, 3, 1, 12, tzinfo=UTC)


def person(account_id: str, *roles: str, org: str | None = None, active: bool = True) -> Person:
    return Person(account_id, frozenset(roles), org, active, f"{account_id}@x.example", "en")


PEOPLE = [
    person("cw-a", "caseworker", org="org-a"),
    person("cw-a-off", "caseworker", org="org-a", active=False),
    person("cw-b", "caseworker", org="org-b"),
    person("orgadmin-a", "org_admin", org="org-a"),
    person("med", "medical_assessor"),
    person("legal", "legal_assessor"),
    person("both", "medical_assessor", "legal_assessor"),
    person("fm-1", "fund_manager"),
    person("fm-2", "fund_manager"),
    person("fm-off", "fund_manager", active=False),
    person("fin-1", "finance"),
    person("fin-2", "finance"),
    person("auditor", "auditor"),
    person("admin", "admin"),
]


def heard(notices: list[d.Notice] | d.Notice | None) -> dict[str, list[str]]:
    found = notices if isinstance(notices, list) else [notices] if notices else []
    return {n.key: [p.account_id for p in d.recipients(n, PEOPLE)] for n in found}


@pytest.mark.parametrize(
    ("notices", "expected"),
    [
        (d.information_requested("e", CASE), {"e": ["cw-a"]}),
        (
            d.queued("e", CASE, {"medical", "legal"}),
            {"e:legal": ["legal", "both"], "e:medical": ["med", "both"]},
        ),
        (d.queued("e", CASE, {"decision"}), {"e:decision": ["fm-1", "fm-2"]}),
        (
            d.deadline("e", "deadline_approaching", CASE, stage="assessment", due_at=DUE),
            {"e": ["med", "legal", "both"]},
        ),
        (
            d.deadline("e", "deadline_missed", CASE, stage="decision", due_at=DUE),
            {"e": ["fm-1", "fm-2"]},
        ),
        (d.approval_pending("e", CASE, first_decider="fm-1"), {"e": ["fm-2"]}),
        (d.batch_waiting("e", batch_id="b-1", created_by="fin-1"), {"e": ["fin-2"]}),
        (
            d.payment_failed("e", case_id="c-1", reference="VF-2026-000001"),
            {"e": ["fin-1", "fin-2"]},
        ),
    ],
    ids=[
        "information-request: the case's organisation's caseworkers, active ones only",
        "queues: each queue's assessors, a person with both roles in both",
        "decision queue: the active fund managers",
        "assessment deadline: the assessors of what is missing",
        "decision deadline: the fund managers",
        "first approval: the other fund managers",
        "batch: the other finance officers",
        "failed payment: finance",
    ],
)
def test_who_hears_of_what(notices: list[d.Notice] | d.Notice | None, expected: dict) -> None:
    assert heard(notices) == expected


def test_the_assessment_deadline_concerns_only_what_is_still_missing() -> None:
    medical_done = CaseFacts(**{**CASE.__dict__, "missing": frozenset({"legal"})})
    notice = d.deadline("e", "deadline_missed", medical_done, stage="assessment", due_at=DUE)
    assert heard(notice) == {"e": ["legal", "both"]}
    nothing_missing = CaseFacts(**{**CASE.__dict__, "missing": frozenset()})
    assert (
        d.deadline("e", "deadline_missed", nothing_missing, stage="assessment", due_at=DUE) is None
    )


def test_a_notice_names_the_case_by_reference_and_links_to_its_page() -> None:
    request = d.information_requested("e", CASE)
    assert (request.reference, request.link) == ("VF-2026-000001", "/cases/c-1")
    queued = d.queued("e", CASE, {"legal"})[0]
    assert (queued.queue, queued.link, queued.urgency) == (
        "legal",
        "/assessment/cases/c-1",
        "emergency",
    )
    deadline = d.deadline("e", "deadline_approaching", CASE, stage="decision", due_at=DUE)
    assert deadline is not None and (deadline.stage, deadline.due_at) == ("decision", DUE)
    assert d.batch_waiting("e", batch_id="b-1", created_by="x").link == "/finance/batches/b-1"
    unknown = d.payment_failed("e", case_id="c-9", reference=None)
    assert (unknown.reference, unknown.link) == (None, "/finance/payments")
    # Nothing but ids, codes, a reference, a time and a link: no field for a name or an amount.
    assert set(d.Notice.__dataclass_fields__) == {
        "key", "kind", "audience", "link", "case_id", "reference", "batch_id", "queue", "stage",
        "urgency", "due_at",
    }  # fmt: skip


def test_a_link_stays_a_page_of_this_site_whatever_the_ids() -> None:
    odd = CaseFacts(**{**CASE.__dict__, "case_id": "../../x?y=<z>#w //evil.example"})
    links = [
        d.information_requested("e", odd).link,
        d.queued("e", odd, {"medical"})[0].link,
        d.batch_waiting("e", batch_id="//evil.example/a b", created_by="x").link,
    ]
    assert links == [
        "/cases/..%2F..%2Fx%3Fy%3D%3Cz%3E%23w%20%2F%2Fevil.example",
        "/assessment/cases/..%2F..%2Fx%3Fy%3D%3Cz%3E%23w%20%2F%2Fevil.example",
        "/finance/batches/%2F%2Fevil.example%2Fa%20b",
    ]


def test_an_unknown_queue_tells_nobody() -> None:
    assert d.queued("e", CASE, {"ratification"}) == []


@pytest.mark.parametrize(
    ("seen", "queues", "version", "entered", "kept"),
    [
        (Seen(), {"medical", "legal"}, 1, {"medical", "legal"}, ({"medical", "legal"}, 1)),
        (Seen(frozenset({"medical", "legal"}), 1), {"legal"}, 2, set(), ({"legal"}, 2)),
        (Seen(frozenset({"legal"}), 2), {"decision"}, 4, {"decision"}, ({"decision"}, 4)),
        # An answered question brings the case back into a queue it had left.
        (Seen(frozenset(), 5), {"medical"}, 6, {"medical"}, ({"medical"}, 6)),
        # An older view (two events of one case handled at once) changes nothing.
        (Seen(frozenset({"decision"}), 4), {"legal"}, 2, set(), ({"decision"}, 4)),
        (Seen(frozenset({"decision"}), 4), {"decision"}, 4, set(), ({"decision"}, 4)),
    ],
)
def test_the_queues_a_case_entered_since_it_was_last_seen(
    seen: Seen, queues: set[str], version: int, entered: set[str], kept: tuple[set[str], int]
) -> None:
    facts = CaseFacts(**{**CASE.__dict__, "queues": frozenset(queues), "version": version})
    after, new = d.entered(seen, facts)
    assert new == entered
    assert (set(after.queues), after.version) == kept


def test_email_choices_are_per_kind_of_the_persons_roles_and_on_by_default() -> None:
    assert d.kinds_for(["caseworker"]) == ["information_requested"]
    assert d.kinds_for(["finance"]) == ["batch_waiting", "payment_failed"]
    assert d.kinds_for(["fund_manager"]) == [
        "case_queued", "deadline_approaching", "deadline_missed", "approval_pending",
    ]  # fmt: skip
    assert d.kinds_for(["auditor", "donor", "admin", "org_admin"]) == []
    assert d.email_off(["finance"], ["payment_failed", "case_queued"]) == {"batch_waiting"}
    someone = person("fin-1", "finance")
    batch = d.batch_waiting("e", batch_id="b", created_by="x")
    assert d.by_email(someone, batch)
    off = Person(**{**someone.__dict__, "email_off": frozenset({"batch_waiting"})})
    assert not d.by_email(off, batch)
    assert d.hears(off, batch), "the inbox still tells what the e-mail does not"


def test_the_message_id_is_derived_from_the_event_and_the_recipient() -> None:
    first = d.message_id("event-1", "fin-1", "fund.example")
    assert first == d.message_id("event-1", "fin-1", "fund.example")
    assert first.startswith("<") and first.endswith("@fund.example>")
    others = {
        d.message_id("event-2", "fin-1", "fund.example"),
        d.message_id("event-1", "fin-2", "fund.example"),
        d.message_id("event-1:medical", "fin-1", "fund.example"),
    }
    assert first not in others and len(others) == 3
    assert "fin-1" not in first and "event-1" not in first


def test_retries_back_off_and_keep_the_last_delay() -> None:
    delays = (1.0, 5.0, 30.0)
    waits = [d.retry_delay(n, delays).total_seconds() for n in (1, 2, 3, 4, 10)]
    assert waits == [1.0, 5.0, 30.0, 30.0, 30.0]


def test_an_old_event_tells_nobody() -> None:
    now = datetime(2026, 3, 10, tzinfo=UTC)
    assert d.fresh(now - timedelta(hours=71), now, timedelta(hours=72))
    assert not d.fresh(now - timedelta(hours=73), now, timedelta(hours=72))
