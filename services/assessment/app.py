"""Composition root of the assessment service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.assessment import api, handlers, runtime, wire
from services.assessment.deadlines import deadline_checker
from services.assessment.settings import AssessmentSettings
from shared.service import ServiceSpec, create_app, serve

SPEC = ServiceSpec(
    name="assessment",
    title="vfund assessment",
    api=api.router,
    events=handlers.router,
    migrations=Path(__file__).parent / "migrations",
    publishes=wire.PUBLISHES,
    startup=[runtime.configure],
    background=[deadline_checker],
)


def create(settings: AssessmentSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or AssessmentSettings())


def main() -> None:
    serve(SPEC, AssessmentSettings())
