"""Property: whatever case body the request schema admits, intake answers 201 or a 422 naming
the field (never a 500), and a case it accepts is taken downstream without a dead letter: by
assessment (its `case.submitted`) and by disbursement (an approval of every item it asked for,
the most an approval can hold)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
import pycountry
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from support import Api, stream_messages, wait_for
from support.assessment_probe import wait_known
from support.disbursement_probe import inject

from dev.stack import Stack
from services.intake.domain import bounds
from shared.events import subjects
from shared.events.assessment import CaseApproved
from shared.events.common import Item
from shared.events.envelope import new_event
from shared.events.intake import MAX_ITEMS
from shared.money import MAX_MINOR, MINOR_UNITS, from_minor
from shared.types import visible

TODAY = datetime.now(UTC).date()
COUNTRIES = sorted(c.alpha_2 for c in pycountry.countries)
CURRENCIES = sorted(MINOR_UNITS)
CATEGORIES = ["medical", "psychological", "social", "legal", "relocation"]
# What a person may type: any script, marks, joiners, bidi controls, emoji; never a control
# character or a lone surrogate (the schema refuses those, tests/e2e/hostile covers them).
TYPED = st.characters(blacklist_categories=("Cc", "Cs"))
ONE_LINE = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))


def _text(chars: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[str]:
    return st.text(chars, min_size=1, max_size=max_size).filter(lambda t: t.strip() != "")


def _largest_minor(currency: str) -> int:
    """The largest amount the wire format writes in this currency (12 integer digits), capped
    at the largest vfund accepts."""
    exponent = MINOR_UNITS[currency]
    return min(MAX_MINOR, (10**12) * 10**exponent - 1)


@st.composite
def amounts(draw: st.DrawFn) -> tuple[str, str]:
    currency = draw(st.sampled_from(CURRENCIES))
    top = _largest_minor(currency)
    minor = draw(st.integers(1, top) | st.sampled_from([1, top, top - 1]))
    return from_minor(minor, currency), currency


@st.composite
def items(draw: st.DrawFn) -> dict[str, Any]:
    amount, currency = draw(amounts())
    return {
        "category": draw(st.sampled_from(CATEGORIES)),
        "description": draw(_text(TYPED, 120)),
        "amount": amount,
        "currency": currency,
    }


def _days(first: date, last: date) -> st.SearchStrategy[str]:
    return st.dates(first, last).map(date.isoformat)


OPTIONAL_VICTIM = {
    "date_of_birth": _days(bounds.EARLIEST_BIRTH, TODAY),
    "sex": st.sampled_from(["female", "male", "other", "undisclosed"]),
    "nationality": st.sampled_from(COUNTRIES),
    "contact": _text(TYPED, 120),
}
BODIES = st.fixed_dictionaries(
    {
        "victim": st.fixed_dictionaries(
            {"full_name": _text(ONE_LINE, 60).filter(lambda n: visible(n.strip()))},
            optional=OPTIONAL_VICTIM,
        ),
        "country": st.sampled_from(COUNTRIES),
        "urgency": st.sampled_from(["emergency", "standard"]),
        "items": st.lists(items(), min_size=1, max_size=MAX_ITEMS),
        "facts": _text(TYPED, 300),
        "no_other_support": st.just(True),
        "consent": st.fixed_dictionaries(
            {
                "given": st.just(True),
                "date": _days(TODAY - timedelta(days=bounds.CONSENT_VALID_DAYS - 1), TODAY),
            }
        ),
    }
)


def _over_a_total(body: dict[str, Any]) -> bool:
    """Whether a currency's items sum past one amount (MAX_MINOR, 12 integer digits)."""
    totals: dict[str, Decimal] = {}
    for i in body["items"]:
        totals[i["currency"]] = totals.get(i["currency"], Decimal(0)) + Decimal(i["amount"])
    return any(
        total.scaleb(MINOR_UNITS[c]) > MAX_MINOR or total >= 10**12 for c, total in totals.items()
    )


