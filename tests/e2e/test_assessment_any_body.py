"""Property, on the running services: whatever assessment and decision bodies are sent, the
assessment API never answers 500 (nor 503), and an approval it accepts is taken up downstream
without a dead letter: disbursement reserves it or waits for budget, intake shows it approved.

Cases go in through intake's API (so intake knows them); the bodies mix what a careful user
sends with what a careless or hostile one does: every currency's extremes, control characters
and lone surrogates in the texts, unknown items, amounts above what was requested."""

from __future__ import annotations

import json
import os
from functools import partial
from typing import Any

import httpx
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from support import Api, stream_messages, wait_for, wait_quiet
from support.assessment_probe import events_on, intake_status, reviewed, wait_known
from support.factories import case_body

from dev.stack import Stack
from shared.money import MAX_MINOR, MINOR_UNITS, from_minor

EXAMPLES = int(os.environ.get("VFUND_ASSESSMENT_PROPERTY_EXAMPLES", "25"))
CURRENCIES = ["CHF", "EUR", "USD", "JPY", "XOF", "KWD", "CLF", "PEN"]
CATEGORIES = ["social", "relocation", "medical", "psychological", "legal"]
REASONS = ["outside_mandate", "insufficient_evidence", "duplicate", "incomplete", "budget_policy"]
AFTER_APPROVAL = {"approved", "awaiting_funds", "awaiting_payment", "payment_scheduled", "paid"}


def _largest(currency: str) -> int:
    """The largest amount of the currency in minor units: 12 integer digits, and MAX_MINOR."""
    return min(MAX_MINOR, 10 ** (12 + MINOR_UNITS[currency]) - 1)


def minor_units(currency: str) -> st.SearchStrategy[int]:
    top = _largest(currency)
    return st.one_of(
        st.sampled_from([1, 100, 150_000, top, top - 1]),
        st.integers(1, 10_000_000),
        st.integers(1, top),
    )


requested = st.sampled_from(CURRENCIES).flatmap(
    lambda c: st.tuples(st.sampled_from(CATEGORIES), minor_units(c), st.just(c))
)
hostile_text = st.one_of(
    st.text(max_size=40),
    st.text(st.characters(codec="utf-8", categories=["Cc", "Cf", "Zs", "Lo"]), max_size=20),
    st.sampled_from(["", "   ", "\u200b\u200b\u200b", "ok\x00", "Plan agreed.", "\ud800 half"]),
)


def amount_text(minor: int, currency: str) -> str:
    return from_minor(minor, currency)


def fair(item_id: str, minor: int, currency: str) -> st.SearchStrategy[dict[str, Any]]:
    """Up to what was requested: all of it, the least, or anything in between."""
    share = st.one_of(st.just(minor), st.just(1), st.integers(1, minor))
    return share.map(
        lambda m: {"item_id": item_id, "amount": amount_text(m, currency), "currency": currency}
    )


def odd(item_id: str, currency: str) -> st.SearchStrategy[dict[str, Any]]:
    """Anything at all: above the request, unknown items, wrong currencies, junk amounts."""
    return st.fixed_dictionaries(
        {
            "item_id": st.sampled_from([item_id, "item-9", "", "x" * 70]),
            "amount": st.one_of(
                minor_units(currency).map(lambda m: amount_text(m, currency)),
                st.sampled_from(["0", "0.00", "-1", "1e5", "1" * 13, "12.345678"]),
            ),
            "currency": st.sampled_from([currency, "XAU", "chf", "EURO"]),
        }
    )


def lines(items: list[tuple[str, int, str]]) -> st.SearchStrategy[list[dict[str, Any]]]:
    """Mostly each of some items once at a fair amount; sometimes a list with odd lines in it."""
    n = len(items)
    chosen = st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True)
    fair_lines = chosen.flatmap(
        lambda picks: st.tuples(*[fair(f"item-{i + 1}", items[i][1], items[i][2]) for i in picks])
    ).map(list)
    odd_lines = st.lists(
        st.integers(0, n - 1).flatmap(
            lambda i: st.one_of(
                fair(f"item-{i + 1}", items[i][1], items[i][2]), odd(f"item-{i + 1}", items[i][2])
            )
        ),
        max_size=n + 1,
    )
    return st.one_of(fair_lines, fair_lines, fair_lines, odd_lines)


