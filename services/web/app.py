"""Composition root of the web service: its pages, its background jobs, its context."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI
from starlette.formparsers import MultiPartParser
from starlette.middleware.gzip import GZipMiddleware

from services.web import context, errors, handlers, pages, test_hooks
from services.web.context import WebContext
from services.web.security import SecurityHeaders
from services.web.settings import WebSettings
from shared.consume import Subscription
from shared.events import subjects
from shared.service import ServiceSpec, create_app


async def close_clients_on_stop(ctx: WebContext) -> None:
    """Holds the service clients' connection pool until the service stops."""
    try:
        await asyncio.Event().wait()
    finally:
        await ctx.clients.close()


async def send_mail(ctx: WebContext) -> None:
    """The outbox of e-mails, sent and retried (without VFUND_SMTP_URL: nothing to send)."""
    if ctx.mailer is None:
        await asyncio.Event().wait()
        return
    await ctx.mailer.run()


SPEC = ServiceSpec(
    name="web",
    title="vfund web",
    settings=WebSettings,
    context=context.build,
    # Every area's router (services/web/pages/<area>.py): a new area is a new module.
    routers=pages.routers(),
    # Notifications (contract section 10): what tells people that something needs them.
    subscriptions=[
        Subscription(
            subjects.CASE_SUBMITTED,
            "web-case-submitted",
            handlers.on_case_submitted,
            "A new case enters the assessors' (or the fund managers') queue",
        ),
        Subscription(
            subjects.CASE_INFORMATION_PROVIDED,
            "web-case-information-provided",
            handlers.on_information_provided,
            "An answered question sends the case back to a queue",
        ),
        Subscription(
            subjects.INFORMATION_REQUESTED,
            "web-information-requested",
            handlers.on_information_requested,
            "The case's organisation's caseworkers hear of a question",
        ),
        Subscription(
            subjects.REVIEW_REQUESTED,
            "web-review-requested",
            handlers.on_review_requested,
            "A review sends the case to another specialist's queue",
        ),
        Subscription(
            subjects.MEDICAL_COMPLETED,
            "web-medical-completed",
            handlers.on_medical_completed,
            "A completed assessment may send the case on to the decision queue",
        ),
        Subscription(
            subjects.LEGAL_COMPLETED,
            "web-legal-completed",
            handlers.on_legal_completed,
            "A completed assessment may send the case on to the decision queue",
        ),
        Subscription(
            subjects.APPROVAL_PENDING,
            "web-approval-pending",
            handlers.on_approval_pending,
            "The other fund managers hear of a first approval waiting for its second",
        ),
        Subscription(
            subjects.DEADLINE_APPROACHING,
            "web-deadline-approaching",
            handlers.on_deadline_approaching,
            "The assessors or fund managers of the stage hear of a deadline 12 hours away",
        ),
        Subscription(
            subjects.DEADLINE_MISSED,
            "web-deadline-missed",
            handlers.on_deadline_missed,
            "The assessors or fund managers of the stage hear of a missed deadline",
        ),
        Subscription(
            subjects.BATCH_CREATED,
            "web-batch-created",
            handlers.on_batch_created,
            "The other finance officers hear of a batch waiting for approval",
        ),
        Subscription(
            subjects.PAYMENT_FAILED,
            "web-payment-failed",
            handlers.on_payment_failed,
            "Finance hears of a failed payment",
        ),
    ],
    migrations=Path(__file__).parent / "migrations",
    # What it publishes is its part of the catalogue (shared/events/web.py), found by prefix.
    publishes=[],
    background=[close_clients_on_stop, send_mail],
    # A case's documents (10 MB, as intake takes them) and the request form (long texts).
    body_limits={
        "/documents": 10 * 1024 * 1024 + 64 * 1024,
        "/cases/new": 1024 * 1024,
        "/cases/new/items": 1024 * 1024,
        # A bank file uploaded on /finance/statements (the disbursement service's own limit,
        # 10 MB, plus the form around it).
        "/finance/statements": 10 * 1024 * 1024 + 64 * 1024,
    },
)


def create(settings: WebSettings | None = None) -> FastAPI:
    """The shared service app, plus what a door for people needs: HTML error pages, the
    security headers on every answer, compression (partners on slow links)."""
    settings = settings or WebSettings()
    # A document a person uploads stays in memory on its way to intake, never in a file here.
    MultiPartParser.spool_max_size = SPEC.body_limits["/documents"]
    app = create_app(SPEC, settings)
    errors.install(app)
    if settings.web_test_hooks:
        app.include_router(test_hooks.router)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=6)
    return app


def main() -> None:
    """`shared.service.serve`, with the app built by `create` (which adds the web's own)."""
    import uvicorn

    settings = WebSettings()
    uvicorn.run(
        create(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=3,
        loop="uvloop",
        http="httptools",
        server_header=False,
    )
