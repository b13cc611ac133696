"""Hostile input at intake, rule by rule (issue 15): each refused with a clear 4xx naming what is
wrong, and nothing stored or published; what is odd but legitimate is kept exactly as sent."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
import pytest
from support import Api, assert_problem, stream_messages, wait_for
from support.case_journey import ask
from support.factories import case_body, item
from support.intake_probe import PDF, nothing_changes, publish, query

from dev.stack import Stack
from shared.events import intake as catalogue
from shared.events import subjects
from shared.events.envelope import EventData

TODAY = datetime.now(UTC).date()
SOON = (TODAY + timedelta(days=2)).isoformat()  # the future everywhere on Earth
MAX_CHF_ITEM = "999999999999.99"  # the largest CHF amount the wire format allows: ~10^14 minor


def _with(**changes: Any) -> dict[str, Any]:
    """A valid body with some fields replaced; `victim__x` / `item__x` reach inside."""
    body = case_body()
    for key, value in changes.items():
        if key.startswith("victim__"):
            body["victim"][key.removeprefix("victim__")] = value
        elif key.startswith("item__"):
            body["items"][0][key.removeprefix("item__")] = value
        elif key.startswith("consent__"):
            body["consent"][key.removeprefix("consent__")] = value
        else:
            body[key] = value
    return body


def _post(api: Api, path: str, body: Any, user: str) -> Any:
    """POST JSON written with escapes (`"\\ud800"`): a lone surrogate as a client can send it."""
    return api.post(
        "intake",
        path,
        user=user,
        content=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
    )


def _submit(api: Api, body: dict[str, Any], user: str = "caseworker-a") -> dict[str, Any]:
    response = api.post("intake", "/cases", user=user, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


# Rule 4: text a database and a page can hold, names with something in them, plausible dates,
# bounded amounts, totals and lists. (name, body, the field the problem must name)
HOSTILE_BODIES: list[tuple[str, dict[str, Any], str]] = [
    ("NUL in the name", _with(victim__full_name="Amina\x00Haddad"), "body.victim.full_name"),
    ("bell in the facts", _with(facts="what happened \x07 then"), "body.facts"),
    ("lone surrogate in the contact", _with(victim__contact="call \ud800 me"), "body.victim.contact"),
    ("C1 control in a description", _with(item__description="sur\x85gery"), "body.items.0.description"),
    ("DEL in a description", _with(item__description="x\x7f"), "body.items.0.description"),
    ("escape sequence in the facts", _with(facts="\x1b[31mred\x1b[0m"), "body.facts"),
    ("zero-width name", _with(victim__full_name="\u200b\u200c\u200d\u2060"), "body.victim.full_name"),
    ("blank-filler name", _with(victim__full_name="\u3164 \u115f"), "body.victim.full_name"),
    ("bidi controls as the whole name", _with(victim__full_name="\u202e\u202d\u2066"), "body.victim.full_name"),
    ("a name on two lines", _with(victim__full_name="Amina\nHaddad"), "body.victim.full_name"),
    ("facts of spaces only", _with(facts="   \n\t  "), "body.facts"),
    ("facts as an object", _with(facts={"text": "x"}), "body.facts"),
    ("19-digit amount", _with(item__amount="1234567890123456789"), "body.items.0.amount"),
    ("amount as a huge number", _with(item__amount=10**30), "body.items.0.amount"),
    ("amount past the largest accepted", _with(item__amount="999999999999.9999", item__currency="CLF"), "body.items.0"),
    ("total one centime past the largest", _with(items=[item(amount=MAX_CHF_ITEM), item(amount="0.01")]), "body.items"),
    ("total of twenty past the largest", _with(items=[item(amount="50000000000.00")] * 20), "body.items"),
    ("twenty-one items", _with(items=[item()] * 21), "body.items"),
    ("consent in the future", _with(consent__date=SOON), "body.consent.date"),
    ("consent three years old", _with(consent__date=(TODAY - timedelta(days=3 * 366)).isoformat()), "body.consent.date"),
    ("consent in year 1", _with(consent__date="0001-01-01"), "body.consent.date"),
    ("consent on 30 February", _with(consent__date="2026-02-30"), "body.consent.date"),
    ("consent as a number", _with(consent__date=0), "body.consent.date"),
    ("birth before 1900", _with(victim__date_of_birth="1899-12-31"), "body.victim.date_of_birth"),
    ("birth in the future", _with(victim__date_of_birth=SOON), "body.victim.date_of_birth"),
    ("birth in year 9999", _with(victim__date_of_birth="9999-12-31"), "body.victim.date_of_birth"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "body", "field"), HOSTILE_BODIES, ids=[c[0] for c in HOSTILE_BODIES]
)
def test_hostile_submissions_are_422_naming_the_field_and_change_nothing(
    api: Api, stack: Stack, name: str, body: dict[str, Any], field: str
) -> None:
    with nothing_changes(stack):
        response = _post(api, "/cases", body, "caseworker-a")
        problem = assert_problem(response, 422)
    fields = [e["field"] for e in problem["errors"]]
    assert any(f == field or f.startswith(field + ".") for f in fields), fields
    # The refusal never echoes what was sent: it may be who the victim is.
    assert not [s for s in _texts(body) if len(s) >= 6 and s in response.text]


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _texts(v)]
    if isinstance(value, list):
        return [s for v in value for s in _texts(v)]
    return []


@pytest.fixture(scope="module")
def case_id(api: Api) -> str:
    return str(_submit(api, case_body())["case_id"])


HOSTILE_CHANGES: list[tuple[str, str, dict[str, Any], str]] = [
    ("NUL in an answer", "information", {"request_id": "r-1", "answer": "yes\x00"}, "body.answer"),
    ("surrogate in an answer", "information", {"request_id": "r-1", "answer": "\udfff"}, "body.answer"),
    ("bidi override in a request id", "information", {"request_id": "r\u202e1", "answer": "x"}, "body.request_id"),
    ("answer naming 21 documents", "information", {"request_id": "r-1", "answer": "x", "document_ids": [str(uuid.uuid4()) for _ in range(21)]}, "body.document_ids"),
    ("report naming 21 documents", "report", {"document_ids": [str(uuid.uuid4()) for _ in range(21)]}, "body.document_ids"),
    ("NUL in a withdrawal reason", "withdraw", {"reason": "safety\x00"}, "body.reason"),
    ("ruling with a free-text reason", "duplicate-ruling", {"reason_code": "because\x07"}, "body.reason_code"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "route", "body", "field"), HOSTILE_CHANGES, ids=[c[0] for c in HOSTILE_CHANGES]
)
def test_hostile_changes_are_422_naming_the_field_and_change_nothing(
    api: Api, stack: Stack, case_id: str, name: str, route: str, body: dict[str, Any], field: str
) -> None:
    user = "legal-1" if route == "duplicate-ruling" else "caseworker-a"
    with nothing_changes(stack):
        problem = assert_problem(_post(api, f"/cases/{case_id}/{route}", body, user), 422)
    assert field in [e["field"] for e in problem["errors"]], problem["errors"]


def _cursor(value: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


HOSTILE_QUERIES: list[tuple[str, str, int]] = [
    ("cursor naming no case id", "/cases?cursor=" + _cursor(["2026-01-01T00:00:00+00:00", "x"]), 400),
    ("cursor without an offset", "/cases?cursor=" + _cursor(["2026-01-01T00:00:00", str(uuid.uuid4())]), 400),
    ("cursor before year 1 in UTC", "/cases?cursor=" + _cursor(["0001-01-01T00:00:00+14:00", str(uuid.uuid4())]), 400),
    ("cursor as an object", "/cases?cursor=" + _cursor({"at": 1}), 400),
    ("cursor of three parts", "/cases?cursor=" + _cursor([1, 2, 3]), 400),
    ("cursor not base64", "/cases?cursor=%%%%", 400),
    ("limit past 64 bits", "/cases?limit=" + "9" * 25, 422),
    ("submitted_from not a day", "/cases?submitted_from=2026-02-30", 422),
    ("purpose with a NUL", "/cases/{case_id}?purpose=case%00review", 422),
    ("purpose of 41 letters", "/cases/{case_id}?purpose=" + "a" * 41, 422),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "path", "status"), HOSTILE_QUERIES, ids=[c[0] for c in HOSTILE_QUERIES]
)
def test_hostile_queries_are_4xx_and_change_nothing(
    api: Api, stack: Stack, case_id: str, name: str, path: str, status: int
) -> None:
    with nothing_changes(stack):
        assert_problem(api.get("intake", path.format(case_id=case_id), user="caseworker-a"), status)


@pytest.mark.parametrize("day", ["0001-01-01", "1970-01-01", "9999-12-31"])
def test_a_list_from_any_calendar_day_answers(api: Api, stack: Stack, day: str) -> None:
    with nothing_changes(stack):
        page = api.get("intake", f"/cases?submitted_from={day}&limit=1", user="caseworker-a")
    assert page.status_code == 200, page.text
    assert len(page.json()["items"]) == (0 if day.startswith("9999") else 1)


def test_bidi_controls_joiners_and_other_scripts_are_kept_exactly(api: Api) -> None:
    """Odd but legitimate text: an RTL override inside a name, a zero-width joiner, Arabic,
    an emoji, tabs and line breaks in the facts. Stored, and returned exactly as sent."""
    body = _with(
        victim__full_name="\u202eAmina\u202c Ha\u200dddad \U0001f642",
        victim__contact="\u0627\u062a\u0635\u0644 \u0639\u0628\u0631 \u0627\u0644\u0645\u0643\u062a\u0628 \u200f+961",
        facts="line one\n\tline two \u2067\u05e9\u05dc\u05d5\u05dd\u2069",
        item__description="\u0639\u0645\u0644\u064a\u0629 \u062c\u0631\u0627\u062d\u064a\u0629",
    )
    case = _submit(api, body)["case_id"]
    read = api.get("intake", f"/cases/{case}", user="caseworker-a").json()
    assert read["victim"]["full_name"] == body["victim"]["full_name"]
    assert read["victim"]["contact"] == body["victim"]["contact"]
    assert read["facts"] == body["facts"]
    assert read["items"][0]["description"] == body["items"][0]["description"]


def test_a_case_total_at_the_bound_is_accepted_and_published_exactly(
    api: Api, stack: Stack
) -> None:
    """Items summing to the largest CHF amount are accepted; the event carries them exact."""
    amounts = ["999999999999.98", "0.01"]
    case = _submit(api, _with(items=[item(amount=a) for a in amounts]))["case_id"]

    def submitted() -> dict[str, Any] | None:
        for _, data, _ in stream_messages(stack.nats_url or "", subjects.CASE_SUBMITTED):
            event: dict[str, Any] = orjson.loads(data)
            if event["subject"] == case:
                return event
        return None

    event = wait_for(submitted, what="case.submitted of the bounded case")
    assert [i["amount"] for i in event["data"]["items"]] == amounts
    rows = query(
        stack,
        "SELECT sum(amount_minor) AS total FROM case_items WHERE case_id = $1",
        uuid.UUID(case),
    )
    assert rows[0]["total"] == 99_999_999_999_999


# Rule 2: an erasure is of the case as the administrator reviewed it.


def _erase(api: Api, case: str, headers: dict[str, str] | None = None) -> Any:
    return api.delete(
        "intake",
        f"/cases/{case}/personal-data?legal_basis=data_subject_request",
        user="admin-1",
        headers=headers,
    )


def _etag(api: Api, case: str) -> str:
    return str(api.get("intake", f"/cases/{case}", user="admin-1").headers["ETag"])


@pytest.mark.parametrize(
    ("name", "if_match", "status"),
    [
        ("without If-Match", None, 428),
        ("with a wildcard", "*", 428),
        ("with the wildcard among tags", '"999", *', 428),
        ("with a version never issued", '"999"', 412),
        ("with an ETag of another form", "version-1", 412),
    ],
)
def test_erasure_needs_the_reviewed_version_and_otherwise_erases_nothing(
    api: Api, stack: Stack, name: str, if_match: str | None, status: int
) -> None:
    case = _submit(api, case_body())["case_id"]
    with nothing_changes(stack):
        headers = {"If-Match": if_match} if if_match is not None else None
        assert_problem(_erase(api, case, headers), status)
    read = api.get("intake", f"/cases/{case}", user="caseworker-a").json()
    assert read["personal_data"] == "included"


def test_erasure_of_a_version_changed_since_review_is_412(api: Api, stack: Stack) -> None:
    case = _submit(api, case_body())["case_id"]
    reviewed = _etag(api, case)
    attached = api.post(
        "intake", f"/cases/{case}/documents", user="caseworker-a", files={"file": ("a.pdf", PDF)}
    )
    assert attached.status_code == 201, attached.text
    with nothing_changes(stack):
        problem = assert_problem(_erase(api, case, {"If-Match": reviewed}), 412)
    assert problem["detail"]
    erased = _erase(api, case, {"If-Match": _etag(api, case)})
    assert erased.status_code == 200, erased.text


# Rule 3: every event intake publishes is true and typed.

CATALOGUE: dict[str, type[EventData]] = {
    subjects.CASE_SUBMITTED: catalogue.CaseSubmitted,
    subjects.CASE_DUPLICATE_SUSPECTED: catalogue.CaseDuplicateSuspected,
    subjects.CASE_DUPLICATE_CLEARED: catalogue.CaseDuplicateCleared,
    subjects.DOCUMENT_ATTACHED: catalogue.DocumentAttached,
    subjects.CASE_INFORMATION_PROVIDED: catalogue.CaseInformationProvided,
    subjects.CASE_WITHDRAWN: catalogue.CaseWithdrawn,
    subjects.REPORT_SUBMITTED: catalogue.ReportSubmitted,
    subjects.CASE_CLOSED: catalogue.CaseClosed,
    subjects.PERSONAL_DATA_ACCESSED: catalogue.PersonalDataAccessed,
    subjects.PERSONAL_DATA_ERASED: catalogue.PersonalDataErased,
}


def _drive_every_intake_event(api: Api, stack: Stack) -> None:
    """One case through every change intake makes, so that each event type is in the stream."""
    victim = {"full_name": f"Typed Person {uuid.uuid4().hex[:8]}", "date_of_birth": "1980-02-03"}
    first = _submit(api, _with(victim=victim))["case_id"]
    case = _submit(api, _with(victim=victim))["case_id"]  # a possible duplicate of the first
    document = api.post(
        "intake", f"/cases/{case}/documents", user="caseworker-a", files={"file": ("a.pdf", PDF)}
    ).json()["document_id"]
    # Through the assessment service, so that its answer is one assessment expects.
    request_id = ask(api, case, "medical_report", user="medical-1")
    wait_for(
        lambda: api.get("intake", f"/cases/{case}", user="legal-1").json()["information_requests"],
        what="the information request at intake",
    )
    for route, user, body in (
        ("information", "caseworker-a", {"request_id": request_id, "answer": "here"}),
        ("duplicate-ruling", "legal-1", {"reason_code": "different_person"}),
    ):
        done = api.post("intake", f"/cases/{case}/{route}", user=user, json=body)
        assert done.status_code == 200, done.text
    publish(stack, subjects.PAYMENT_SENT, _payment_sent(case), case_id=case, actor="finance-1")
    wait_for(
        lambda: api.get("intake", f"/cases/{case}", user="admin-1").json()["status"] == "paid",
        what="the case paid at intake",
    )
    reported = api.post(
        "intake", f"/cases/{case}/report", user="caseworker-a", json={"document_ids": [document]}
    )
    assert reported.status_code == 200, reported.text
    withdrawn = api.post(
        "intake", f"/cases/{first}/withdraw", user="caseworker-a", json={"reason": "duplicate"}
    )
    assert withdrawn.status_code == 200, withdrawn.text
    assert _erase(api, first, {"If-Match": withdrawn.headers["ETag"]}).status_code == 200


def _payment_sent(case: str) -> EventData:
    from shared.events.disbursement import CategoryAmount, PaymentSent

    return PaymentSent(
        case_id=case,
        payment_id="pay-typed",
        grant_id="grant-1",
        country="LB",
        payee_id="payee-1",
        batch_id="batch-1",
        bank_reference="BANK-REF-1",
        paid_on=date(2026, 11, 30),
        amount="1200.00",
        currency="CHF",
        by_category=[CategoryAmount(category="medical", amount="1200.00")],
    )


def _nulls_or_placeholders(value: Any, path: str = "data") -> list[str]:
    if value is None:
        return [path]
    if isinstance(value, str) and value.strip().lower() in ("none", "null", "undefined", ""):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _nulls_or_placeholders(v, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for n, v in enumerate(value) for p in _nulls_or_placeholders(v, f"{path}.{n}")]
    return []


def test_every_intake_event_is_true_and_typed(api: Api, stack: Stack) -> None:
    """Every event intake published for its cases this session (this test drives each kind
    once) reads back under the catalogue's model exactly: no field it does not define, no value
    it would coerce, no null, no "None" or empty string."""
    _drive_every_intake_event(api, stack)
    ours = {str(r["case_id"]) for r in query(stack, "SELECT case_id FROM cases")}

    def events() -> list[tuple[str, dict[str, Any]]]:
        found = []
        for subject, data, _ in stream_messages(stack.nats_url or "", "vfund.intake.>"):
            event = orjson.loads(data)
            if event["source"] == "/vfund/intake" and event["subject"] in ours:
                found.append((subject, event))
        return found

    seen = wait_for(
        lambda: (found := events()) and set(CATALOGUE) <= {s for s, _ in found} and found,
        what="every kind of intake event in the stream",
    )
    wrong = {}
    for subject, event in seen:
        model = CATALOGUE[subject]
        typed = model.model_validate(event["data"], strict=False).model_dump(mode="json")
        if typed != event["data"] or _nulls_or_placeholders(event["data"]):
            wrong[f"{subject} {event['id']}"] = event["data"]
    assert not wrong, wrong
    assert len(seen) > len(CATALOGUE)


def test_an_accepted_date_of_birth_today_anywhere_is_not_the_future(api: Api) -> None:
    """The latest calendar day on Earth is today in Kiribati (UTC+14): a birth that day is
    accepted wherever the server's clock stands."""
    born = (datetime.now(UTC) + timedelta(hours=14)).date()
    _submit(api, _with(victim__date_of_birth=born.isoformat()))
