"""The strict schemas of the catalogue, and the suite's stream check built on them (rule 3): a
true, typed event passes; each kind of lie is named by subject, event id, field and problem,
never with the value."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import orjson
import pytest
from jsonschema import Draft202012Validator
from support.event_audit import Record, Violation, check_event, check_records, report

from shared.events import CATALOGUE, disbursement, intake, subjects
from shared.events.common import Item
from shared.events.envelope import EventData, new_event
from shared.events.strict import envelope_schema, strict_schemas

CASE = str(uuid.uuid4())
SAMPLES: dict[str, EventData] = {
    subjects.CASE_SUBMITTED: intake.CaseSubmitted(
        case_id=CASE,
        reference="VF-2026-000001",
        org_id="org-a",
        country="LB",
        urgency="emergency",
        items=[Item(item_id="i-1", category="medical", amount="1250.00", currency="CHF")],
        needs=intake.Needs(medical=True, legal=False),
        submitted_by="caseworker-a",
    ),
    subjects.PAYMENT_SCHEDULED: disbursement.PaymentScheduled(
        payment_id="p-1",
        case_id=CASE,
        grant_id="g-1",
        country="LB",
        payee_id="payee-1",
        amount="1250.00",
        currency="CHF",
        by_category=[disbursement.CategoryAmount(category="medical", amount="1250.00")],
    ),
}


def _event(subject: str) -> tuple[dict[str, Any], dict[str, str]]:
    event = new_event(
        subject, SAMPLES[subject], service=subject.split(".")[1], subject=CASE, actor="caseworker-a"
    )
    return orjson.loads(event.to_json()), {"Nats-Msg-Id": event.id}


def _check(subject: str, event: dict[str, Any], headers: dict[str, str]) -> list[Violation]:
    return check_event(subject, orjson.dumps(event), headers)


def test_every_catalogue_subject_has_a_valid_strict_schema() -> None:
    schemas = strict_schemas()
    assert set(schemas) == set(CATALOGUE)
    for subject, schema in schemas.items():
        Draft202012Validator.check_schema(schema)
        data = schema["properties"]["data"]
        assert data["additionalProperties"] is False, subject
        assert set(data["properties"]) == set(CATALOGUE[subject].model_fields), subject


@pytest.mark.parametrize("subject", SAMPLES)
def test_a_true_event_passes(subject: str) -> None:
    event, headers = _event(subject)
    assert _check(subject, event, headers) == []


def _set(event: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node: Any = event
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is ...:
        del node[last]
    else:
        node[last] = value


LIES: list[tuple[str, str, Any, str, str]] = [
    # subject, field, value written there, field named, problem named
    (subjects.PAYMENT_SCHEDULED, "data.grant_id", "None", "data.grant_id", "placeholder"),
    (subjects.PAYMENT_SCHEDULED, "data.grant_id", "null", "data.grant_id", "placeholder"),
    (subjects.PAYMENT_SCHEDULED, "data.payee_id", "None", "data.payee_id", "placeholder"),
    (subjects.PAYMENT_SCHEDULED, "data.grant_id", None, "data.grant_id", "null"),
    (subjects.PAYMENT_SCHEDULED, "data.grant_id", ..., "data.grant_id", "missing"),
    (subjects.PAYMENT_SCHEDULED, "data.grant_id", "", "data.grant_id", "empty string"),
    (subjects.PAYMENT_SCHEDULED, "data.grant_id", "g\x00-1", "data.grant_id", "control character"),
    (
        subjects.PAYMENT_SCHEDULED,
        "data.bank_reference",
        "ref\x1b[2J",
        "data.bank_reference",
        "control",
    ),
    (subjects.CASE_SUBMITTED, "subject", "case\x07", "subject", "control character"),
    (subjects.PAYMENT_SCHEDULED, "data.amount", "12.5.0", "data.amount", "does not match"),
    (subjects.PAYMENT_SCHEDULED, "data.amount", 1250, "data.amount", "not of type"),
    (subjects.PAYMENT_SCHEDULED, "data.currency", "XYZ", "data.currency", "not one of"),
    (subjects.PAYMENT_SCHEDULED, "data.currency", "chf", "data.currency", "not one of"),
    (
        subjects.PAYMENT_SCHEDULED,
        "data.by_category.0.category",
        "cash",
        "data.by_category.0.category",
        "not one of",
    ),
    (
        subjects.PAYMENT_SCHEDULED,
        "data.by_category.0.note",
        "x",
        "data.by_category.0.note",
        "does not name",
    ),
    (subjects.PAYMENT_SCHEDULED, "data.surprise", 1, "data.surprise", "does not name"),
    (subjects.CASE_SUBMITTED, "data.items.0.amount", None, "data.items.0.amount", "null"),
    (subjects.CASE_SUBMITTED, "data.needs.medical", "yes", "data.needs.medical", "not of type"),
    (subjects.CASE_SUBMITTED, "data.country", "None", "data.country", "placeholder"),
    (subjects.CASE_SUBMITTED, "source", "/vfund/assessment", "source", "must be"),
    (subjects.CASE_SUBMITTED, "type", "org.vfund.intake.case.submitted.v2", "type", "must be"),
    (subjects.CASE_SUBMITTED, "specversion", "0.3", "specversion", "must be"),
    (subjects.CASE_SUBMITTED, "id", "not-a-uuid", "id", "not a valid uuid"),
    (subjects.CASE_SUBMITTED, "time", "yesterday", "time", "RFC 3339"),
    (subjects.CASE_SUBMITTED, "actor", "None", "actor", "placeholder"),
    (subjects.CASE_SUBMITTED, "correlationid", ..., "correlationid", "missing"),
    (subjects.CASE_SUBMITTED, "victim", {"full_name": "x"}, "victim", "does not name"),
]


@pytest.mark.parametrize(
    ("subject", "path", "value", "field", "problem"),
    LIES,
    ids=[f"{s.split('.')[-1]}:{p}={v!r}" for s, p, v, _, _ in LIES],
)
def test_each_lie_is_named_by_field_and_problem_never_by_value(
    subject: str, path: str, value: Any, field: str, problem: str
) -> None:
    event, headers = _event(subject)
    _set(event, path, value)
    found = _check(subject, event, headers)
    assert any(v.field == field and problem in v.problem for v in found), found
    assert {v.event_id for v in found} == {event.get("id", "?")}
    text = report(found)
    if isinstance(value, str) and len(value) > 2:
        assert repr(value) not in text and f" {value} " not in text
    assert subject in text


def test_the_value_never_appears_even_when_it_is_personal() -> None:
    event, headers = _event(subjects.CASE_SUBMITTED)
    event["data"]["org_id"] = "SECRET-NAME-of-a-victim " * 3  # too long and not an id
    event["data"]["full_name"] = "SECRET-NAME-of-a-victim"
    found = _check(subjects.CASE_SUBMITTED, event, headers)
    assert found and "SECRET" not in report(found) and "SECRET" not in str(found)


def test_a_message_that_is_not_an_event_of_the_catalogue_is_named() -> None:
    event, headers = _event(subjects.CASE_SUBMITTED)
    assert _check("vfund.intake.case.invented", event, headers)[0].problem.startswith(
        "not a subject"
    )
    assert check_event(subjects.CASE_SUBMITTED, b"{nope", {})[0].problem == "not JSON"
    wrong_id = _check(subjects.CASE_SUBMITTED, event, {"Nats-Msg-Id": "other"})
    assert [v.field for v in wrong_id] == ["(Nats-Msg-Id)"]


def _record(seq: int, subject: str, event: Any, headers: dict[str, str]) -> Record:
    data = event if isinstance(event, bytes) else orjson.dumps(event)
    return Record(seq, subject, data, headers)


def test_the_stream_check_leaves_injected_events_out_and_accepts_only_their_dead_letters() -> None:
    good, good_headers = _event(subjects.CASE_SUBMITTED)
    bad = copy.deepcopy(good) | {"id": str(uuid.uuid4())}
    bad["data"]["country"] = None
    injected = {"Nats-Msg-Id": bad["id"], "Vfund-Test": "injected"}
    records = [
        _record(1, subjects.CASE_SUBMITTED, good, good_headers),
        _record(2, subjects.CASE_SUBMITTED, bad, injected),
        _record(
            3,
            "vfund.deadletter.assessment",
            bad,
            {
                "Vfund-Stream-Sequence": "2",
                "Vfund-Original-Subject": subjects.CASE_SUBMITTED,
                "Vfund-Error": "ValidationError",
            },
        ),
    ]
    assert check_records(records) == []
    unmarked = [
        records[0],
        _record(2, subjects.CASE_SUBMITTED, bad, {"Nats-Msg-Id": bad["id"]}),
        records[2],
    ]
    found = check_records(unmarked)
    assert {(v.field, v.problem.split(" ")[0]) for v in found} == {
        ("data.country", "null"),
        ("(event)", "dead-lettered"),
    }
    # An event of a story that an injected event began may be dead-lettered too.
    caused = copy.deepcopy(good) | {"id": str(uuid.uuid4()), "correlationid": bad["id"]}
    story = [
        records[1],
        _record(5, subjects.CASE_SUBMITTED, caused, {"Nats-Msg-Id": caused["id"]}),
        _record(6, "vfund.deadletter.intake", caused, {"Vfund-Stream-Sequence": "5"}),
    ]
    assert check_records(story) == []
    twice = check_records([records[0], _record(4, subjects.CASE_SUBMITTED, good, good_headers)])
    assert [v.problem for v in twice] == ["published twice in the stream"]


def test_every_catalogue_model_is_checked_by_its_own_schema() -> None:
    for subject in CATALOGUE:
        schema = envelope_schema(subject)
        assert schema["properties"]["type"]["const"].startswith("org.vfund.")
        assert schema["properties"]["source"]["const"] == f"/vfund/{subject.split('.')[1]}"
