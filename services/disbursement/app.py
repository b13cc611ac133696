"""Composition root of the disbursement service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.disbursement import api, handlers
from services.disbursement.settings import DisbursementSettings
from shared.service import ServiceSpec, create_app, serve

SPEC = ServiceSpec(
    name="disbursement",
    title="vfund disbursement",
    api=api.router,
    events=handlers.router,
    migrations=Path(__file__).parent / "migrations",
)


def create(settings: DisbursementSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or DisbursementSettings())


def main() -> None:
    serve(SPEC, DisbursementSettings())
