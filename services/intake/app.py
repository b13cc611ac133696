"""Composition root of the intake service."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI

from services.intake import actions_api, api, documents_api, handlers, read_api
from services.intake.blind_index import blind_index_key_from_config
from services.intake.settings import IntakeSettings
from shared.crypto import MasterKeyring
from shared.events import intake, subjects
from shared.service import Runtime, ServiceSpec, create_app, serve


def keyring_from(settings: IntakeSettings) -> MasterKeyring:
    if settings.master_key:
        return MasterKeyring.from_config(settings.master_key)
    if settings.master_key_file:
        return MasterKeyring.from_file(settings.master_key_file)
    raise RuntimeError("set VFUND_MASTER_KEY or VFUND_MASTER_KEY_FILE")


async def load_keys(rt: Runtime) -> None:
    settings = rt.settings
    assert isinstance(settings, IntakeSettings)
    keyring = keyring_from(settings)
    rt.extras["keyring"] = keyring
    # Duplicate detection and the idempotency digests need it: no silent running without.
    if settings.blind_index_key:
        encoded = settings.blind_index_key
    elif settings.blind_index_key_file:
        encoded = settings.blind_index_key_file.read_text()
    else:
        raise RuntimeError("set VFUND_BLIND_INDEX_KEY or VFUND_BLIND_INDEX_KEY_FILE")
    rt.extras["blind_index_key"] = blind_index_key_from_config(encoded, master=keyring)


def _routes() -> APIRouter:
    routes = APIRouter()
    for module in (api, read_api, documents_api, actions_api):
        routes.include_router(module.router)
    return routes


SPEC = ServiceSpec(
    name="intake",
    title="vfund intake",
    api=_routes(),
    events=handlers.router,
    migrations=Path(__file__).parent / "migrations",
    publishes=[
        (subjects.CASE_SUBMITTED, intake.CaseSubmitted),
        (subjects.CASE_DUPLICATE_SUSPECTED, intake.CaseDuplicateSuspected),
        (subjects.CASE_DUPLICATE_CLEARED, intake.CaseDuplicateCleared),
        (subjects.DOCUMENT_ATTACHED, intake.DocumentAttached),
        (subjects.CASE_INFORMATION_PROVIDED, intake.CaseInformationProvided),
        (subjects.CASE_WITHDRAWN, intake.CaseWithdrawn),
        (subjects.REPORT_SUBMITTED, intake.ReportSubmitted),
        (subjects.CASE_CLOSED, intake.CaseClosed),
        (subjects.PERSONAL_DATA_ACCESSED, intake.PersonalDataAccessed),
        (subjects.PERSONAL_DATA_ERASED, intake.PersonalDataErased),
    ],
    startup=[load_keys],
    body_limits={"/documents": documents_api.BODY_LIMIT},
)


def create(settings: IntakeSettings | None = None) -> FastAPI:
    return create_app(SPEC, settings or IntakeSettings())


def main() -> None:
    serve(SPEC, IntakeSettings())
