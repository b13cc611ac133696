"""Payments: who is paid, splits, and the bank's answer (sent or failed); cancel, reschedule.

Every command locks in the service's order: the reservation (the case), the payment, its
batch, the grant; a command that can release money takes the budget lock first."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from fastapi.responses import JSONResponse

from services.disbursement import views
from services.disbursement.commands import budget
from services.disbursement.context import DisbursementContext
from services.disbursement.domain.batches import (
    Batch,
    check_paid_on,
    confirm_payment,
    fail_payment,
)
from services.disbursement.domain.common import DomainEvent, invalid, missing, money_of
from services.disbursement.domain.grants import Grant
from services.disbursement.domain.payees import Payee
from services.disbursement.domain.payments import (
    Payment,
    Settlement,
    SplitPart,
    cancel_payment,
    reschedule_payment,
    set_payee,
    split_payment,
)
from services.disbursement.domain.reservations import Reservation
from services.disbursement.repository import batches, cases, grants, payees, payments
from services.disbursement.repository import reservations as reservation_rows
from services.disbursement.schemas import ConfirmIn, ReasonIn, SplitIn
from services.disbursement.wire import Cause, enqueue
from shared import idempotency
from shared.db import Connection
from shared.deps import check_if_match, etag


@dataclass(frozen=True)
class Loaded:
    """A payment with its reservation, batch and grant, locked in the service's lock order."""

    reservation: Reservation
    payment: Payment
    version: int
    batch: Batch | None
    grant: Grant


async def _load(tx: Connection, payment_id: UUID, if_match: str | None) -> Loaded:
    case_id = await payments.case_of_payment(tx, payment_id=payment_id)
    if case_id is None:
        raise missing(f"payment {payment_id}")
    reservation = await reservation_rows.lock_reservation(tx, case_id=case_id)
    found = await payments.get_payment(tx, payment_id=payment_id, lock=True)
    assert reservation is not None and found is not None
    payment, version = found
    check_if_match(if_match, version)
    batch = None
    if payment.batch_id is not None:
        got = await batches.get_batch(tx, batch_id=payment.batch_id)
        batch = got[0] if got else None
    grant = await budget.locked_grant(tx, reservation.grant_id)
    return Loaded(reservation, payment, version, batch, grant)


def _reply(payment: Payment, version: int) -> JSONResponse:
    return views.respond(200, views.payment(payment, version), {"ETag": etag(version)})


Act = Callable[[Loaded], Settlement]


async def _settle(
    ctx: DisbursementContext,
    cause: Cause,
    payment_id: UUID,
    if_match: str | None,
    act: Act,
    *,
    releases: bool,
) -> JSONResponse:
    """Apply a money movement to payment, reservation and grant in one transaction."""
    async with ctx.db.transaction() as tx:
        at = ctx.clock()
        if releases:
            await cases.lock_budget(tx)
        loaded = await _load(tx, payment_id, if_match)
        settled = act(loaded)
        version = loaded.version
        events: list[DomainEvent] = list(settled.events)
        if events:
            version = await payments.save_payment(tx, payment=settled.payment, at=at)
            await reservation_rows.save_reservation(tx, reservation=settled.reservation)
            await grants.save_grant(tx, grant=settled.grant)
            if releases:
                events += await budget.retry(tx, today=at.date(), at=at)
            await enqueue(tx, events, cause)
    return _reply(settled.payment, version)


async def confirm(
    ctx: DisbursementContext,
    cause: Cause,
    payment_id: UUID,
    body: ConfirmIn,
    *,
    if_match: str | None,
) -> JSONResponse:
    """The bank executed it: sent, and its amount disbursed."""
    check_paid_on(body.paid_on, today=ctx.clock().date())

    def act(x: Loaded) -> Settlement:
        return confirm_payment(
            x.payment,
            batch=x.batch,
            reservation=x.reservation,
            grant=x.grant,
            bank_reference=body.bank_reference,
            paid_on=body.paid_on,
        )

    return await _settle(ctx, cause, payment_id, if_match, act, releases=False)