def bodies(items: list[tuple[str, int, str]]) -> st.SearchStrategy[dict[str, Any]]:
    assessment = st.fixed_dictionaries(
        {
            "recommendation": st.sampled_from(["support", "decline", "more_information", "yes"]),
            "recommended_items": lines(items),
            "notes": hostile_text,
        },
        optional={"exceeding_reason": st.one_of(st.none(), hostile_text)},
    )
    approve = st.fixed_dictionaries(
        {"decision": st.just("approve"), "approved_items": lines(items)},
        optional={"reason_code": st.sampled_from([None, "duplicate"])},
    )
    reject = st.fixed_dictionaries(
        {"decision": st.just("reject"), "reason_code": st.sampled_from([*REASONS, "None", ""])},
        optional={"approved_items": lines(items)},
    )
    return st.fixed_dictionaries(
        {"assessment": assessment, "decision": st.one_of(approve, approve, reject)}
    )


scenario = st.tuples(
    st.sampled_from(["standard", "emergency"]),
    st.lists(requested, min_size=1, max_size=3),
).flatmap(lambda s: st.tuples(st.just(s[0]), st.just(s[1]), bodies(s[1])))


def send(api: Api, path: str, user: str, body: Any, etag: str | None = None) -> httpx.Response:
    """The body as JSON text (lone surrogates escaped, as a JSON client may send them)."""
    headers = {"Content-Type": "application/json"} | ({"If-Match": etag} if etag else {})
    response = api.post("assessment", path, user=user, content=json.dumps(body), headers=headers)
    assert response.status_code < 500, (path, response.status_code, response.text)
    if response.status_code >= 400:
        assert response.headers["content-type"].startswith("application/problem+json")
    return response


def play(
    api: Api, urgency: str, items: list[tuple[str, int, str]], sent: dict[str, Any]
) -> tuple[str, bool] | None:
    """One case through intake, its assessments and a decision: its id, and whether approved
    (None when intake refused the case)."""
    submitted = api.post(
        "intake",
        "/cases",
        user="caseworker-a",
        json=case_body(
            urgency=urgency,
            items=[
                {
                    "category": c,
                    "description": "aid",
                    "amount": amount_text(m, cur),
                    "currency": cur,
                }
                for c, m, cur in items
            ],
        ),
    )
    assert submitted.status_code < 500, submitted.text
    if submitted.status_code != 201:
        return None  # intake's bounds: not this service's part
    case_id = str(submitted.json()["case_id"])
    case = wait_known(api, case_id)
    full = [
        {"item_id": i["item_id"], "amount": i["amount"], "currency": i["currency"]}
        for i in case["items"]
    ]
    for kind in case["needs"]["required"]:
        path = f"/cases/{case_id}/{kind}-assessment"
        assessed = send(api, path, f"{kind}-1", sent["assessment"])
        if assessed.status_code != 201 or kind in assessed.json()["needs"]["missing"]:
            fair = {"recommendation": "support", "recommended_items": full}
            assert send(api, path, f"{kind}-1", fair).status_code == 201
    path = f"/cases/{case_id}/decision"
    decided = send(api, path, "manager-1", sent["decision"])
    if decided.status_code == 202:
        seen = reviewed(api, case_id, "manager-2")
        decided = send(api, path, "manager-2", sent["decision"], etag=seen)
        assert decided.status_code == 200, decided.text
    return case_id, decided.status_code == 200 and decided.json()["status"] == "approved"


def taken_up(stack: Stack, case_id: str) -> bool:
    """Disbursement reserved the approval, or keeps it waiting for budget: it has its event."""
    return bool(
        events_on(stack, "vfund.disbursement.budget.>", case_id)
        or events_on(stack, "vfund.disbursement.payment.>", case_id)
    )


def test_accepted_bodies_never_fail_and_approvals_never_dead_letter(api: Api, stack: Stack) -> None:
    played: dict[str, bool] = {}

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking on running services
        suppress_health_check=list(HealthCheck),
    )
    @given(scenario)
    def one(s: tuple[str, list[tuple[str, int, str]], dict[str, Any]]) -> None:
        outcome = play(api, *s)
        if outcome is not None:
            played[outcome[0]] = outcome[1]

    one()
    approved = [case_id for case_id, yes in played.items() if yes]
    assert approved, "no example reached an approval: the property would hold vacuously"
    wait_quiet(stack.nats_url or "", timeout=90)
    for case_id in approved:
        wait_for(partial(taken_up, stack, case_id), timeout=30, what="disbursement to take it up")
        wait_for(
            partial(lambda c: intake_status(api, c) in AFTER_APPROVAL, case_id),
            timeout=30,
            what="intake to show the case approved",
        )
    dead = [
        (subject, _case_of(data))
        for subject, data, _ in stream_messages(stack.nats_url or "", "vfund.deadletter.>")
    ]
    assert not [d for d in dead if d[1] in played], dead


def _case_of(data: bytes) -> object:
    """The subject of a dead-lettered event; None for one no reader can parse (other tests
    dead-letter unparsable and too deeply nested events on purpose)."""
    try:
        event = json.loads(data)
    except (ValueError, RecursionError):
        return None
    return event.get("subject") if isinstance(event, dict) else None
