"""Issue 15 against the running system, for disbursement: hostile and careless requests per rule,
each answered with a clear 4xx that changes nothing (no row, no event, grant totals the same),
races included.

Every grant here is restricted to countries and currencies no other test funds, and every rate
is between currencies no other test converts, so nothing here serves another test's case."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import orjson
import pytest
from support import Api, assert_problem, wait_for
from support.disbursement_probe import (
    BAD_IBAN,
    IBAN_CH,
    IBAN_DE,
    active_payee,
    approve,
    approve_batch,
    conserved,
    create_grant,
    db,
    dead_letters,
    events_for,
    grant,
    settled,
    state,
    wait_payment,
)

from dev.stack import Stack
from services.disbursement.bankfiles import pain001_totals
from shared.events import CATALOGUE, subjects

D = "disbursement"
TODAY = datetime.now(UTC).date()


def tag(response: httpx.Response) -> dict[str, str]:
    return {"If-Match": response.headers["ETag"]}


def unchanged(stack: Stack, act: Callable[[], Any]) -> Any:
    """Run `act` (the hostile requests) and prove it changed nothing."""
    before = state(stack)
    result = act()
    assert state(stack) == before
    return result


def problem(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    body = assert_problem(response, status)
    if code is not None:
        assert body["type"].endswith("/" + code), body
    return body


def field_named(body: dict[str, Any], field: str) -> None:
    assert field in [e["field"] for e in body.get("errors") or []], body


def propose(
    api: Api, pair: str, rate: str, *, days_ago: int = 0, user: str = "finance-1"
) -> httpx.Response:
    base, quote = pair.split("/")
    as_of = (TODAY - timedelta(days=days_ago)).isoformat()
    return api.post(
        D, "/fx-rates", user=user, json={"base": base, "quote": quote, "rate": rate, "as_of": as_of}
    )


def confirm_rate(
    api: Api, rate_id: str, user: str, headers: dict[str, str] | None = None
) -> httpx.Response:
    return api.post(D, f"/fx-rates/{rate_id}/confirm", user=user, headers=headers)


def pending(api: Api, pair: str, rate: str, days_ago: int = 0) -> httpx.Response:
    made = propose(api, pair, rate, days_ago=days_ago)
    assert made.status_code == 201, made.text
    assert made.json()["status"] == "pending"
    return made


def rate_status(api: Api, rate_id: str) -> str:
    status: str = api.get(D, f"/fx-rates/{rate_id}", user="finance-1").json()["status"]
    return status


# --- rule 1: an exchange rate is a money decision ------------------------------------------------


def test_the_proposer_cannot_confirm_their_own_rate(api: Api, stack: Stack) -> None:
    made = pending(api, "FJD/WST", "1.25")

    def act() -> None:
        problem(
            confirm_rate(api, made.json()["rate_id"], "finance-1", tag(made)),
            409,
            "fx-rate-same-officer",
        )

    unchanged(stack, act)
    assert rate_status(api, made.json()["rate_id"]) == "pending"


def test_confirming_needs_the_version_reviewed(api: Api, stack: Stack) -> None:
    made = pending(api, "FJD/TOP", "0.9")
    rate_id = made.json()["rate_id"]

    def act() -> None:
        problem(confirm_rate(api, rate_id, "finance-2"), 428, "if-match-required")
        problem(confirm_rate(api, rate_id, "finance-2", {"If-Match": "*"}), 428)
        problem(confirm_rate(api, rate_id, "finance-2", {"If-Match": '"7"'}), 412)
        problem(confirm_rate(api, str(uuid.uuid4()), "finance-2", {"If-Match": '"1"'}), 404)
        for user in ("manager-1", "caseworker-a", "auditor-1", "admin-1"):
            problem(confirm_rate(api, rate_id, user, tag(made)), 403)

    unchanged(stack, act)
    assert rate_status(api, rate_id) == "pending"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"rate": "0"}, "body.rate"),
        ({"rate": "0.0000000000001"}, "body.rate"),
        ({"rate": "-1"}, "body.rate"),
        ({"rate": "1e3"}, "body.rate"),
        ({"rate": "1" * 13}, "body.rate"),
        ({"as_of": (TODAY + timedelta(days=5)).isoformat()}, "body.as_of"),
        ({"as_of": "1900-01-01"}, "body.as_of"),
        ({"as_of": "9999-12-31"}, "body.as_of"),
        ({"quote": "FJD"}, "body.quote"),
        ({"quote": "XXX"}, "body.quote"),
        ({"base": "fjd"}, "body.base"),
    ],
)
def test_a_rate_no_bank_would_publish_is_refused(
    api: Api, stack: Stack, body: dict[str, str], field: str
) -> None:
    rate = {"base": "FJD", "quote": "VUV", "rate": "95.5", "as_of": TODAY.isoformat()} | body

    def act() -> None:
        answer = problem(api.post(D, "/fx-rates", user="finance-1", json=rate), 422)
        field_named(answer, field)

    unchanged(stack, act)


def test_a_pending_rate_converts_nothing_and_a_careless_one_is_flagged(
    api: Api, stack: Stack
) -> None:
    made = create_grant(api, amount="5000.00", currency="SBD", restrictions={"countries": ["SB"]})
    first = pending(api, "PGK/SBD", "2.2", days_ago=2)
    done = confirm_rate(api, first.json()["rate_id"], "finance-2", tag(first))
    assert done.status_code == 200, done.text
    assert (done.json()["reference"], done.json()["flagged"]) == (None, False)  # the pair's first
    careless = pending(api, "PGK/SBD", "0.0000001", days_ago=1)
    listed = api.get(D, "/fx-rates?base=PGK&quote=SBD&status=pending", user="finance-2").json()
    shown = [r for r in listed["items"] if r["rate_id"] == careless.json()["rate_id"]]
    assert [(r["flagged"], r["deviation"], r["reference"]["rate"]) for r in shown] == [
        (True, "-1.000000", "2.2")
    ]
    event = approve(stack, country="SB", items=[("medical", "100.00", "PGK")])
    payment = wait_payment(api, event.data.case_id)
    assert payment["amount"] == "220.00"  # at the confirmed 2.2, not the pending 0.0000001
    assert grant(api, made["grant_id"])["reserved"] == "220.00"
    confirmed = confirm_rate(api, careless.json()["rate_id"], "finance-2", tag(careless))
    assert (confirmed.json()["flagged"], confirmed.json()["deviation"]) == (True, "-1.000000")
    conserved(stack)


def test_two_officers_confirming_at_once_put_a_rate_in_force_once(api: Api, stack: Stack) -> None:
    made = pending(api, "WST/TOP", "0.85")
    rate_id = made.json()["rate_id"]
    users = ["finance-2", "finance-2", "finance-1", "finance-2"]
    with ThreadPoolExecutor(len(users)) as pool:
        answers = list(pool.map(lambda u: confirm_rate(api, rate_id, u, tag(made)), users))
    codes = sorted(a.status_code for a in answers)
    assert codes.count(200) == 1, codes
    assert set(codes) <= {200, 409, 412}, codes
    assert next(a for a in answers if a.status_code == 200).json()["decided_by"] == "finance-2"
    wait_for(lambda: events_for(stack, subjects.FX_RATE_RECORDED, "WST/TOP"))
    recorded = events_for(stack, subjects.FX_RATE_RECORDED, "WST/TOP")
    assert [e["data"]["rate_id"] for e in recorded] == [rate_id]


def test_a_day_holds_one_rate_and_a_decided_rate_stays_decided(api: Api, stack: Stack) -> None:
    made = pending(api, "VUV/PGK", "0.031", days_ago=3)
    rate_id = made.json()["rate_id"]
    rejected = api.post(D, f"/fx-rates/{rate_id}/reject", user="finance-2", headers=tag(made))
    assert rejected.json()["status"] == "rejected"

    def act() -> None:
        problem(confirm_rate(api, rate_id, "finance-2", tag(rejected)), 409, "fx-rate-not-pending")
        problem(
            api.post(D, f"/fx-rates/{rate_id}/reject", user="finance-1", headers=tag(rejected)),
            409,
            "fx-rate-not-pending",
        )

    unchanged(stack, act)
    again = pending(api, "VUV/PGK", "0.032", days_ago=3)  # a rejected proposal frees its day
    unchanged(
        stack, lambda: problem(propose(api, "VUV/PGK", "0.033", days_ago=3), 409, "fx-rate-exists")
    )
    assert rate_status(api, again.json()["rate_id"]) == "pending"


# --- rule 2: what a second person confirms is what they saw -------------------------------------


def test_payee_confirmation_needs_the_version_reviewed(api: Api, stack: Stack) -> None:
    org = f"org-{uuid.uuid4().hex[:8]}"
    made = api.post(
        D, "/payees", user="finance-1", json={"org_id": org, "name": "Clinic", "iban": IBAN_DE}
    )
    payee_id = made.json()["payee_id"]
    url = f"/payees/{payee_id}/confirm"

    def act() -> None:
        problem(api.post(D, url, user="finance-2"), 428, "if-match-required")
        problem(api.post(D, url, user="finance-2", headers={"If-Match": "*"}), 428)
        problem(api.post(D, url, user="finance-2", headers={"If-Match": '"2"'}), 412)
        problem(api.post(D, url, user="finance-1", headers=tag(made)), 409, "payee-same-officer")

    unchanged(stack, act)
    # The details change after the officer looked: their confirmation is stale.
    changed = api.post(
        D, f"/payees/{payee_id}/bank-details", user="finance-1", json={"iban": IBAN_CH}
    )
    assert changed.status_code == 200, changed.text
    unchanged(stack, lambda: problem(api.post(D, url, user="finance-2", headers=tag(made)), 412))
    done = api.post(D, url, user="finance-2", headers=tag(changed))
    assert (done.status_code, done.json()["iban"]) == (200, IBAN_CH)


def _draft_batch(api: Api, stack: Stack, currency: str, country: str) -> dict[str, Any]:
    create_grant(api, amount="900.00", currency=currency, restrictions={"countries": [country]})
    org = f"org-{uuid.uuid4().hex[:8]}"
    active_payee(api, org)
    case_id = approve(
        stack, org_id=org, country=country, items=[("social", "70.00", currency)]
    ).data.case_id
    payment = wait_payment(api, case_id, "scheduled")
    made = api.post(
        D,
        "/batches",
        user="finance-1",
        json={"currency": currency, "payment_ids": [payment["payment_id"]]},
    )
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


def test_batch_approval_needs_the_version_reviewed_and_happens_once(api: Api, stack: Stack) -> None:
    batch = _draft_batch(api, stack, "TOP", "TO")
    url = f"/batches/{batch['batch_id']}/approve"

    def act() -> None:
        problem(api.post(D, url, user="finance-2"), 428, "if-match-required")
        problem(api.post(D, url, user="finance-2", headers={"If-Match": "*"}), 428)
        problem(api.post(D, url, user="finance-2", headers={"If-Match": '"9"'}), 412)
        problem(approve_batch(api, batch, user="finance-1"), 409, "batch-same-officer")

    unchanged(stack, act)
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda _: approve_batch(api, batch), range(3)))
    assert sorted(a.status_code for a in answers) == [200, 412, 412]
    wait_for(lambda: events_for(stack, subjects.BATCH_APPROVED, batch["batch_id"]))
    assert len(events_for(stack, subjects.BATCH_APPROVED, batch["batch_id"])) == 1


def test_concurrent_adjustments_of_one_version_apply_once(api: Api, stack: Stack) -> None:
    made = create_grant(api, amount="100.00", currency="WST", restrictions={"countries": ["WS"]})
    seen = {"If-Match": f'"{made["version"]}"'}
    url = f"/grants/{made['grant_id']}/adjustments"
    with ThreadPoolExecutor(4) as pool:
        answers = list(
            pool.map(
                lambda n: api.post(
                    D,
                    url,
                    user="finance-1",
                    headers=seen,
                    json={"delta": f"{n + 1}.00", "currency": "WST"},
                ),
                range(4),
            )
        )
    assert sorted(a.status_code for a in answers) == [201, 412, 412, 412]
    won = next(a for a in answers if a.status_code == 201).json()
    assert grant(api, made["grant_id"])["amount"] == won["amount"]
    conserved(stack)


# --- rule 3: every event true and typed -----------------------------------------------------------


def _strictly_valid(event: dict[str, Any]) -> list[str]:
    """What the catalogue's model refuses, a required field that is null, a string "None"."""
    subject = "vfund." + event["type"].removeprefix("org.vfund.").removesuffix(".v1")
    model = CATALOGUE[subject]
    problems = []
    try:
        model.model_validate(event["data"])
    except ValueError as exc:
        problems.append(f"{subject}: {type(exc).__name__}")
    for name, field in model.model_fields.items():
        if field.is_required() and event["data"].get(name) is None:
            problems.append(f"{subject}.{name}: null")
    problems += [f"{subject}.{k}: 'None'" for k, v in event["data"].items() if v == "None"]
    return problems


