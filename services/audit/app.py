"""Composition root of the audit service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.audit import api, handlers
from services.audit.settings import AuditSettings
from shared.service import ServiceSpec, create_app, serve

SPEC = ServiceSpec(
    name="audit",
    title="vfund audit",
    api=api.router,
    events=handlers.router,
    migrations=Path(__file__).parent / "migrations",
)


def create(settings: AuditSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or AuditSettings())


def main() -> None:
    serve(SPEC, AuditSettings())
