"""Reads of a case and its documents; a read of personal data commits the event that says it."""

from __future__ import annotations

from typing import Any

from services.intake import views
from services.intake.commands import unit
from services.intake.commands.unit import Caller
from services.intake.context import IntakeContext
from services.intake.domain import access
from services.intake.personal import (
    document_field,
    open_one,
    open_sealed,
)
from services.intake.repository import cases, documents, requests, sealed
from shared.crypto import CryptoError
from shared.errors import DomainError, Refusal
from shared.problems import Problem


async def read_case(
    ctx: IntakeContext, caller: Caller, *, case_id: str, purpose: str, personal: bool = True
) -> tuple[dict[str, Any], int]:
    """A case as this reader may see it, and its version; a read of personal data is said.
    `personal=False`: the rest only, nothing decrypted and no read to say."""
    actor = caller.actor
    async with ctx.db.transaction() as tx:
        row = await cases.get_case(tx, case_id=case_id)
        if row is None or not access.sees(actor, row["org_id"]):
            raise access.not_found()
        out = views.case_file(
            row,
            actor,
            items=await cases.get_items(tx, case_id=case_id),
            history=await cases.get_history(tx, case_id=case_id),
            documents=await documents.list_documents(tx, case_id=case_id),
            requests=await requests.list_requests(tx, case_id=case_id),
        )
        if personal and row["erased_at"] is None and access.reads_personal(actor, row["org_id"]):
            stored = await sealed.load_sealed(tx, case_id=case_id)
            if stored is None:
                raise Problem(500, "the case's data key is missing", code="data-key-missing")
            try:
                opened = open_sealed(ctx.keyring, case_id, *stored)
            except CryptoError as exc:
                raise Problem(
                    500, "the case's personal data could not be decrypted", code="decryption-failed"
                ) from exc
            views.include_personal(out, opened)
            await unit.accessed(tx, caller, case_id, row["correlation_id"], purpose)
    return out, row["version"]


async def open_document(
    ctx: IntakeContext, caller: Caller, *, case_id: str, document_id: str, purpose: str
) -> tuple[bytes, str]:
    """A document's bytes and media type, for those who read the case's personal data."""
    async with ctx.db.transaction() as tx:
        row = await cases.get_case(tx, case_id=case_id)
        if row is None or not access.reads_personal(caller.actor, row["org_id"]):
            raise access.not_found()
        doc = await documents.get_document(tx, case_id=case_id, document_id=document_id)
        if doc is None:
            raise DomainError(
                Refusal.NOT_FOUND, "document-not-found", "no such document on this case"
            )
        wrapped = await sealed.load_key(tx, case_id=case_id)
        if doc["blob"] is None or wrapped is None:
            raise Problem(
                410,
                "the document was erased with the case's personal data",
                code="personal-data-erased",
            )
        blob = bytes(doc["blob"])
        content = open_one(ctx.keyring, case_id, wrapped, document_field(document_id), blob)
        await unit.accessed(tx, caller, case_id, row["correlation_id"], purpose)
    return content, doc["media_type"]
