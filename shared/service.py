"""The composition root every service shares: pools, broker, relay, HTTP app, health and metrics."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import socket
import sys
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import nats
from fastapi import APIRouter, Depends, FastAPI, Response
from fastapi.responses import JSONResponse
from faststream.nats import NatsBroker, NatsRouter
from faststream.specification import AsyncAPI
from nats.aio.client import Client as NatsClient
from nats.js import JetStreamContext
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic.warnings import UnsupportedFieldAttributeWarning
from starlette.types import ASGIApp

from shared import faults, http, links, problems
from shared import logging as vlog
from shared.auth import Authenticator
from shared.consume import Delivery, Subscription, delivery_guard, subscribe
from shared.db import Db
from shared.events import CATALOGUE
from shared.events.envelope import EventData
from shared.outbox import OutboxRelay
from shared.settings import Settings
from shared.stream import check_stream

PLATFORM_MIGRATIONS = Path(__file__).parent / "migrations"
log = vlog.get_logger(__name__)


S = TypeVar("S", bound=Settings)
C = TypeVar("C")


@dataclass
class Platform(Generic[S]):
    """What every running service holds; its context builder takes what its code needs."""

    settings: S
    db: Db
    nc: NatsClient
    js: JetStreamContext
    broker: NatsBroker
    relay: OutboxRelay
    delivery: Delivery


@dataclass
class ServiceSpec(Generic[S, C]):
    """A service as its composition root (`app.py`) declares it.

    `context` builds, once the pools are open, the typed context every route (`Depends`) and
    every handler (`FromContext("context")`) receives; `background` jobs get it too."""

    name: str
    title: str
    settings: type[S]
    context: Callable[[Platform[S]], Awaitable[C]]
    routers: Sequence[APIRouter]
    subscriptions: Sequence[Subscription]
    migrations: Path
    publishes: Sequence[tuple[str, type[EventData]]] = ()
    background: Sequence[Callable[[C], Awaitable[None]]] = ()
    body_limits: dict[str, int] = field(default_factory=dict)


@dataclass
class _Running(Generic[S, C]):
    platform: Platform[S]
    context: C
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    consuming: bool = False


def create_app(spec: ServiceSpec[S, C], settings: S | None = None) -> FastAPI:
    """Build a service's FastAPI app; the lifespan opens and closes everything it uses."""
    settings = settings or spec.settings()
    holder: dict[str, _Running[S, C]] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        vlog.configure(spec.name, settings.log_level, settings.log_file)
        faults.arm(settings.crash_points, settings.crash_probability)
        app.state.authenticator = authenticator(settings)
        running = await _start(spec, settings)
        holder["running"] = running
        app.state.context = running.context
        app.state.db = running.platform.db
        _freeze_what_lives_forever()
        log.info("service started", port=settings.http_port)
        try:
            yield
        finally:
            await _stop(running)
            log.info("service stopped")

    app = FastAPI(
        title=spec.title,
        version="1.0.0",
        lifespan=lifespan,
        description=f"vfund {spec.name} service",
        # The docs pages are served with their assets (shared.http.docs_router), not from a CDN.
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(http.json_body_only)],
    )
    problems.install(app)
    _document(app)
    app.add_middleware(
        http.BodyLimit, default=settings.request_body_limit, overrides=spec.body_limits
    )
    app.add_middleware(http.RequestContext, service=spec.name)
    for router in spec.routers:
        app.include_router(router)
    app.include_router(_ops_router(spec, holder))
    app.include_router(http.docs_router(f"vfund {spec.name}"))
    _outermost(
        app,
        lambda inner: http.Hygiene(
            inner, max_header_bytes=settings.max_header_bytes, ops_port=settings.ops_port
        ),
    )
    return app


def authenticator(settings: Settings) -> Authenticator:
    """The token verifier the settings describe; refuses settings that would check less."""
    return Authenticator.from_files(
        settings.jwt_public_keys,
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
        max_lifetime=settings.jwt_max_lifetime_seconds,
    )


def _outermost(app: FastAPI, wrap: Callable[[ASGIApp], ASGIApp]) -> None:
    """Put `wrap` around the whole stack, Starlette's 500 handler included (middleware added
    with `add_middleware` sits inside it, so a 500 would miss the security headers). A service
    may still add exception handlers and middleware after `create_app`: the stack is built on
    the first request, by this same method."""
    build = app.build_middleware_stack

    def build_wrapped() -> ASGIApp:
        return wrap(build())

    app.build_middleware_stack = build_wrapped  # type: ignore[method-assign]


# FastAPI names a body parameter's field with an alias (the parameter's name); when the body's
# model defers its build (ours do), pydantic builds the validator at the first request and warns
# that this alias has no effect there. The warning is about FastAPI's own field, not ours, and
# printing it read pydantic's 3,000-line source into the line cache for good (290 KiB).
warnings.filterwarnings(
    "ignore",
    message=r"The 'alias' attribute with value '\w+' was provided to the `Field\(\)` function",
    category=UnsupportedFieldAttributeWarning,
)


