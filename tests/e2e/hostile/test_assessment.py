"""Hostile requests to the assessment service, by rule of issue 15 (2, 3 and 4): each is refused
with a 4xx problem, and nothing changes: the case keeps its version, no event is published
about it. The cases that lead to a refusal are made once per module and shared."""

from __future__ import annotations

import base64
import threading
from typing import Any

import httpx
import orjson
import pytest
from support import Api, assert_problem
from support.assessment_probe import (
    assess,
    case_events,
    decide,
    inject_case,
    nothing_changes,
    ratify,
    read,
    reviewed,
    submit,
)
from support.factories import item

from dev.stack import Stack
from shared.events import CATALOGUE, subjects

SIX_THOUSAND = {"item_id": "item-1", "amount": "6000.00", "currency": "CHF"}
FAST = {"item_id": "item-1", "amount": "1500.00", "currency": "CHF"}


def post(api: Api, case_id: str, path: str, user: str, **kw: Any) -> httpx.Response:
    return api.post("assessment", f"/cases/{case_id}/{path}", user=user, **kw)


def problem(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    """A 4xx problem; for a 422, the field it names (never the offending value)."""
    body = assert_problem(response, status)
    if field is not None:
        named = [e["field"] for e in body.get("errors", [])]
        assert any(field in f for f in named), (field, named)
    return body


# --- rule 2: what a second person confirms is what they saw ---------------------------------------


@pytest.fixture(scope="module")
def pending(api: Api) -> tuple[str, str]:
    """A case whose first approval waits for a second (6,000 CHF): its id, and the ETag it had
    before the first approval (stale since)."""
    case_id = submit(api, item("social", "6000.00"))
    before = reviewed(api, case_id, "manager-1")
    first = decide(api, case_id, "manager-1", decision="approve", approved_items=[SIX_THOUSAND])
    assert first.status_code == 202, first.text
    return case_id, before


@pytest.fixture(scope="module")
def fast_tracked(api: Api) -> tuple[str, str]:
    """An emergency approval that took effect at once and awaits its ratification."""
    case_id = submit(api, item("social", "1500.00"), urgency="emergency")
    before = reviewed(api, case_id, "manager-1")
    approved = decide(api, case_id, "manager-1", decision="approve", approved_items=[FAST])
    assert approved.status_code == 200, approved.text
    assert approved.json()["decision"]["outcome"]["fast_track"] is True
    return case_id, before


CONFIRMATIONS = [
    # (If-Match sent, status, problem type): "stale" stands for the ETag before the first decision
    (None, 428, "if-match-required"),
    ("*", 428, "if-match-required"),  # "whatever it is now" names no version reviewed
    ("*, *", 428, "if-match-required"),
    ("stale", 412, "version-mismatch"),
    ("W/stale", 412, "version-mismatch"),
    ('"999"', 412, "version-mismatch"),
    ("not-an-etag", 412, "version-mismatch"),
]
IDS = ["none", "star", "star-list", "stale", "weak-stale", "unknown", "garbage"]


def _if_match(sent: str | None, stale: str) -> dict[str, str]:
    if sent is None:
        return {}
    return {"If-Match": sent.replace("stale", stale)}


@pytest.mark.parametrize(("sent", "status", "code"), CONFIRMATIONS, ids=IDS)
def test_a_second_approval_names_the_version_reviewed(
    api: Api, stack: Stack, pending: tuple[str, str], sent: str | None, status: int, code: str
) -> None:
    case_id, stale = pending
    with nothing_changes(api, stack, case_id):
        response = post(
            api,
            case_id,
            "decision",
            "manager-2",
            json={"decision": "approve", "approved_items": [SIX_THOUSAND]},
            headers=_if_match(sent, stale),
        )
        assert code in problem(response, status)["type"]
    assert read(api, case_id)["status"] == "pending_second_approval"


@pytest.mark.parametrize(("sent", "status", "code"), CONFIRMATIONS, ids=IDS)
def test_a_ratification_names_the_version_reviewed(
    api: Api, stack: Stack, fast_tracked: tuple[str, str], sent: str | None, status: int, code: str
) -> None:
    case_id, stale = fast_tracked
    with nothing_changes(api, stack, case_id):
        response = post(api, case_id, "ratification", "manager-2", headers=_if_match(sent, stale))
        assert code in problem(response, status)["type"]
    assert read(api, case_id)["decision"]["ratification"]["ratified_by"] is None


def test_two_second_approvals_of_the_same_version_confirm_once(api: Api, stack: Stack) -> None:
    case_id = submit(api, item("social", "6000.00"))
    first = decide(api, case_id, "manager-1", decision="approve", approved_items=[SIX_THOUSAND])
    assert first.status_code == 202, first.text
    seen = reviewed(api, case_id, "manager-2")
    answers: list[int] = []

    def second() -> None:
        response = decide(
            api, case_id, "manager-2", decision="approve", approved_items=[SIX_THOUSAND], etag=seen
        )
        answers.append(response.status_code)

    racers = [threading.Thread(target=second) for _ in range(3)]
    for racer in racers:
        racer.start()
    for racer in racers:
        racer.join()
    assert sorted(answers) == [200, 412, 412]
    approved = [e for e in case_events(stack, case_id) if e["type"].endswith("case.approved.v1")]
    assert len(approved) == 1
    assert approved[0]["data"]["decided_by"] == ["manager-1", "manager-2"]


# --- rule 3: every event is true and typed ----------------------------------------------------------


@pytest.fixture(scope="module")
def awaiting(api: Api) -> str:
    """A social case awaiting its decision: no assessment is needed."""
    return submit(api, item("social", "800.00"))


@pytest.mark.parametrize(
    ("path", "body", "status", "field"),
    [
        ("decision", {"decision": "reject"}, 422, None),
        ("decision", {"decision": "reject", "reason_code": None}, 422, None),
        ("decision", {"decision": "reject", "reason_code": "None"}, 422, "reason_code"),
        ("decision", {"decision": "reject", "reason_code": ""}, 422, "reason_code"),
        ("decision", {"decision": "approve", "approved_items": []}, 422, None),
        ("decision", {"decision": "approve", "approved_items": None}, 422, "approved_items"),
        (
            "decision",
            {"decision": "approve", "reason_code": "duplicate", "approved_items": [FAST]},
            422,
            None,
        ),
        (
            "decision",
            {"decision": "reject", "reason_code": "duplicate", "approved_items": [FAST]},
            422,
            None,
        ),
        ("decision", {"decision": None}, 422, "decision"),
        ("information-requests", {"question_category": "None"}, 422, "question_category"),
        ("information-requests", {"question_category": None}, 422, "question_category"),
        ("review-requests", {"kind": "None"}, 422, "kind"),
    ],
    ids=[
        "reject-without-reason",
        "reject-null-reason",
        "reject-reason-None",
        "reject-empty-reason",
        "approve-nothing",
        "approve-null-items",
        "approve-with-reason",
        "reject-with-items",
        "null-decision",
        "question-None",
        "question-null",
        "review-kind-None",
    ],
)
def test_no_placeholder_or_null_reaches_an_event(
    api: Api,
    stack: Stack,
    awaiting: str,
    path: str,
    body: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    user = "manager-1" if path == "decision" else "legal-1"
    with nothing_changes(api, stack, awaiting):
        problem(post(api, awaiting, path, user, json=body), status, field)


NULLABLE = {(subjects.APPROVAL_PENDING, "total_chf")}  # null: a currency without a known rate


def test_every_event_of_the_assessment_flows_is_true_and_typed(api: Api, stack: Stack) -> None:
    """Each kind of decision and request, and the events they cause, read against the catalogue:
    every field the model names is there, no other, no "None" text, null only where allowed."""
    unknown_rate = submit(api, item("social", "900.00", "PEN"))
    assert (
        decide(
            api,
            unknown_rate,
            "manager-1",
            decision="approve",
            approved_items=[{"item_id": "item-1", "amount": "900.00", "currency": "PEN"}],
        ).status_code
        == 202
    )
    rejected = submit(api, item("social", "100.00"))
    assert (
        decide(
            api, rejected, "manager-2", decision="reject", reason_code="budget_policy"
        ).status_code
        == 200
    )
    fast = submit(api, item("relocation", "1000.00"), urgency="emergency")
    done = decide(
        api,
        fast,
        "manager-1",
        decision="approve",
        approved_items=[{"item_id": "item-1", "amount": "1000.00", "currency": "CHF"}],
    )
    assert done.status_code == 200, done.text
    assert ratify(api, fast, "manager-2", etag=done.headers["ETag"]).status_code == 200
    assessed = submit(api, item("medical", "700.00"), item("legal", "300.00"))
    assert assess(api, assessed, "medical", recommendation="decline").status_code == 201
    question = {"question_category": "legal_documents"}
    asked = post(api, assessed, "information-requests", "legal-1", json=question)
    assert asked.status_code == 201, asked.text
    reviewed_case = submit(api, item("social", "200.00"))
    assert post(api, reviewed_case, "review-requests", "medical-1", json={}).status_code == 201

    events = [
        e
        for case_id in (unknown_rate, rejected, fast, assessed, reviewed_case)
        for e in case_events(stack, case_id)
    ]
    kinds = {e["type"].removeprefix("org.vfund.assessment.").removesuffix(".v1") for e in events}
    assert kinds == {
        "case.approval_pending",
        "case.rejected",
        "case.approved",
        "case.ratified",
        "medical.completed",
        "case.information_requested",
        "case.review_requested",
    }
    for event in events:
        subject = "vfund." + event["type"].removeprefix("org.vfund.").removesuffix(".v1")
        model = CATALOGUE[subject]
        data = event["data"]
        assert set(data) == set(model.model_fields), (subject, set(data) ^ set(model.model_fields))
        model.model_validate(data)
        for name, value in data.items():
            assert value != "None", (subject, name)
            assert value is not None or (subject, name) in NULLABLE, (subject, name)
    pending = next(e for e in events if e["subject"] == unknown_rate)
    assert pending["data"]["total_chf"] is None


# --- rule 4: bounds everywhere, 4xx never 500 -------------------------------------------------------


@pytest.fixture(scope="module")
def medical(api: Api) -> str:
    """A case waiting for its medical assessment: 1.0000 CLF (a currency of 4 decimals)."""
    return inject_case(api, ("medical", "1.0000", "CLF"), ("psychological", "2.0000", "CLF"))


LINE = {"item_id": "item-1", "amount": "0.5000", "currency": "CLF"}
TOP = "99999999999.9999"  # each is money (just under 10^15 minor units); two are not


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"notes": "pain since \x00 the arrest"}, "notes"),
        ({"notes": "colour \x1b[31m codes"}, "notes"),
        ({"notes": "delete \x7f"}, "notes"),
        ({"notes": "C1 \x9b control"}, "notes"),
        ({"notes": "bell \x07"}, "notes"),
        ({"notes": "x" * 10_001}, "notes"),
        ({"exceeding_reason": "\u200b\u200b\u200b\u200b"}, "exceeding_reason"),
        ({"exceeding_reason": "\u3164\u3164\u3164"}, "exceeding_reason"),
        ({"exceeding_reason": "ok \x00 then"}, "exceeding_reason"),
        ({"recommended_items": [LINE] * 51}, "recommended_items"),
        ({"recommended_items": [LINE | {"amount": "1234567890123.0000"}]}, "amount"),
        ({"recommended_items": [LINE | {"amount": "1234567890123456789"}]}, "amount"),
        ({"recommended_items": [LINE | {"amount": "1e3"}]}, "amount"),
        ({"recommended_items": [LINE | {"amount": "-0.5000"}]}, "amount"),
        ({"recommended_items": [LINE | {"amount": 0.5}]}, "amount"),
        ({"recommended_items": [LINE | {"amount": "0.00001"}]}, "amount"),
        ({"recommended_items": [LINE | {"currency": "XAU"}]}, "currency"),
        ({"recommended_items": [LINE | {"item_id": "item\x001"}]}, "item_id"),
        ({"recommended_items": [LINE | {"item_id": "i" * 65}]}, "item_id"),
        ({"recommended_items": [LINE, LINE]}, "recommended_items.1.item_id"),
        (
            {
                "recommended_items": [
                    {"item_id": "item-1", "amount": TOP, "currency": "CLF"},
                    {"item_id": "item-2", "amount": TOP, "currency": "CLF"},
                ],
                "exceeding_reason": "Two quotes far above the request.",
            },
            "recommended_items",
        ),
        ({"recommendation": "support", "surprise": True}, "surprise"),
    ],
    ids=[
        "nul-in-notes",
        "escape-in-notes",
        "del-in-notes",
        "c1-in-notes",
        "bell-in-notes",
        "notes-too-long",
        "invisible-reason",
        "filler-reason",
        "nul-in-reason",
        "51-items",
        "13-digit-amount",
        "19-digit-amount",
        "exponent-amount",
        "negative-amount",
        "number-amount",
        "too-precise-amount",
        "not-a-fund-currency",
        "nul-in-item-id",
        "long-item-id",
        "item-twice",
        "total-above-the-largest-amount",
        "unknown-field",
    ],
)
def test_an_assessment_out_of_bounds_is_refused(
    api: Api, stack: Stack, medical: str, body: dict[str, Any], field: str
) -> None:
    with nothing_changes(api, stack, medical):
        problem(assess(api, medical, "medical", **body), 422, field)


