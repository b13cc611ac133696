"""Composition root of the assessment service: its routes, its subscriptions, its context."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.assessment import (
    assessments_api,
    cases_api,
    context,
    decisions_api,
    handlers,
    queue_api,
    wire,
)
from services.assessment.jobs import deadline_checker
from services.assessment.settings import AssessmentSettings
from shared.consume import Subscription
from shared.events import subjects
from shared.service import ServiceSpec, create_app, serve

SPEC = ServiceSpec(
    name="assessment",
    title="vfund assessment",
    settings=AssessmentSettings,
    context=context.build,
    routers=[queue_api.router, cases_api.router, assessments_api.router, decisions_api.router],
    subscriptions=[
        Subscription(
            subjects.CASE_SUBMITTED,
            "assessment-case-submitted",
            handlers.on_case_submitted,
            "A submitted case enters the assessment queues",
        ),
        Subscription(
            subjects.CASE_INFORMATION_PROVIDED,
            "assessment-case-information-provided",
            handlers.on_information_provided,
            "An answered question sends the case back to its assessor's queue",
        ),
        Subscription(
            subjects.CASE_WITHDRAWN,
            "assessment-case-withdrawn",
            handlers.on_case_withdrawn,
            "A withdrawn case leaves every queue and can no longer be decided",
        ),
        Subscription(
            subjects.CASE_DUPLICATE_SUSPECTED,
            "assessment-duplicate-suspected",
            handlers.on_duplicate_suspected,
            "A suspected duplicate is flagged in the queues",
        ),
        Subscription(
            subjects.CASE_DUPLICATE_CLEARED,
            "assessment-duplicate-cleared",
            handlers.on_duplicate_cleared,
            "A cleared duplicate loses its queue flag",
        ),
        Subscription(
            subjects.FX_RATE_RECORDED,
            "assessment-fx-rate-recorded",
            handlers.on_fx_rate_recorded,
            "Exchange rates for the CHF equivalents of the decision thresholds",
        ),
    ],
    migrations=Path(__file__).parent / "migrations",
    publishes=wire.PUBLISHES,
    background=[deadline_checker],
)


def create(settings: AssessmentSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings)


def main() -> None:
    serve(SPEC)