def test_a_payment_scheduled_by_a_payee_confirmation_names_its_grant_country_and_categories(
    api: Api, stack: Stack
) -> None:
    made = create_grant(api, amount="800.00", currency="PGK", restrictions={"countries": ["PG"]})
    org = f"org-{uuid.uuid4().hex[:8]}"
    event = approve(
        stack,
        org_id=org,
        country="PG",
        items=[("medical", "120.00", "PGK"), ("legal", "80.00", "PGK")],
    )
    case_id = event.data.case_id
    wait_payment(api, case_id, "awaiting_payee")
    active_payee(api, org)  # its confirmation schedules the waiting payment
    wait_payment(api, case_id, "scheduled")
    wait_for(lambda: events_for(stack, subjects.PAYMENT_SCHEDULED, case_id))
    (scheduled,) = events_for(stack, subjects.PAYMENT_SCHEDULED, case_id)
    data = scheduled["data"]
    assert (data["grant_id"], data["country"]) == (made["grant_id"], "PG")
    assert data["by_category"] == [
        {"category": "legal", "amount": "80.00"},
        {"category": "medical", "amount": "120.00"},
    ]
    assert scheduled["correlationid"] == event.correlationid
    story = [
        e
        for s in (
            subjects.BUDGET_RESERVED,
            subjects.PAYMENT_AWAITING_PAYEE,
            subjects.PAYMENT_SCHEDULED,
        )
        for e in events_for(stack, s, case_id)
    ]
    assert len(story) == 3
    assert [p for e in story for p in _strictly_valid(e)] == []