def test_a_lone_surrogate_in_notes_is_refused(api: Api, stack: Stack, medical: str) -> None:
    raw = b'{"recommendation": "support", "notes": "half a character \\ud800 here"}'
    with nothing_changes(api, stack, medical):
        response = post(
            api,
            medical,
            "medical-assessment",
            "medical-1",
            content=raw,
            headers={"Content-Type": "application/json"},
        )
        problem(response, 422, "notes")


def test_an_approved_total_above_the_largest_amount_is_refused(api: Api, stack: Stack) -> None:
    # Eleven items of almost 10^12 CHF: each is money, together they are more than any amount.
    huge = "999999999999.99"
    case_id = inject_case(api, *[("social", huge, "CHF")] * 11)
    lines = [{"item_id": f"item-{n}", "amount": huge, "currency": "CHF"} for n in range(1, 12)]
    with nothing_changes(api, stack, case_id):
        body = problem(
            decide(api, case_id, "manager-1", decision="approve", approved_items=lines),
            422,
            "approved_items",
        )
        assert huge not in str(body)
    # (One of them alone is money: the unit tests show it is accepted. Not here: the case was
    # injected, intake does not know it, and an event about it would wait there in vain.)


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": _cursor([100_000, "2030-01-01T00:00:00+00:00", "a"])},
        {"cursor": _cursor([0, "2030-01-01T00:00:00+00:00", "a\u0000b"])},
        {"cursor": _cursor([0, "2030-01-01T00:00:00", "a"])},
        {"cursor": _cursor([0, "0001-01-01T00:00:00+14:00", "a"])},
        {"cursor": _cursor([0, "9999-12-31T23:59:59-12:00", "a"])},
        {"cursor": _cursor({"rank": 0})},
        {"cursor": "%%%"},
        {"limit": "0"},
        {"limit": "201"},
        {"country": "ZZZ"},
        {"urgency": "now"},
    ],
    ids=[
        "cursor-rank",
        "cursor-nul",
        "cursor-naive-time",
        "cursor-year-one",
        "cursor-year-10000",
        "cursor-object",
        "cursor-garbage",
        "limit-zero",
        "limit-large",
        "country",
        "urgency",
    ],
)
def test_a_queue_query_out_of_bounds_is_refused(api: Api, params: dict[str, str]) -> None:
    response = api.get(
        "assessment", "/queue", user="manager-1", params={"kind": "decision"} | params
    )
    problem(response, 422)


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/cases/" + "c" * 65 + "/decision", {}),
        ("/cases/bad%00id/decision", {}),
        ("/cases/{case}/decision", {"Idempotency-Key": "k" * 201}),
    ],
    ids=["long-case-id", "nul-in-case-id", "long-idempotency-key"],
)
def test_a_decision_with_a_bad_address_or_header_is_refused(
    api: Api, stack: Stack, awaiting: str, path: str, headers: dict[str, str]
) -> None:
    with nothing_changes(api, stack, awaiting):
        response = api.post(
            "assessment",
            path.replace("{case}", awaiting),
            user="manager-1",
            json={"decision": "reject", "reason_code": "duplicate"},
            headers=headers,
        )
        assert 400 <= response.status_code < 500, response.text
        assert_problem(response, response.status_code)
