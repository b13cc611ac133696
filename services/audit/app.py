"""Composition root of the audit service."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI

from services.audit import api, export_api, handlers, heads
from services.audit.settings import AuditSettings
from shared.events import subjects
from shared.events.audit import TreeHeadSigned
from shared.service import ServiceSpec, create_app, serve

routes = APIRouter()
routes.include_router(api.router)
routes.include_router(export_api.router)

SPEC = ServiceSpec(
    name="audit",
    title="vfund audit",
    api=routes,
    events=handlers.router,
    migrations=Path(__file__).parent / "migrations",
    publishes=[(subjects.TREE_HEAD_SIGNED, TreeHeadSigned)],
    startup=[heads.start],
    background=[handlers.write_log, heads.sign_periodically],
)


def create(settings: AuditSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or AuditSettings())


def main() -> None:
    serve(SPEC, AuditSettings())