# --- rule 4: bounds everywhere, 4xx never 500 ----------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"amount": "1000000000000.00"}, "body.amount"),
        ({"amount": "1.001"}, "body.amount"),
        ({"amount": "1.5", "currency": "JPY"}, "body.amount"),
        ({"valid_from": "1999-12-31"}, "body.valid_from"),
        ({"valid_to": "2101-01-01"}, "body.valid_to"),
        ({"valid_from": "0001-01-01", "valid_to": "9999-12-31"}, "body.valid_from"),
        ({"donor": "Donor\x00State"}, "body.donor"),
        ({"donor": "\u200b\u2060 \u3164"}, "body.donor"),
        ({"name": "line one\nline two"}, "body.name"),
        ({"name": "x" * 141}, "body.name"),
    ],
)
def test_a_grant_out_of_bounds_is_refused_naming_the_field(
    api: Api, stack: Stack, body: dict[str, str], field: str
) -> None:
    grant_body = {
        "donor": "Donor",
        "name": "Grant",
        "amount": "10.00",
        "currency": "WST",
        "valid_from": "2020-01-01",
        "valid_to": "2030-12-31",
        "restrictions": {"countries": ["WS"]},
    } | body

    def act() -> None:
        field_named(problem(api.post(D, "/grants", user="finance-1", json=grant_body), 422), field)

    unchanged(stack, act)


