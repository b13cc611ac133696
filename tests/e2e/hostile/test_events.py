"""Hostile events (issue 15, rule 3): what a service publishes is checked against the strict
catalogue, and what reaches a consumer untrue or untyped is dead-lettered at once, applied
nowhere, while the consumer goes on. Injected events carry the test mark (support.publish),
so the session's own stream check accepts their dead letters."""

from __future__ import annotations

import contextlib
import copy
import uuid
from collections.abc import Callable
from typing import Any

import orjson
import pytest
from support import (
    Api,
    fingerprint,
    publish,
    settled_fingerprint,
    stream_messages,
    wait_for,
    wait_quiet,
)
from support.event_audit import check_event, report
from support.factories import case_body

from dev.stack import Stack
from shared.events import subjects
from shared.events.assessment import CaseApproved
from shared.events.common import Item
from shared.events.disbursement import CategoryAmount, PaymentScheduled
from shared.events.envelope import EventData, new_event
from shared.events.intake import CaseSubmitted, Needs

Event = dict[str, Any]


def _base(subject: str, data: EventData, case_id: str) -> Event:
    service = subject.split(".")[1]
    event = new_event(subject, data, service=service, subject=case_id, actor=f"{service}-test")
    parsed: Event = orjson.loads(event.to_json())
    return parsed


def submitted(case_id: str) -> Event:
    item = Item(item_id="i-1", category="medical", amount="100.00", currency="CHF")
    data = CaseSubmitted(
        case_id=case_id, reference="VF-2026-999999", org_id="org-a", country="LB",
        urgency="standard", items=[item], needs=Needs(medical=True, legal=False),
        submitted_by="caseworker-a",
    )  # fmt: skip
    return _base(subjects.CASE_SUBMITTED, data, case_id)


def approved(case_id: str) -> Event:
    item = Item(item_id="i-1", category="medical", amount="100.00", currency="CHF")
    data = CaseApproved(
        case_id=case_id, org_id="org-a", country="LB", urgency="standard",
        approved_items=[item], decided_by=["manager-1"],
    )  # fmt: skip
    return _base(subjects.CASE_APPROVED, data, case_id)


def scheduled(case_id: str) -> Event:
    data = PaymentScheduled(
        payment_id=f"p-{case_id[:8]}", case_id=case_id, grant_id="g-1", country="LB",
        payee_id="payee-1", amount="100.00", currency="CHF",
        by_category=[CategoryAmount(category="medical", amount="100.00")],
    )  # fmt: skip
    return _base(subjects.PAYMENT_SCHEDULED, data, case_id)


def _set(path: str, value: Any) -> Callable[[Event], Event]:
    def change(event: Event) -> Event:
        node: Any = event
        *parents, last = path.split(".")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is ...:
            del node[last]
        else:
            node[last] = value
        return event

    return change


# Each: the change that makes the event a lie, for each consumer's subject (target service).
# Every lie keeps `id`, `subject` and `data` as an object with its `case_id` key, so that other
# tests reading the same subjects by those keys are not thrown by it.
LIES: dict[str, Callable[[Event], Event]] = {
    "specversion 0.3": _set("specversion", "0.3"),
    "id empty": _set("id", ""),
    "id of 65 characters": _set("id", "e" * 65),
    "time not a time": _set("time", "yesterday"),
    "no time": _set("time", ...),
    "case_id null": _set("data.case_id", None),
    "case_id a number": _set("data.case_id", 7),
    "case_id with a NUL": _set("data.case_id", "abc\x00def"),
    "case_id with an escape sequence": _set("data.case_id", "\x1b[2Jabc"),
    "case_id of 65 characters": _set("data.case_id", "c" * 65),
    "country None": _set("data.country", "None"),
    "country null": _set("data.country", None),
}
NINETEEN_DIGITS = "9999999999999999999"
AMOUNT_LIES: dict[str, Callable[[Event], Event]] = {
    "amount of 19 digits": lambda e: _amount(e, NINETEEN_DIGITS),
    "amount negative": lambda e: _amount(e, "-5.00"),
    "amount as a number": lambda e: _amount(e, 5),
    "amount in Arabic-Indic digits": lambda e: _amount(e, "\u0661\u0660\u0660"),
    "currency unknown": lambda e: _amount(e, "100.00", "XYZ"),
    "currency lower case": lambda e: _amount(e, "100.00", "chf"),
}
TARGETS: dict[str, tuple[str, Callable[[str], Event]]] = {
    "assessment": (subjects.CASE_SUBMITTED, submitted),
    "disbursement": (subjects.CASE_APPROVED, approved),
    "intake": (subjects.PAYMENT_SCHEDULED, scheduled),
}


