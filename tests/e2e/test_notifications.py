"""Notifications through the running system (contract section 10): each kind from the event to
the inbox entry and the e-mail in the SMTP sink, in the recipient's language, to the people who
must hear of it and to nobody else (another organisation, a disabled account, who acted)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from support import Api, wait_for
from support.assessment_probe import events_on, publish, wait_known
from support.disbursement_probe import active_payee, create_grant, wait_payment
from support.factories import case_body, item
from support.mail import (
    People,
    expected_id,
    mails_to,
    make_people,
    notifications,
    token,
    wait_mail,
    wait_notification,
)

from dev.stack import Stack
from shared.events import subjects
from shared.events.common import Item
from shared.events.intake import CaseSubmitted, Needs

# A phrase of each kind's sentence in each language (the catalogues' words, not the English).
PHRASES = {
    ("case_queued", "ar"): "بانتظار تقييم طبي",
    ("information_requested", "fr"): "un évaluateur demande des informations",
    ("case_queued", "fr"): "attend une décision",
    ("approval_pending", "fr"): "a une première approbation",
    ("deadline_approaching", "es"): "Se acerca el plazo de evaluación",
    ("deadline_missed", "fr"): "L'échéance de décision du dossier",
    ("batch_waiting", "ar"): "بانتظار موافقة مسؤول مالي آخر",
}


@pytest.fixture(scope="module")
def people(stack: Stack) -> People:
    return make_people(stack)


def submit(api: Api, stack: Stack, people: People, *items: dict[str, Any]) -> tuple[str, str]:
    """A case of the people's organisation, by its caseworker: (case id, reference)."""
    headers = token(stack, people.caseworker, ["caseworker"], people.org)
    made = api.http.post(
        api.url("intake", "/cases"), headers=headers, json=case_body(items=list(items))
    )
    assert made.status_code == 201, made.text
    case_id, reference = made.json()["case_id"], made.json()["reference"]
    wait_known(api, case_id)
    return case_id, reference


def etag(api: Api, case_id: str, user: str) -> str:
    return str(api.get("assessment", f"/cases/{case_id}", user=user).headers["ETag"])


def kinds(stack: Stack, account_id: str, case_id: str) -> list[str]:
    return [n["kind"] for n in notifications(stack, account_id, case_id=case_id)]