def _cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(parts))).decode()


@pytest.mark.parametrize(
    "path",
    [
        "/grants?cursor=" + _cursor("0001-01-01T00:00:00+14:00", str(uuid.uuid4())),
        "/payments?cursor=" + _cursor("9999-12-31T23:59:59-14:00", str(uuid.uuid4())),
        "/payees?cursor=" + _cursor("2026-01-01T00:00:00", str(uuid.uuid4())),
        "/fx-rates?cursor=" + _cursor("99999999999999999999999"),
        "/fx-rates?cursor=" + _cursor("\u00b2"),
        "/batches?cursor=" + _cursor("2026-01-01T00:00:00+00:00", "x" * 40),
    ],
)
def test_a_forged_cursor_is_a_bad_request_not_a_server_error(
    api: Api, stack: Stack, path: str
) -> None:
    unchanged(stack, lambda: problem(api.get(D, path, user="finance-1"), 400, "bad-cursor"))


def test_a_lone_surrogate_is_refused_not_a_server_error(api: Api, stack: Stack) -> None:
    raw = (
        b'{"donor": "D\\ud800", "name": "G", "amount": "1.00", "currency": "WST",'
        b' "valid_from": "2020-01-01", "valid_to": "2030-01-01"}'
    )

    def act() -> None:
        answer = problem(
            api.post(
                D,
                "/grants",
                user="finance-1",
                content=raw,
                headers={"Content-Type": "application/json"},
            ),
            422,
        )
        field_named(answer, "body.donor")

    unchanged(stack, act)