def _extreme(amount: str, currency: str, count: int) -> dict[str, Any]:
    return {
        "victim": {"full_name": "\u202eExtreme\u202c Case \u200d\U0001f642"},
        "country": "LB",
        "urgency": "emergency",
        "items": [
            {"category": "medical", "description": "x", "amount": amount, "currency": currency}
        ]
        * count,
        "facts": "facts",
        "no_other_support": True,
        "consent": {"given": True, "date": TODAY.isoformat()},
    }


def _event_of(stack: Stack, subject: str, case_id: str) -> dict[str, Any] | None:
    for _, data, _ in stream_messages(stack.nats_url or "", subject):
        event: dict[str, Any] = orjson.loads(data)
        if event["subject"] == case_id:
            return event
    return None


def _dead_letters(stack: Stack, case_id: str) -> list[str]:
    """What was dead-lettered about the case: each event's type and the error that stopped it."""
    found = []
    for _, data, headers in stream_messages(stack.nats_url or "", "vfund.deadletter.>"):
        event = orjson.loads(data)
        if event.get("subject") == case_id:
            found.append(f"{event.get('type')}: {headers.get('Vfund-Error')}")
    return found


def _approve_everything(stack: Stack, submitted: dict[str, Any]) -> None:
    """An approval of every requested item at its requested amount, as assessment would say it."""
    data = submitted["data"]
    approval = CaseApproved(
        case_id=data["case_id"],
        org_id=data["org_id"],
        country=data["country"],
        urgency=data["urgency"],
        approved_items=[Item.model_validate(i) for i in data["items"]],
        decided_by=["manager-1", "manager-2"],
    )
    event = new_event(
        subjects.CASE_APPROVED,
        approval,
        service="assessment",
        subject=data["case_id"],
        actor="manager-2",
        correlation_id=submitted["correlationid"],
    )
    inject(stack, event, subjects.CASE_APPROVED)


@pytest.fixture(scope="module")
def downstream(api: Api) -> None:
    missing = {"assessment", "disbursement"} - set(api.stack.services)
    if missing:
        pytest.skip(f"{', '.join(sorted(missing))} not started in this session")


@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,  # the same bodies every run: a failure here is reproducible
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@example(_extreme("49999999999.99", "CHF", MAX_ITEMS))  # a total just within the bound
@example(_extreme("999999999999", "JPY", 1))  # the largest total, in 0 decimals
@example(_extreme("100000000000.0000", "CLF", 1))  # the largest amount, in 4 decimals
@example(_extreme("999999999999.99", "CHF", 2))  # past a case's total
@given(body=BODIES)
def test_admitted_bodies_are_answered_and_accepted_cases_flow_downstream(
    api: Api, stack: Stack, downstream: None, body: dict[str, Any]
) -> None:
    response = api.post(
        "intake",
        "/cases",
        user="caseworker-a",
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code < 500, response.text
    if _over_a_total(body):
        assert response.status_code == 422, response.text
        assert "body.items" in [e["field"] for e in response.json()["errors"]]
        return
    assert response.status_code == 201, response.text
    case_id = response.json()["case_id"]
    wait_known(api, case_id)  # assessment took the case.submitted
    submitted = wait_for(
        lambda: _event_of(stack, subjects.CASE_SUBMITTED, case_id), what="case.submitted"
    )
    assert [i["amount"] for i in submitted["data"]["items"]] == [i["amount"] for i in body["items"]]
    _approve_everything(stack, submitted)
    answered = _answered(stack, case_id)
    dead = _dead_letters(stack, case_id)
    assert not dead, (dead, body["items"])
    assert answered, "no answer from disbursement to the approval, and no dead letter"


def _answered(stack: Stack, case_id: str) -> dict[str, Any] | None:
    try:
        return wait_for(
            lambda: _event_of(stack, "vfund.disbursement.>", case_id),
            what="disbursement's answer to the approval",
        )
    except AssertionError:
        return None
