"""Composition root of the audit service: its routes, its background jobs, its context."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.audit import context, export_api, handlers, log_api, reports_api
from services.audit.settings import AuditSettings
from shared.events import subjects
from shared.events.audit import TreeHeadSigned
from shared.service import ServiceSpec, create_app, serve

SPEC = ServiceSpec(
    name="audit",
    title="vfund audit",
    settings=AuditSettings,
    context=context.build,
    routers=[log_api.router, export_api.router, reports_api.router],
    # The log consumes every subject in stream order: a background job, not a subscription.
    subscriptions=[],
    migrations=Path(__file__).parent / "migrations",
    publishes=[(subjects.TREE_HEAD_SIGNED, TreeHeadSigned)],
    background=[handlers.write_log, handlers.sign_heads],
)


def create(settings: AuditSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings)


def main() -> None:
    serve(SPEC)