def _freeze_what_lives_forever() -> None:
    """Move everything built at startup (modules, models, routes, pools: ~100k objects that live
    as long as the process) out of the cyclic collector's reach. A full collection walked all of
    it while every request and event in flight waited: 83-110 ms in intake, assessment and
    disbursement during a bench run; with them frozen, 2-10 ms. Garbage is collected first, so
    none is kept."""
    gc.collect()
    gc.freeze()


async def _start(spec: ServiceSpec[S, C], settings: S) -> _Running[S, C]:
    db = await Db.connect(
        settings.database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max
    )
    nc = await nats.connect(
        settings.nats_url.split(","),
        name=f"vfund-{spec.name}",
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        allow_reconnect=True,
    )
    js = nc.jetstream()
    await check_stream(
        js,
        replicas=settings.stream_replicas,
        duplicate_window=settings.stream_duplicate_window_seconds,
    )
    delivery = Delivery.from_settings(spec.name, js, settings)
    broker = NatsBroker(
        settings.nats_url.split(","),
        name=f"vfund-{spec.name}-consumer",
        max_reconnect_attempts=-1,
        reconnect_time_wait=1,
        middlewares=[delivery_guard(lambda: delivery)],
        # FastStream logs every message at INFO; our guard logs what matters.
        logger=None,
    )
    relay = OutboxRelay(
        db,
        js,
        service=spec.name,
        batch=settings.outbox_batch,
        poll_seconds=settings.outbox_poll_seconds,
    )
    platform = Platform(
        settings=settings, db=db, nc=nc, js=js, broker=broker, relay=relay, delivery=delivery
    )
    running = _Running(platform=platform, context=await spec.context(platform))
    subscribers = NatsRouter()
    for subscription in spec.subscriptions:
        subscribe(subscribers, subscription, delivery)
    broker.include_router(subscribers)
    # The AsyncAPI lists what the service publishes: its part of the catalogue, plus any extra.
    own = {s: m for s, m in CATALOGUE.items() if s.startswith(f"vfund.{spec.name}.")}
    for subject, model in (own | dict(spec.publishes)).items():
        broker.publisher(subject, schema=model, title=f"{spec.name}:{subject}")
    broker.context.set_global("context", running.context)
    await broker.start()
    running.consuming = True
    running.tasks.append(asyncio.create_task(relay.run(), name=f"{spec.name}-outbox-relay"))
    for job in spec.background:
        running.tasks.append(
            asyncio.create_task(_forever(job, running.context), name=f"{spec.name}-{job.__name__}")
        )
    return running


async def _forever(job: Callable[[C], Awaitable[None]], context: C) -> None:
    while True:
        try:
            await job(context)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("background job interrupted", job=job.__name__, error=type(exc).__name__)
            await asyncio.sleep(1.0)


async def _stop(running: _Running[S, C]) -> None:
    running.consuming = False
    platform = running.platform
    for task in running.tasks:
        task.cancel()
    for task in running.tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    with contextlib.suppress(Exception):
        await platform.broker.stop()
    await platform.relay.close()
    with contextlib.suppress(Exception):
        await platform.nc.drain()
    await platform.db.close()


def _document(app: FastAPI) -> None:
    """The OpenAPI says which problems every operation may answer, and links each create to
    the reads and changes of what it created (schemathesis follows them)."""
    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = links.document(problems.document(default_openapi()))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _ops_router(spec: ServiceSpec[S, C], holder: dict[str, _Running[S, C]]) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "live"}

    @router.get("/health/ready")
    async def ready() -> JSONResponse:
        running = holder.get("running")
        checks = {
            "database": bool(running and await running.platform.db.ping()),
            "nats": bool(running and running.platform.nc.is_connected),
            "consumers": bool(running and running.consuming),
        }
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not-ready", "checks": checks},
            status_code=200 if ok else 503,
        )

    @router.get("/metrics")
    async def prometheus() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @router.get("/asyncapi.json")
    async def asyncapi() -> JSONResponse:
        running = holder.get("running")
        if running is None:
            return problems.problem_response(503, "the service is starting")
        schema = AsyncAPI(
            running.platform.broker, title=f"vfund {spec.name} events", version="1.0.0"
        ).to_specification()
        return JSONResponse(schema.to_jsonable())

    return router


def serve(spec: ServiceSpec[S, C]) -> None:
    """Run one service process: uvicorn on the configured port (and the ops port, when one is
    set), the app's lifespan does the rest."""
    import uvicorn

    settings = spec.settings()
    try:
        authenticator(settings)
    except (ValueError, OSError) as exc:
        sys.exit(f"vfund {spec.name} refuses to start: {exc}")
    config = uvicorn.Config(
        create_app(spec, settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        lifespan="on",
        # Idle keep-alive connections would hold the shutdown for the whole timeout.
        timeout_graceful_shutdown=3,
        loop="uvloop",
        http="httptools",
        # No banner naming the server and its version.
        server_header=False,
    )
    server = uvicorn.Server(config)
    if settings.ops_port is None:
        server.run()
        return
    public = config.bind_socket()
    ops = socket.create_server((settings.http_host, settings.ops_port), reuse_port=False)
    server.run(sockets=[public, ops])