def test_a_grant_never_grows_past_the_largest_amount(api: Api, stack: Stack) -> None:
    made = create_grant(
        api, amount="999999999999.00", currency="WST", restrictions={"countries": ["WS"]}
    )
    url = f"/grants/{made['grant_id']}/adjustments"
    seen = {"If-Match": f'"{made["version"]}"'}

    def act() -> None:
        for delta in ("1.00", "999999999999.99"):
            answer = problem(
                api.post(
                    D, url, user="finance-1", headers=seen, json={"delta": delta, "currency": "WST"}
                ),
                422,
                "grant-amount-too-large",
            )
            field_named(answer, "body.delta")
        field_named(
            problem(
                api.post(
                    D,
                    url,
                    user="finance-1",
                    headers=seen,
                    json={"delta": "-0.001", "currency": "WST"},
                ),
                422,
            ),
            "body.delta",
        )

    unchanged(stack, act)
    assert grant(api, made["grant_id"])["amount"] == "999999999999.00"


def test_payment_bodies_out_of_bounds_are_refused(api: Api, stack: Stack) -> None:
    create_grant(api, amount="5000", currency="VUV", restrictions={"countries": ["VU"]})
    case_id = approve(stack, country="VU", items=[("medical", "1000", "VUV")]).data.case_id
    payment = wait_payment(api, case_id, "awaiting_payee")
    url = f"/payments/{payment['payment_id']}"
    tomorrow = (TODAY + timedelta(days=3)).isoformat()

    def act() -> None:
        split = {"parts": [{"amount": "500.5"}, {"amount": "499.5"}]}  # VUV has no decimals
        field_named(
            problem(api.post(D, url + "/split", user="finance-1", json=split), 422),
            "body.parts.0.amount",
        )
        nul = {"parts": [{"amount": "500", "item_ids": ["item-1\x00"]}, {"amount": "500"}]}
        problem(api.post(D, url + "/split", user="finance-1", json=nul), 422)
        for paid_on in (tomorrow, "1999-12-31"):
            answer = problem(
                api.post(
                    D,
                    url + "/confirm",
                    user="finance-1",
                    json={"bank_reference": "R-1", "paid_on": paid_on},
                ),
                422,
            )
            field_named(answer, "body.paid_on")

    unchanged(stack, act)


