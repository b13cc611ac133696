"""Payees: recorded by one finance officer, confirmed by another, and every change of bank
details confirmed again; a confirmed default payee takes the payments waiting for one."""

from __future__ import annotations

import uuid
from uuid import UUID

from fastapi.responses import JSONResponse

from services.disbursement import views
from services.disbursement.commands import check_reviewed
from services.disbursement.context import DisbursementContext
from services.disbursement.domain.common import DomainEvent, missing
from services.disbursement.domain.payees import (
    change_bank_details,
    confirm_payee,
    register_payee,
)
from services.disbursement.domain.payments import set_payee
from services.disbursement.repository import payees, payments
from services.disbursement.schemas import BankDetailsIn, PayeeIn
from services.disbursement.wire import Cause, enqueue
from shared import idempotency
from shared.db import Connection
from shared.deps import check_if_match


async def register(
    ctx: DisbursementContext, cause: Cause, body: PayeeIn, *, key: str | None
) -> JSONResponse:
    async def work(tx: Connection) -> tuple[int, views.Body, dict[str, str]]:
        made = register_payee(
            payee_id=uuid.uuid4(),
            org_id=body.org_id,
            kind=body.kind,
            name=body.name,
            iban=body.iban,
            bic=body.bic,
            is_default=body.default,
            requested_by=cause.actor,
            at=ctx.clock(),
        )
        await payees.insert_payee(tx, payee=made.state, created_by=cause.actor)
        await enqueue(tx, made.events, cause)
        location = {"Location": f"/payees/{made.state.payee_id}"}
        return 201, views.payee(made.state, 1), views.payee_headers(1) | location

    # The body holds bank details: the idempotency memory keeps only its digest.
    return await idempotency.run(
        ctx.db,
        key=key,
        principal=(cause.actor, cause.org),
        route="POST /payees",
        payload=body.model_dump(mode="json"),
        work=work,
    )


async def change_details(
    ctx: DisbursementContext,
    cause: Cause,
    payee_id: UUID,
    body: BankDetailsIn,
    *,
    if_match: str | None,
) -> JSONResponse:
    async with ctx.db.transaction() as tx:
        found = await payees.get_payee(tx, payee_id=payee_id, lock=True)
        if found is None:
            raise missing(f"payee {payee_id}")
        check_if_match(if_match, found[1])
        changed = change_bank_details(
            found[0], iban=body.iban, bic=body.bic, requested_by=cause.actor
        )
        version = await payees.save_payee(tx, payee=changed.state)
        await enqueue(tx, changed.events, cause)
    return views.respond(200, views.payee(changed.state, version), views.payee_headers(version))


async def confirm(
    ctx: DisbursementContext, cause: Cause, payee_id: UUID, *, if_match: str | None
) -> JSONResponse:
    """The second officer confirms the bank details they reviewed (If-Match required)."""
    async with ctx.db.transaction() as tx:
        found = await payees.get_payee(tx, payee_id=payee_id, lock=True)
        if found is None:
            raise missing(f"payee {payee_id}")
        check_reviewed(if_match, found[1])
        confirmed = confirm_payee(found[0], confirmed_by=cause.actor)
        version = await payees.save_payee(tx, payee=confirmed.state)
        events: list[DomainEvent] = list(confirmed.events)
        payee = confirmed.state
        if payee.is_default and payee.active:
            # The organisation's payments that waited for a payee go to its new default one.
            at = ctx.clock()
            for payment in await payments.lock_awaiting_payee(tx, org_id=payee.org_id):
                scheduled = set_payee(payment, payee)
                await payments.save_payment(tx, payment=scheduled.state, at=at)
                events += scheduled.events
        await enqueue(tx, events, cause)
    return views.respond(200, views.payee(confirmed.state, version), views.payee_headers(version))