def test_a_case_through_assessment_tells_each_person_in_their_language(
    api: Api, stack: Stack, people: People
) -> None:
    case_id, reference = submit(api, stack, people, item("medical", "6000.00"))

    # In the medical queue: the medical assessors hear of it, in Arabic for one of them.
    queued = wait_notification(stack, people.medical, case_id=case_id, kind="case_queued")
    assert (queued["queue"], queued["reference"], queued["link"]) == (
        "medical",
        reference,
        f"/assessment/cases/{case_id}",
    )
    mail = wait_mail(stack, people.email(people.medical), reference)
    assert mail.language == "ar" and PHRASES[("case_queued", "ar")] in mail.text
    event = events_on(stack, subjects.CASE_SUBMITTED, case_id)[0]
    assert mail.message_id == expected_id(f"{event['id']}:medical", people.medical)
    assert f"/assessment/cases/{case_id}" in mail.text and 'dir="rtl"' in mail.html
    wait_notification(stack, "medical-1", case_id=case_id, kind="case_queued")
    assert kinds(stack, people.legal, case_id) == []

    # A question: the organisation's caseworkers hear of it (in French); nobody of another
    # organisation, not a disabled account.
    asked = api.post(
        "assessment",
        f"/cases/{case_id}/information-requests",
        user="medical-1",
        json={"question_category": "medical_report"},
    )
    assert asked.status_code == 201, asked.text
    request = wait_notification(
        stack, people.caseworker, case_id=case_id, kind="information_requested"
    )
    assert request["link"] == f"/cases/{case_id}"
    mail = wait_mail(stack, people.email(people.caseworker), reference)
    assert mail.language == "fr" and PHRASES[("information_requested", "fr")] in mail.text
    event = events_on(stack, subjects.INFORMATION_REQUESTED, case_id)[0]
    assert mail.message_id == expected_id(event["id"], people.caseworker)

    # The answer sends the case back to the medical queue: told again, as a new notice.
    wait_for(
        lambda: (
            api.get(
                "intake",
                f"/cases/{case_id}",
                headers=token(stack, people.caseworker, ["caseworker"], people.org),
            ).json()["status"]
            == "information_requested"
        ),
        what="intake shows the question",
    )
    answered = api.http.post(
        api.url("intake", f"/cases/{case_id}/information"),
        headers=token(stack, people.caseworker, ["caseworker"], people.org),
        json={"request_id": asked.json()["request_id"], "answer": "The report is attached."},
    )
    assert answered.status_code == 200, answered.text
    wait_for(
        lambda: len(notifications(stack, people.medical, case_id=case_id)) == 2,
        what="the answered case back in the medical queue",
    )
    wait_for(
        lambda: len(mails_to(stack, people.email(people.medical), reference)) == 2,
        what="a second e-mail: the case is back in the queue",
    )

    # Assessed: the case waits for a decision, and the fund managers hear of it.
    items = api.get("assessment", f"/cases/{case_id}", user="medical-1").json()["items"]
    done = api.post(
        "assessment",
        f"/cases/{case_id}/medical-assessment",
        user="medical-1",
        json={
            "recommendation": "support",
            "notes": "",
            "recommended_items": [
                {k: i[k] for k in ("item_id", "amount", "currency")} for i in items
            ],
        },
    )
    assert done.status_code == 201, done.text
    for manager in ("manager-1", "manager-2", people.manager):
        wait_notification(stack, manager, case_id=case_id, kind="case_queued", queue="decision")
    wait_mail(stack, people.email(people.manager), reference, PHRASES[("case_queued", "fr")])

    # 6,000 CHF: a first approval waits for a second, told to the other fund managers only.
    approved = [{k: i[k] for k in ("item_id", "amount", "currency")} for i in items]
    first = api.post(
        "assessment",
        f"/cases/{case_id}/decision",
        user="manager-1",
        json={"decision": "approve", "approved_items": approved},
    )
    assert first.status_code == 202, first.text
    pending = wait_notification(stack, people.manager, case_id=case_id, kind="approval_pending")
    assert pending["link"] == f"/assessment/cases/{case_id}"
    wait_notification(stack, "manager-2", case_id=case_id, kind="approval_pending")
    mail = wait_mail(stack, people.email(people.manager), PHRASES[("approval_pending", "fr")])
    assert reference in mail.subject and mail.language == "fr"
    event = events_on(stack, subjects.APPROVAL_PENDING, case_id)[0]
    assert mail.message_id == expected_id(event["id"], people.manager)

    # Nobody heard what was not theirs to hear: the first approver, the other organisation's
    # caseworker, the disabled one; and the e-mails went to these people only, each once.
    assert "approval_pending" not in kinds(stack, "manager-1", case_id)
    assert kinds(stack, "caseworker-a", case_id) == []
    assert kinds(stack, people.off, case_id) == []
    assert mails_to(stack, people.email(people.off), reference) == []
    assert kinds(stack, people.legal, case_id) == []
    assert kinds(stack, people.caseworker, case_id) == ["information_requested"]
    for person in (people.caseworker, people.medical, people.manager):
        sent = mails_to(stack, people.email(person), reference)
        assert len({m.message_id for m in sent}) == len(sent), "an e-mail came twice"


def inject_case(stack: Stack, people: People, *, hours_ago: float) -> tuple[str, str]:
    """An emergency legal case as intake would have announced it `hours_ago`: the assessment
    service's deadlines run from then."""
    case_id = str(uuid.uuid4())
    reference = f"VF-T-{case_id[:8]}"
    data = CaseSubmitted(
        case_id=case_id, reference=reference, org_id=people.org, country="LB",
        urgency="emergency", needs=Needs(medical=False, legal=True), submitted_by=people.caseworker,
        items=[Item(item_id="item-1", category="legal", amount="800.00", currency="CHF")],
    )  # fmt: skip
    publish(
        stack,
        subjects.CASE_SUBMITTED,
        data,
        case_id=case_id,
        time=datetime.now(UTC) - timedelta(hours=hours_ago),
    )
    return case_id, reference


