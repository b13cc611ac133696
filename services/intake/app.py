"""Composition root of the intake service."""

from __future__ import annotations

import base64
from pathlib import Path

from fastapi import FastAPI

from services.intake import api, handlers
from services.intake.settings import IntakeSettings
from shared.crypto import MasterKeyring
from shared.events import intake, subjects
from shared.service import Runtime, ServiceSpec, create_app, serve


async def load_keys(rt: Runtime) -> None:
    settings = rt.settings
    assert isinstance(settings, IntakeSettings)
    if settings.master_key:
        rt.extras["keyring"] = MasterKeyring.from_config(settings.master_key)
    elif settings.master_key_file:
        rt.extras["keyring"] = MasterKeyring.from_file(settings.master_key_file)
    else:
        raise RuntimeError("set VFUND_MASTER_KEY or VFUND_MASTER_KEY_FILE")
    if settings.blind_index_key_file:
        rt.extras["blind_index_key"] = base64.b64decode(
            settings.blind_index_key_file.read_bytes().strip())


SPEC = ServiceSpec(
    name="intake",
    title="vfund intake",
    api=api.router,
    events=handlers.router,
    migrations=Path(__file__).parent / "migrations",
    publishes=[
        (subjects.CASE_SUBMITTED, intake.CaseSubmitted),
        (subjects.PERSONAL_DATA_ACCESSED, intake.PersonalDataAccessed),
    ],
    startup=[load_keys],
)


def create(settings: IntakeSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or IntakeSettings())


def main() -> None:
    serve(SPEC, IntakeSettings())