def test_a_batch_total_stays_within_one_amount(api: Api, stack: Stack) -> None:
    largest = "999999999999.99"
    create_grant(api, amount=largest, currency="TOP", restrictions={"countries": ["TO"]})
    create_grant(api, amount=largest, currency="TOP", restrictions={"countries": ["TO"]})
    org = f"org-{uuid.uuid4().hex[:8]}"
    active_payee(api, org)
    ids = []
    for _ in range(2):
        case_id = approve(
            stack, org_id=org, country="TO", items=[("medical", largest, "TOP")]
        ).data.case_id
        ids.append(wait_payment(api, case_id, "scheduled")["payment_id"])

    def act() -> None:
        answer = problem(
            api.post(D, "/batches", user="finance-1", json={"currency": "TOP", "payment_ids": ids}),
            422,
            "batch-total-too-large",
        )
        field_named(answer, "body.payment_ids")
        far = (TODAY + timedelta(days=400)).isoformat()
        field_named(
            problem(
                api.get(
                    D, f"/batches/{uuid.uuid4()}/export?execution_date={far}", user="finance-1"
                ),
                422,
            ),
            "query.execution_date",
        )

    unchanged(stack, act)
    first = api.post(D, "/batches", user="finance-1", json={"currency": "TOP"})
    assert (first.status_code, first.json()["count"], first.json()["total"]) == (201, 1, largest)


def test_approvals_no_grant_can_hold_wait_instead_of_dead_lettering(api: Api, stack: Stack) -> None:
    """Accepted upstream, impossible here: a total beyond any grant, a confirmed rate so large
    or so small that the conversion overflows or vanishes. Each case waits; nothing is lost."""
    made = create_grant(api, amount="1000.00", currency="SBD", restrictions={"countries": ["KI"]})
    huge = pending(api, "FJD/SBD", "999999999999", days_ago=10)
    assert confirm_rate(api, huge.json()["rate_id"], "finance-2", tag(huge)).status_code == 200
    tiny = pending(api, "TOP/SBD", "0.000000000001", days_ago=10)
    assert confirm_rate(api, tiny.json()["rate_id"], "finance-2", tag(tiny)).status_code == 200
    before = grant(api, made["grant_id"])
    events = [
        approve(stack, country="KI", items=[("medical", "999999999999.99", "SBD")] * 3),
        approve(stack, country="KI", items=[("medical", "999999999999.99", "FJD")]),
        approve(stack, country="KI", items=[("social", "1.00", "TOP")]),
    ]
    for event in events:
        wait_for(
            lambda e=event: events_for(stack, subjects.BUDGET_INSUFFICIENT, e.data.case_id),
            what="budget.insufficient",
        )
    settled(stack)
    for event in events:  # applied (the inbox holds it), so never dead-lettered
        assert db(
            stack, "SELECT 1 FROM inbox WHERE consumer = 'disbursement' AND event_id = $1", event.id
        )
        assert not dead_letters(stack, event.id)
        assert (
            db(
                stack,
                "SELECT status FROM approved_cases WHERE case_id = $1",
                uuid.UUID(event.data.case_id),
            )[0]["status"]
            == "waiting"
        )
    (total,) = events_for(stack, subjects.BUDGET_INSUFFICIENT, events[0].data.case_id)
    assert total["data"]["shortfall"] == {"amount": "2999999999999.97", "currency": "SBD"}
    assert grant(api, made["grant_id"]) == before
    conserved(stack)


