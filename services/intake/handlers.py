"""Intake keeps each case's status and timeline from the other services' events."""

from __future__ import annotations

from typing import Annotated, Any

from faststream import Context
from faststream.nats import NatsRouter

from services.intake import repository as repo
from shared import inbox
from shared.consume import Retry, subscriber
from shared.db import Db
from shared.events import subjects
from shared.events.envelope import CloudEvent, EventData

router = NatsRouter()
CONSUMER = "intake"
DbDep = Annotated[Db, Context("db")]

# What each event means for the caseworker: the status it moves the case to (None: history only).
STATUS_OF: dict[str, str | None] = {
    subjects.INFORMATION_REQUESTED: "information_requested",
    subjects.MEDICAL_COMPLETED: None,
    subjects.LEGAL_COMPLETED: None,
    subjects.CASE_APPROVED: "approved",
    subjects.CASE_REJECTED: "rejected",
    subjects.APPROVAL_PENDING: None,
    subjects.DEADLINE_MISSED: None,
    subjects.BUDGET_RESERVED: "awaiting_payment",
    subjects.BUDGET_INSUFFICIENT: "awaiting_funds",
    subjects.PAYMENT_SCHEDULED: "payment_scheduled",
    subjects.PAYMENT_SENT: "paid",
    subjects.PAYMENT_FAILED: None,
}
# Later states never step back to earlier ones when events arrive out of order.
RANK = {
    "submitted": 0, "in_assessment": 1, "information_requested": 1, "approved": 3,
    "rejected": 9, "awaiting_funds": 4, "awaiting_payment": 5, "payment_scheduled": 6,
    "paid": 7, "closed": 8, "withdrawn": 9,
}


class AnyCaseEvent(EventData):
    case_id: str


@subscriber(router, "vfund.assessment.>", durable="intake-assessment-events",
            description="Case status and timeline from assessments and decisions")
async def on_assessment_event(event: CloudEvent[AnyCaseEvent], db: DbDep) -> None:
    await _track(event, db)


@subscriber(router, "vfund.disbursement.budget.>", durable="intake-budget-events",
            description="Case status from reservations")
async def on_budget_event(event: CloudEvent[AnyCaseEvent], db: DbDep) -> None:
    await _track(event, db)


@subscriber(router, "vfund.disbursement.payment.>", durable="intake-payment-events",
            description="Case status from payments")
async def on_payment_event(event: CloudEvent[AnyCaseEvent], db: DbDep) -> None:
    await _track(event, db)


async def _track(event: CloudEvent[AnyCaseEvent], db: Db) -> None:
    subject = "vfund." + event.type.removeprefix("org.vfund.").rsplit(".", 1)[0]
    async with db.transaction() as tx:
        case = await repo.get_case(tx, case_id=event.data.case_id, for_update=True)
        if case is None:
            raise Retry("case not known yet")
        if not await inbox.first_time(tx, event.id, consumer=CONSUMER):
            return
        kind = subject.removeprefix("vfund.").split(".", 1)[1]
        detail: dict[str, Any] = {k: v for k, v in event.data.model_extra.items()
                                  if k in {"reason_code", "stage", "recommendation",
                                           "amount", "currency", "payment_id"}} \
            if event.data.model_extra else {}
        await repo.add_history(tx, case_id=event.data.case_id, at=event.time, kind=kind,
                               actor=event.actor, event_id=event.id, detail=detail)
        status = STATUS_OF.get(subject)
        if status is not None and RANK.get(status, 0) >= RANK.get(case["status"], 0) \
                and case["status"] != "withdrawn":
            await tx.execute(
                "UPDATE cases SET status = $2, version = version + 1, updated_at = now()"
                " WHERE case_id = $1", event.data.case_id, status,
            )
