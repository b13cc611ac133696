"""Payees: registration, bank-detail changes and the second officer's confirmation."""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Request
from fastapi.responses import JSONResponse

from services.disbursement import payments_repo as prepo
from services.disbursement import views
from services.disbursement.budget import Missing
from services.disbursement.payments import (
    Payee,
    change_bank_details,
    confirm_payee,
    register_payee,
    set_payee,
)
from services.disbursement.routing import Finance, new_router, now, publish, story
from services.disbursement.schemas import BankDetailsIn, PayeeIn
from shared import idempotency
from shared.db import Connection
from shared.deps import DbDep, IdempotencyKey, IfMatch, check_if_match, etag

router = new_router("payees")
NO_STORE = {"Cache-Control": "no-store"}


def _reply(payee: Payee, version: int, status: int = 200) -> JSONResponse:
    return JSONResponse(views.payee(payee, version), status_code=status,
                        headers={"ETag": etag(version)} | NO_STORE)


@router.post("/payees", status_code=201)
async def register(
    body: PayeeIn, request: Request, db: DbDep, principal: Finance,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:  # fmt: skip
    async def work(tx: Connection) -> tuple[int, dict[str, Any], dict[str, str]]:
        at = now()
        made = register_payee(
            payee_id=uuid.uuid4(), org_id=body.org_id, kind=body.kind, name=body.name,
            iban=body.iban, bic=body.bic, is_default=body.default, requested_by=principal.sub,
            at=at,
        )  # fmt: skip
        await prepo.insert_payee(tx, payee=made.state, created_by=principal.sub)
        await publish(tx, made.events, story(request, principal))
        return 201, views.payee(made.state, 1), {
            "ETag": etag(1), "Location": f"/payees/{made.state.payee_id}"} | NO_STORE

    # The body holds bank details: the idempotency memory keeps only its digest.
    return await idempotency.run(db, key=idempotency_key, principal=principal.sub,
                                 route="POST /payees", payload=body.model_dump(mode="json"),
                                 work=work)


@router.get("/payees")
async def list_payees(
    db: DbDep, _: Finance, limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
    org_id: Annotated[str | None, Query(max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")] = None,
) -> JSONResponse:  # fmt: skip
    after = views.position(cursor)
    async with db.connection() as conn:
        rows = await prepo.list_payees(conn, org_id=org_id, limit=limit + 1, after=after)
    page = rows[:limit]
    cursor_out = (views.encode_cursor(page[-1]["created_at"].isoformat(), page[-1]["payee_id"])
                  if len(rows) > limit else None)
    return JSONResponse({"items": [views.payee(prepo.payee_of(r), r["version"]) for r in page],
                         "next_cursor": cursor_out}, headers=NO_STORE)


@router.get("/payees/{payee_id}")
async def read(payee_id: UUID, db: DbDep, _: Finance) -> JSONResponse:
    async with db.connection() as conn:
        found = await prepo.get_payee(conn, payee_id=payee_id)
    if found is None:
        raise Missing(f"payee {payee_id}")
    return _reply(*found)


@router.post("/payees/{payee_id}/bank-details")
async def change_details(
    payee_id: UUID, body: BankDetailsIn, request: Request, db: DbDep, principal: Finance,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    async with db.transaction() as tx:
        found = await prepo.get_payee(tx, payee_id=payee_id, lock=True)
        if found is None:
            raise Missing(f"payee {payee_id}")
        check_if_match(if_match, found[1])
        changed = change_bank_details(found[0], iban=body.iban, bic=body.bic,
                                      requested_by=principal.sub)
        version = await prepo.save_payee(tx, payee=changed.state)
        await publish(tx, changed.events, story(request, principal))
    return _reply(changed.state, version)


@router.post("/payees/{payee_id}/confirm")
async def confirm(
    payee_id: UUID, request: Request, db: DbDep, principal: Finance, if_match: IfMatch = None
) -> JSONResponse:
    async with db.transaction() as tx:
        found = await prepo.get_payee(tx, payee_id=payee_id, lock=True)
        if found is None:
            raise Missing(f"payee {payee_id}")
        check_if_match(if_match, found[1])
        confirmed = confirm_payee(found[0], confirmed_by=principal.sub)
        version = await prepo.save_payee(tx, payee=confirmed.state)
        events = list(confirmed.events)
        payee = confirmed.state
        if payee.is_default and payee.active:
            # The organisation's payments that waited for a payee go to its new default one.
            at = now()
            for payment in await prepo.lock_awaiting_payee(tx, org_id=payee.org_id):
                scheduled = set_payee(payment, payee)
                await prepo.save_payment(tx, payment=scheduled.state, at=at)
                events += scheduled.events
        await publish(tx, events, story(request, principal))
    return _reply(confirmed.state, version)