# --- rule 5: an approved batch can always become a bank file -------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"name": "Клиника Надежда"}, "bank-name-characters", "body.name"),
        ({"name": "مستشفى"}, "bank-name-characters", "body.name"),
        ({"name": "Clinic 100%"}, "bank-name-characters", "body.name"),
        ({"name": "\U0001f3e5\U0001f3e5"}, "bank-name-empty", "body.name"),
        ({"name": "C" * 71}, "bank-name-too-long", "body.name"),
        ({"iban": BAD_IBAN}, "invalid-iban", "body.iban"),
        ({"iban": "XX89370400440532013000"}, "invalid-iban", "body.iban"),
        ({"bic": "ABCDZZ22"}, "invalid-bic", "body.bic"),
    ],
)
def test_a_payee_no_bank_file_can_carry_is_refused_in_plain_words(
    api: Api, stack: Stack, body: dict[str, str], code: str, field: str
) -> None:
    payee = {"org_id": "org-hostile", "name": "Clinic", "iban": IBAN_DE} | body

    def act() -> dict[str, Any]:
        return problem(api.post(D, "/payees", user="finance-1", json=payee), 422, code)

    answer = unchanged(stack, act)
    field_named(answer, field)
    text = orjson.dumps(answer).decode()
    for leaked in ("schwifty", "Invalid", "BBAN", payee["iban"], payee["name"]):
        assert leaked not in text


def test_changed_bank_details_are_checked_as_new_ones(api: Api, stack: Stack) -> None:
    made = api.post(
        D,
        "/payees",
        user="finance-1",
        json={"org_id": "org-hostile", "name": "Clinic", "iban": IBAN_DE},
    )
    url = f"/payees/{made.json()['payee_id']}/bank-details"

    def act() -> None:
        for details in ({"iban": BAD_IBAN}, {"iban": IBAN_CH, "bic": "ABCDZZ22"}):
            problem(api.post(D, url, user="finance-2", json=details, headers=tag(made)), 422)

    unchanged(stack, act)


def test_a_payee_with_accents_and_symbols_is_paid_by_a_valid_pain001(
    api: Api, stack: Stack
) -> None:
    create_grant(api, amount="900.00", currency="FJD", restrictions={"countries": ["FJ"]})
    org = f"org-{uuid.uuid4().hex[:8]}"
    made = api.post(
        D,
        "/payees",
        user="finance-1",
        json={
            "org_id": org,
            "name": "Médecins & Söhne \u2013 Suva",
            "iban": IBAN_DE,
            "default": True,
        },
    )
    assert made.status_code == 201, made.text
    assert made.json()["name"] == "Médecins & Söhne \u2013 Suva"  # shown as entered
    assert (
        api.post(
            D, f"/payees/{made.json()['payee_id']}/confirm", user="finance-2", headers=tag(made)
        ).status_code
        == 200
    )
    case_id = approve(
        stack, org_id=org, country="FJ", items=[("medical", "45.50", "FJD")]
    ).data.case_id
    payment = wait_payment(api, case_id, "scheduled")
    batch = api.post(
        D,
        "/batches",
        user="finance-1",
        json={"currency": "FJD", "payment_ids": [payment["payment_id"]]},
    ).json()
    assert batch["lines"][0]["creditor_name"] == "Medecins + Sohne - Suva"  # what the bank gets
    assert approve_batch(api, batch).status_code == 200
    xml = api.get(D, f"/batches/{batch['batch_id']}/export?format=pain.001", user="finance-1")
    assert xml.status_code == 200, xml.text
    assert b"<Nm>Medecins + Sohne - Suva</Nm>" in xml.content
    assert pain001_totals(xml.content) == (1, Decimal("45.50"))