def test_deadlines_near_and_missed_reach_the_people_of_their_stage(
    api: Api, stack: Stack, people: People
) -> None:
    near, near_ref = inject_case(stack, people, hours_ago=13)
    late, late_ref = inject_case(stack, people, hours_ago=49)
    wait_known(api, near)
    wait_known(api, late)

    # 13 hours into an emergency's 24 for the assessment: near, for the legal assessors.
    approaching = wait_notification(
        stack, people.legal, case_id=near, kind="deadline_approaching", timeout=45
    )
    assert approaching["stage"] == "assessment" and approaching["due_at"] is not None
    mail = wait_mail(
        stack, people.email(people.legal), near_ref, PHRASES[("deadline_approaching", "es")]
    )
    assert mail.language == "es"
    assert "deadline_approaching" not in kinds(stack, people.manager, near)
    assert "deadline_approaching" not in kinds(stack, people.medical, near)

    # 49 hours into 48: both stages missed; the decision's is the fund managers'.
    missed = wait_notification(
        stack, people.manager, case_id=late, kind="deadline_missed", timeout=45
    )
    assert missed["stage"] == "decision"
    wait_notification(stack, people.legal, case_id=late, kind="deadline_missed", stage="assessment")
    wait_mail(stack, people.email(people.manager), late_ref, PHRASES[("deadline_missed", "fr")])
    assert "deadline_missed" not in kinds(stack, people.medical, late)


def test_a_batch_waits_for_the_other_officers_and_a_failed_payment_tells_finance(
    api: Api, stack: Stack, people: People
) -> None:
    create_grant(api, amount="5000.00")
    active_payee(api, people.org)
    case_id, reference = submit(api, stack, people, item("medical", "150.00"))
    items = api.get("assessment", f"/cases/{case_id}", user="medical-1").json()["items"]
    lines = [{k: i[k] for k in ("item_id", "amount", "currency")} for i in items]
    done = api.post(
        "assessment",
        f"/cases/{case_id}/medical-assessment",
        user="medical-1",
        json={"recommendation": "support", "notes": "", "recommended_items": lines},
    )
    assert done.status_code == 201, done.text
    decided = api.post(
        "assessment",
        f"/cases/{case_id}/decision",
        user="manager-1",
        json={"decision": "approve", "approved_items": lines},
        headers={"If-Match": etag(api, case_id, "manager-1")},
    )
    assert decided.status_code == 200, decided.text
    payment = wait_payment(api, case_id, "scheduled")

    # The Arabic-speaking officer does not want e-mails of failed payments (the inbox still).
    query_off(stack, people.finance, "payment_failed")
    made = api.post(
        "disbursement",
        "/batches",
        user="finance-1",
        json={"currency": "CHF", "payment_ids": [payment["payment_id"]]},
    )
    assert made.status_code == 201, made.text
    batch_id = made.json()["batch_id"]
    told = wait_notification(stack, people.finance, batch_id=batch_id, kind="batch_waiting")
    assert told["link"] == f"/finance/batches/{batch_id}" and told["reference"] is None
    wait_notification(stack, "finance-2", batch_id=batch_id, kind="batch_waiting")
    mail = wait_mail(stack, people.email(people.finance), f"/finance/batches/{batch_id}")
    assert PHRASES[("batch_waiting", "ar")] in mail.text and f"/finance/batches/{batch_id}" in (
        mail.text
    )
    assert notifications(stack, "finance-1", batch_id=batch_id) == [], "the creator knows"

    seen = api.get("disbursement", f"/batches/{batch_id}", user="finance-2").headers["ETag"]
    approved = api.post(
        "disbursement",
        f"/batches/{batch_id}/approve",
        user="finance-2",
        headers={"If-Match": seen},
    )
    assert approved.status_code == 200, approved.text
    failed = api.post(
        "disbursement",
        f"/payments/{payment['payment_id']}/fail",
        user="finance-1",
        json={"reason": "AC04 closed account"},
    )
    assert failed.status_code == 200, failed.text
    for officer in ("finance-1", "finance-2", people.finance):
        row = wait_notification(stack, officer, case_id=case_id, kind="payment_failed")
        assert row["reference"] == reference and row["link"] == "/finance/payments"
    mail = wait_mail(stack, "finance-1@demo.vfund.invalid", f"A payment for case {reference}")
    assert mail.language == "en"
    event = wait_for(
        lambda: events_on(stack, subjects.PAYMENT_FAILED, case_id), what="payment.failed"
    )[0]
    assert mail.message_id == expected_id(event["id"], "finance-1")
    # Chosen off: an inbox entry, no e-mail.
    assert mails_to(stack, people.email(people.finance), reference) == []
    assert [n["kind"] for n in notifications(stack, people.finance, case_id=case_id)] == [
        "payment_failed"
    ]


def query_off(stack: Stack, account_id: str, kind: str) -> None:
    """The person's choice, as the /account form stores it (tests/web proves the form)."""
    from support import query

    query(
        stack.service_dsns["web"],
        "INSERT INTO notification_settings (account_id, kind, email) VALUES ($1, $2, false)"
        " ON CONFLICT (account_id, kind) DO UPDATE SET email = false",
        account_id,
        kind,
    )