async def fail(
    ctx: DisbursementContext,
    cause: Cause,
    payment_id: UUID,
    body: ReasonIn,
    *,
    if_match: str | None,
) -> JSONResponse:
    def act(x: Loaded) -> Settlement:
        return fail_payment(
            x.payment, batch=x.batch, reservation=x.reservation, grant=x.grant, reason=body.reason
        )

    return await _settle(ctx, cause, payment_id, if_match, act, releases=True)


async def cancel(
    ctx: DisbursementContext,
    cause: Cause,
    payment_id: UUID,
    body: ReasonIn,
    *,
    if_match: str | None,
) -> JSONResponse:
    def act(x: Loaded) -> Settlement:
        return cancel_payment(
            x.payment, reservation=x.reservation, grant=x.grant, reason=body.reason
        )

    return await _settle(ctx, cause, payment_id, if_match, act, releases=True)


async def _payee(tx: Connection, payee_id: UUID) -> Payee:
    found = await payees.payees_by_id(tx, ids=[payee_id])
    if payee_id not in found:
        raise invalid("unknown_payee", f"payee {payee_id} is not known", field="payee_id")
    return found[payee_id]


async def choose_payee(
    ctx: DisbursementContext,
    cause: Cause,
    payment_id: UUID,
    payee_id: UUID | None,
    *,
    if_match: str | None,
    reschedule: bool,
) -> JSONResponse:
    """Set who is paid (an open payment), or reschedule a failed one (to its payee, or another)."""
    async with ctx.db.transaction() as tx:
        at = ctx.clock()
        loaded = await _load(tx, payment_id, if_match)
        chosen = payee_id or loaded.payment.payee_id
        if chosen is None:
            raise invalid("payee_required", "name the payee_id to pay", field="payee_id")
        payee = await _payee(tx, chosen)
        change = reschedule_payment if reschedule else set_payee
        changed = change(loaded.payment, payee)
        version = await payments.save_payment(tx, payment=changed.state, at=at)
        await enqueue(tx, changed.events, cause)
    return _reply(changed.state, version)


async def split(
    ctx: DisbursementContext,
    cause: Cause,
    payment_id: UUID,
    body: SplitIn,
    *,
    if_match: str | None,
    key: str | None,
) -> JSONResponse:
    async def work(tx: Connection) -> tuple[int, views.Body, dict[str, str]]:
        at = ctx.clock()
        loaded = await _load(tx, payment_id, if_match)
        index = {item.item_id: n for n, item in enumerate(loaded.reservation.items)}
        currency = loaded.payment.amount.currency
        parts = []
        for n, part in enumerate(body.parts):
            if any(i not in index for i in part.item_ids):
                raise invalid(
                    "unknown_item",
                    "a part names an item the case was not approved for",
                    field=f"parts.{n}.item_ids",
                )
            amount = money_of(part.amount, currency, field=f"parts.{n}.amount")
            parts.append(
                SplitPart(amount, part.payee_id, frozenset(index[i] for i in part.item_ids))
            )
        found = await payees.payees_by_id(tx, ids=[p.payee_id for p in parts if p.payee_id])
        pieces, events = split_payment(
            loaded.payment,
            parts,
            reservation=loaded.reservation,
            new_ids=[uuid.uuid4() for _ in parts[1:]],
            payees=found,
            at=at,
        )
        await payments.save_payment(tx, payment=pieces[0], at=at)
        for piece in pieces[1:]:
            await payments.insert_payment(tx, payment=piece, at=at)
        await enqueue(tx, events, cause)
        return 201, {"items": [views.payment(p, 1) for p in pieces]}, {}

    return await idempotency.run(
        ctx.db,
        key=key,
        principal=(cause.actor, cause.org),
        route=f"POST /payments/{payment_id}/split",
        payload=body.model_dump(mode="json"),
        work=work,
    )
