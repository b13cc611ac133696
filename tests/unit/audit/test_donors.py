"""What a donor may read of the log, decided from the log alone: a grant's donor is its first
grant entry's (forgeries after it change nothing), and a donor sees the entries behind their
grants' reports and nothing else."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from services.audit.domain import donors, queries
from services.audit.domain.reports import PAID, RELEASED, RESERVED, donor_report
from shared.events import subjects

CREATED, ADJUSTED = donors.GRANT_SUBJECTS
OTHER_TYPE = "org.vfund.disbursement.payment.batched.v1"


def grant_event(
    subject: str = CREATED, *, source: str = donors.DISBURSEMENT, **data: Any
) -> dict[str, Any]:
    kind = "org.vfund." + subject.removeprefix("vfund.") + ".v1"
    body = {"grant_id": "g1", "donor": "Hope Trust", "name": "Hope 2026", "currency": "CHF"}
    return {"type": kind, "source": source, "data": body | data}


def test_a_grants_donor_is_named_by_its_first_grant_entry() -> None:
    found = donors.grants_of([
        (4, CREATED, grant_event()),
        (9, ADJUSTED, grant_event(ADJUSTED, donor="Someone Else", name=None)),
        (12, CREATED, grant_event(donor="Someone Else")),
        (15, CREATED, grant_event(grant_id="g2", donor="Other Fund", currency="EUR")),
    ])  # fmt: skip
    assert found == {
        "g1": donors.Grant("g1", "Hope Trust", 4, "Hope 2026", "CHF"),
        "g2": donors.Grant("g2", "Other Fund", 15, "Hope 2026", "EUR"),
    }
    assert donors.donor_grants(found, "Hope Trust") == {"g1"}
    assert donors.donor_grants(found, "Someone Else") == frozenset()
    assert donors.donor_grants(found, "hope trust") == frozenset(), "names match as written"


def test_an_adjustment_before_the_creation_names_the_donor_and_the_creation_the_rest() -> None:
    found = donors.grants_of([
        (2, ADJUSTED, grant_event(ADJUSTED, name=None, currency=None)),
        (3, CREATED, grant_event()),
    ])  # fmt: skip
    assert found["g1"] == donors.Grant("g1", "Hope Trust", 2, "Hope 2026", "CHF")


@pytest.mark.parametrize(
    ("nats_subject", "event"),
    [
        ("vfund.intake.case.submitted", grant_event()),  # the type says grant, the subject not
        (CREATED, grant_event(source="/vfund/intake")),
        (CREATED, grant_event() | {"type": OTHER_TYPE}),
        (CREATED, grant_event(grant_id=7)),
        (CREATED, grant_event(grant_id="")),
        (CREATED, grant_event(donor=["Hope Trust"])),
        (CREATED, grant_event(donor="")),
        (CREATED, grant_event() | {"data": "Hope Trust"}),
        (CREATED, {"type": grant_event()["type"], "source": donors.DISBURSEMENT}),
    ],
)
def test_what_is_not_the_disbursement_services_grant_entry_names_no_donor(
    nats_subject: str, event: dict[str, Any]
) -> None:
    assert donors.grants_of([(0, nats_subject, event)]) == {}
    # and a real entry after it is the first
    real = donors.grants_of([(0, nats_subject, event), (1, CREATED, grant_event(donor="Real"))])
    assert real["g1"].donor == "Real"


SCOPE = donors.Scope("Hope Trust", frozenset({"g1"}), frozenset({"case-1"}))
SUBMITTED = donors.SUBMITTED


@pytest.mark.parametrize(
    ("event_type", "grant_id", "subject", "seen"),
    [
        (RESERVED, "g1", "case-1", True),
        (RELEASED, "g1", "case-9", True),
        (PAID, "g1", "case-1", True),
        (RESERVED, "g2", "case-1", False),
        (PAID, None, "case-1", False),
        (SUBMITTED, None, "case-1", True),
        (SUBMITTED, "g2", "case-1", True),  # a submission is about its case, whatever it says
        (SUBMITTED, None, "case-2", False),
        (donors.GRANT_TYPES[0], "g1", "g1", False),  # not behind a figure
        (OTHER_TYPE, "g1", "case-1", False),
        ("org.vfund.intake.case.personal_data_accessed.v1", None, "case-1", False),
    ],
)
def test_a_donor_sees_only_the_entries_behind_their_reports(
    event_type: str, grant_id: str | None, subject: str, seen: bool
) -> None:
    assert SCOPE.sees_entry(event_type=event_type, grant_id=grant_id, subject=subject) is seen
    assert donors.EVERYTHING.sees_entry(event_type=event_type, grant_id=grant_id, subject=subject)


def test_a_donor_sees_their_grants_only_and_an_auditor_every_grant() -> None:
    assert SCOPE.sees_grant("g1") and not SCOPE.sees_grant("g2")
    assert donors.EVERYTHING.sees_grant("g2") and donors.EVERYTHING.everything
    assert not SCOPE.everything
    nobody = donors.Scope("No Grants")
    assert not nobody.sees_grant("g1")
    assert not nobody.sees_entry(event_type=SUBMITTED, grant_id=None, subject="case-1")


def test_the_cases_a_grant_paid_are_those_its_payments_name() -> None:
    entries = [
        (1, {"type": RESERVED, "data": {"case_id": "c-reserved"}}),
        (2, {"type": PAID, "data": {"case_id": "c-paid"}}),
        (3, {"type": PAID, "data": {"case_id": 5}}),
        (4, {"type": PAID, "data": "c-x"}),
        (5, {"type": PAID, "data": {"case_id": ""}}),
    ]
    assert donors.paid_cases(entries) == {"c-paid"}


@pytest.mark.parametrize(
    ("event", "has"),
    [
        ({"data": {"case_id": "c"}}, True),
        ({"data": {"case_id": 0}}, True),
        ({"data": {"case_id": None}}, False),
        ({"data": {}}, False),
        ({"data": ["case_id"]}, False),
        ({}, False),
    ],
)
def test_an_entry_counts_only_when_it_names_its_case(event: dict[str, Any], has: bool) -> None:
    assert donors.has_case(event) is has


def test_shares_beyond_the_amount_make_an_entry_unreadable_never_a_negative_figure() -> None:
    event = {
        "type": RESERVED,
        "time": "2026-01-02T00:00:00Z",
        "data": {"currency": "CHF", "grant_id": "g1", "case_id": "c", "country": "KE",
                 "amount": "100.00", "by_category": [{"category": "medical", "amount": "200.00"}]},
    }  # fmt: skip
    report = donor_report([(3, event)])
    assert report.unreadable == [3] and not report.cells


@pytest.mark.parametrize(
    ("start", "end", "bounds"),
    [
        (None, None, (None, None)),
        (
            date(2026, 2, 1),
            date(2026, 2, 28),
            (datetime(2026, 2, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC)),
        ),
        (date.min, date.max, (datetime(1, 1, 1, tzinfo=UTC), None)),
    ],
)
def test_a_period_of_days_is_the_instants_from_its_first_day_to_after_its_last(
    start: date | None, end: date | None, bounds: tuple[datetime | None, datetime | None]
) -> None:
    assert queries.day_bounds(start, end) == bounds


def test_the_grant_subjects_are_the_catalogues() -> None:
    assert donors.GRANT_SUBJECTS == (subjects.GRANT_CREATED, subjects.GRANT_ADJUSTED)