def _amount(event: Event, amount: Any, currency: str = "CHF") -> Event:
    data = event["data"]
    for key in ("items", "approved_items"):
        if key in data:
            data[key][0]["amount"], data[key][0]["currency"] = amount, currency
            return event
    data["amount"], data["currency"] = amount, currency
    return event


def _dead_letters(stack: Stack, service: str) -> dict[int, str]:
    """The stream sequence of each event the service dead-lettered, with its deliveries."""
    return {
        int(headers.get("Vfund-Stream-Sequence", "0")): headers.get("Vfund-Deliveries", "?")
        for _, _, headers in stream_messages(stack.nats_url or "", f"vfund.deadletter.{service}")
    }


def _known_case(api: Api, stack: Stack, target: str) -> str | None:
    """Intake applies an event only to a case it knows (and asks again later for others): its
    lies are about a real case, so that applying one would show."""
    if target != "intake":
        return None
    created = api.post("intake", "/cases", user="caseworker-a", json=case_body())
    assert created.status_code == 201
    return str(created.json()["case_id"])


@pytest.mark.parametrize("target", TARGETS)
def test_untrue_or_untyped_events_are_dead_lettered_at_once_and_applied_nowhere(
    api: Api, stack: Stack, target: str
) -> None:
    if target not in stack.services:
        pytest.skip(f"{target} is not running")
    subject, make = TARGETS[target]
    case_id = _known_case(api, stack, target)
    before = settled_fingerprint(stack, target)
    published: dict[int, str] = {}
    for name, lie in (LIES | AMOUNT_LIES).items():
        event = lie(make(case_id or str(uuid.uuid4())))
        published[publish(stack.nats_url or "", subject, orjson.dumps(event))] = name
    # Poison is dead-lettered at its first delivery: within the consumer's first pulls.
    with contextlib.suppress(AssertionError):
        wait_for(lambda: set(published) <= set(_dead_letters(stack, target)), timeout=20)
    letters = _dead_letters(stack, target)
    wait_quiet(stack.nats_url or "")
    after = fingerprint(stack, target)
    changed = {
        k: (before.get(k), after.get(k)) for k in before | after if before.get(k) != after.get(k)
    }
    missing = sorted(name for seq, name in published.items() if seq not in letters)
    retried = sorted(name for seq, name in published.items() if letters.get(seq, "1") != "1")
    assert not changed and not missing and not retried, (
        f"{target} applied: {changed}; not dead-lettered: {missing}; retried first: {retried}"
    )


def test_the_consumers_go_on_after_hostile_events(api: Api, stack: Stack) -> None:
    created = api.post("intake", "/cases", user="caseworker-a", json=case_body())
    assert created.status_code == 201
    case_id = created.json()["case_id"]
    wait_for(
        lambda: api.get("assessment", f"/cases/{case_id}", user="manager-1").status_code == 200,
        what="a real case reaching assessment after the hostile events",
    )


def test_the_stream_check_names_each_lie_in_a_real_event_of_this_session(
    api: Api, stack: Stack
) -> None:
    """The session's check reads real events: one a service published here, made into a lie
    in each way, is named each time; as published, it passes."""
    created = api.post("intake", "/cases", user="caseworker-a", json=case_body())
    case_id = created.json()["case_id"]

    def published() -> tuple[bytes, dict[str, str]] | None:
        for _, data, headers in stream_messages(stack.nats_url or "", subjects.CASE_SUBMITTED):
            if "Vfund-Test" in headers:
                continue  # a lie injected by another test
            if orjson.loads(data)["data"]["case_id"] == case_id:
                return data, headers
        return None

    data, headers = wait_for(published, what="the case's submitted event")
    assert check_event(subjects.CASE_SUBMITTED, data, headers) == []
    real: Event = orjson.loads(data)
    for name, lie in {**LIES, **AMOUNT_LIES, "a field more": _set("data.extra", 1)}.items():
        changed = orjson.dumps(lie(copy.deepcopy(real)))
        found = check_event(subjects.CASE_SUBMITTED, changed, headers)
        assert found, name
        text = report(found)
        assert "\x00" not in text and NINETEEN_DIGITS not in text, name
