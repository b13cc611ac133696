"""Composition root of the web service: its pages, its background jobs, its context."""

from __future__ import annotations

import asyncio
from pathlib import Path

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from services.web import context, errors, pages, test_hooks
from services.web.context import WebContext
from services.web.security import SecurityHeaders
from services.web.settings import WebSettings
from shared.service import ServiceSpec, create_app


async def close_clients_on_stop(ctx: WebContext) -> None:
    """Holds the service clients' connection pool until the service stops."""
    try:
        await asyncio.Event().wait()
    finally:
        await ctx.clients.close()


SPEC = ServiceSpec(
    name="web",
    title="vfund web",
    settings=WebSettings,
    context=context.build,
    # Every area's router (services/web/pages/<area>.py): a new area is a new module.
    routers=pages.routers(),
    # Notifications (issue 21) will subscribe here.
    subscriptions=[],
    migrations=Path(__file__).parent / "migrations",
    # What it publishes is its part of the catalogue (shared/events/web.py), found by prefix.
    publishes=[],
    background=[close_clients_on_stop],
    # A bank file uploaded on /finance/statements (the disbursement service's own limit, 10 MB,
    # plus the form around it).
    body_limits={"/finance/statements": 10 * 1024 * 1024 + 64 * 1024},
)


def create(settings: WebSettings | None = None) -> FastAPI:
    """The shared service app, plus what a door for people needs: HTML error pages, the
    security headers on every answer, compression (partners on slow links)."""
    settings = settings or WebSettings()
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
