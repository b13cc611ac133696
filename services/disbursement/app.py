"""Composition root of the disbursement service: its routes, its subscriptions, its context."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from services.disbursement import (
    batches_api,
    context,
    fx_api,
    grants_api,
    handlers,
    payees_api,
    payments_api,
    statements_api,
)
from services.disbursement.settings import DisbursementSettings
from shared.consume import Subscription
from shared.events import subjects
from shared.service import ServiceSpec, create_app, serve

SPEC = ServiceSpec(
    name="disbursement",
    title="vfund disbursement",
    settings=DisbursementSettings,
    context=context.build,
    routers=[
        grants_api.router,
        fx_api.router,
        payees_api.router,
        payments_api.router,
        batches_api.router,
        statements_api.router,
    ],
    subscriptions=[
        Subscription(
            subjects.CASE_APPROVED,
            "disbursement-case-approved",
            handlers.on_case_approved,
            "An approved case is reserved on a grant, or waits for funds",
        ),
        Subscription(
            subjects.CASE_WITHDRAWN,
            "disbursement-case-withdrawn",
            handlers.on_case_withdrawn,
            "A withdrawn case's reservation is released, or it leaves the list",
        ),
    ],
    migrations=Path(__file__).parent / "migrations",
)


def spec_for(settings: DisbursementSettings) -> ServiceSpec[DisbursementSettings, Any]:
    """The service as configured: POST /statements takes a bank file as large as the settings
    allow (the other routes keep the common body limit)."""
    limit = statements_api.body_limit(settings.statement_max_bytes)
    return replace(SPEC, body_limits={"/statements": limit})


def create(settings: DisbursementSettings | None = None) -> FastAPI:
    settings = settings or DisbursementSettings()
    return create_app(spec_for(settings), settings)


def main() -> None:
    serve(spec_for(DisbursementSettings()))
