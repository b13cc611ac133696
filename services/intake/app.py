"""Composition root of the intake service: its routes, its subscriptions, its context."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.intake import actions_api, cases_api, context, documents_api, handlers
from services.intake.settings import IntakeSettings
from shared.consume import Subscription
from shared.events import intake, subjects
from shared.service import ServiceSpec, create_app, serve

SPEC = ServiceSpec(
    name="intake",
    title="vfund intake",
    settings=IntakeSettings,
    context=context.build,
    routers=[cases_api.router, documents_api.router, actions_api.router],
    subscriptions=[
        Subscription(
            "vfund.assessment.>",
            "intake-assessment-events",
            handlers.on_assessment_event,
            "Case status and timeline from assessments and decisions",
        ),
        Subscription(
            "vfund.disbursement.budget.>",
            "intake-budget-events",
            handlers.on_budget_event,
            "Case status from reservations",
        ),
        Subscription(
            "vfund.disbursement.payment.>",
            "intake-payment-events",
            handlers.on_payment_event,
            "Case status from payments",
        ),
    ],
    migrations=Path(__file__).parent / "migrations",
    publishes=[
        (subjects.CASE_SUBMITTED, intake.CaseSubmitted),
        (subjects.CASE_DUPLICATE_SUSPECTED, intake.CaseDuplicateSuspected),
        (subjects.CASE_DUPLICATE_CLEARED, intake.CaseDuplicateCleared),
        (subjects.DOCUMENT_ATTACHED, intake.DocumentAttached),
        (subjects.CASE_INFORMATION_PROVIDED, intake.CaseInformationProvided),
        (subjects.CASE_WITHDRAWN, intake.CaseWithdrawn),
        (subjects.REPORT_SUBMITTED, intake.ReportSubmitted),
        (subjects.CASE_CLOSED, intake.CaseClosed),
        (subjects.PERSONAL_DATA_ACCESSED, intake.PersonalDataAccessed),
        (subjects.PERSONAL_DATA_ERASED, intake.PersonalDataErased),
    ],
    body_limits={"/documents": documents_api.BODY_LIMIT},
)


def create(settings: IntakeSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings)


def main() -> None:
    serve(SPEC)
