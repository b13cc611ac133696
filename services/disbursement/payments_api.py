"""Payments: who is paid, splits, and the bank's answer (sent or failed); cancel and reschedule."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Query, Request
from fastapi.responses import JSONResponse

from services.disbursement import budget, views
from services.disbursement import payments_repo as prepo
from services.disbursement import repository as repo
from services.disbursement.batches import Batch, confirm_payment, fail_payment
from services.disbursement.domain import DomainEvent, Grant, Invalid
from services.disbursement.payments import (
    Payee,
    Payment,
    Settlement,
    SplitPart,
    cancel_payment,
    reschedule_payment,
    set_payee,
    split_payment,
)
from services.disbursement.repository import ReservationRecord
from services.disbursement.routing import Finance, new_router, now, publish, story
from services.disbursement.schemas import ConfirmIn, PayeeChoice, ReasonIn, RescheduleIn, SplitIn
from shared import idempotency
from shared.auth import Principal
from shared.db import Connection
from shared.deps import DbDep, IdempotencyKey, IfMatch, check_if_match, etag
from shared.money import Money
from shared.problems import Problem

router = new_router("payments")
Status = Literal["awaiting_payee", "scheduled", "batched", "sent", "failed", "cancelled"]


@dataclass
class Loaded:
    """A payment with its reservation and grant, locked in the service's lock order."""

    record: ReservationRecord
    payment: Payment
    version: int
    batch: Batch | None
    grant: Grant


async def _load(tx: Connection, payment_id: UUID, if_match: str | None) -> Loaded:
    row = await prepo.payment_row(tx, payment_id=payment_id)
    if row is None:
        raise budget.Missing(f"payment {payment_id}")
    record = await repo.lock_reservation(tx, case_id=row["case_id"])
    found = await prepo.get_payment(tx, payment_id=payment_id, lock=True)
    assert record is not None and found is not None
    payment, version = found
    check_if_match(if_match, version)
    batch = None
    if payment.batch_id is not None:
        got = await prepo.get_batch(tx, batch_id=payment.batch_id)
        batch = got[0] if got else None
    grant = await budget.locked_grant(tx, record.reservation.grant_id)
    return Loaded(record, payment, version, batch, grant)


async def _payee(tx: Connection, payee_id: UUID) -> Payee:
    found = await prepo.payees_by_id(tx, ids=[payee_id])
    if payee_id not in found:
        raise Invalid("unknown_payee", f"payee {payee_id} is not known")
    return found[payee_id]


def _reply(payment: Payment, version: int) -> JSONResponse:
    return JSONResponse(views.payment(payment, version), headers={"ETag": etag(version)})


Act = Callable[[Loaded], Settlement]


async def _settle(
    db: DbDep, request: Request, principal: Principal, payment_id: UUID, if_match: str | None,
    act: Act, *, releases: bool,
) -> JSONResponse:  # fmt: skip
    """Apply a money movement to payment, reservation and grant in one transaction."""
    async with db.transaction() as tx:
        at, told = now(), story(request, principal)
        if releases:
            await repo.lock_budget(tx)
        loaded = await _load(tx, payment_id, if_match)
        settled = act(loaded)
        version = loaded.version
        events: list[DomainEvent] = list(settled.events)
        if events:
            version = await prepo.save_payment(tx, payment=settled.payment, at=at)
            await repo.save_reservation(tx, reservation=settled.reservation)
            await repo.save_grant(tx, grant=settled.grant)
            budget.remember(told, loaded.record, settled.reservation)
            told.add_payments([settled.payment])
            if releases:
                events += await budget.retry(tx, story=told, today=at.date(), at=at)
            await publish(tx, events, told)
    return _reply(settled.payment, version)


@router.get("/payments")
async def list_payments(
    db: DbDep, _: Finance, status: Status | None = None, case_id: UUID | None = None,
    batch_id: UUID | None = None, limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> dict[str, Any]:  # fmt: skip
    after = views.position(cursor)
    filters = {"status": status, "case_id": case_id, "batch_id": batch_id}
    async with db.connection() as conn:
        rows = await prepo.list_payments(conn, filters=filters, limit=limit + 1, after=after)
    page = rows[:limit]
    return {"items": [views.payment(prepo.payment_of(r), r["version"]) for r in page],
            "next_cursor": views.encode_cursor(page[-1]["created_at"].isoformat(),
                                               page[-1]["payment_id"])
            if len(rows) > limit else None}


@router.get("/payments/{payment_id}")
async def read(payment_id: UUID, db: DbDep, _: Finance) -> JSONResponse:
    async with db.connection() as conn:
        found = await prepo.get_payment(conn, payment_id=payment_id)
    if found is None:
        raise budget.Missing(f"payment {payment_id}")
    return _reply(*found)


async def _change(
    db: DbDep, request: Request, principal: Principal, payment_id: UUID,
    if_match: str | None, choose: UUID | None, reschedule: bool,
) -> JSONResponse:  # fmt: skip
    async with db.transaction() as tx:
        at, told = now(), story(request, principal)
        loaded = await _load(tx, payment_id, if_match)
        payee_id = choose or loaded.payment.payee_id
        if payee_id is None:
            raise Invalid("payee_required", "name the payee_id to pay")
        payee = await _payee(tx, payee_id)
        change = reschedule_payment if reschedule else set_payee
        changed = change(loaded.payment, payee)
        version = await prepo.save_payment(tx, payment=changed.state, at=at)
        budget.remember(told, loaded.record)
        told.add_payments([changed.state])
        await publish(tx, changed.events, told)
    return _reply(changed.state, version)


@router.post("/payments/{payment_id}/payee")
async def choose_payee(
    payment_id: UUID, body: PayeeChoice, request: Request, db: DbDep, principal: Finance,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    return await _change(db, request, principal, payment_id, if_match, body.payee_id, False)


@router.post("/payments/{payment_id}/reschedule")
async def reschedule(
    payment_id: UUID, body: RescheduleIn, request: Request, db: DbDep, principal: Finance,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    return await _change(db, request, principal, payment_id, if_match, body.payee_id, True)


@router.post("/payments/{payment_id}/split", status_code=201)
async def split(
    payment_id: UUID, body: SplitIn, request: Request, db: DbDep, principal: Finance,
    if_match: IfMatch = None, idempotency_key: IdempotencyKey = None,
) -> JSONResponse:  # fmt: skip
    async def work(tx: Connection) -> tuple[int, dict[str, Any], dict[str, str]]:
        at, told = now(), story(request, principal)
        loaded = await _load(tx, payment_id, if_match)
        index = {item_id: n for n, item_id in enumerate(loaded.record.item_ids)}
        currency = loaded.payment.amount.currency
        parts = []
        for part in body.parts:
            unknown = [i for i in part.item_ids if i not in index]
            if unknown:
                raise Invalid("unknown_item", "a part names an item the case was not approved for")
            parts.append(SplitPart(Money.parse(part.amount, currency), part.payee_id,
                                   frozenset(index[i] for i in part.item_ids)))
        payees = await prepo.payees_by_id(tx, ids=[p.payee_id for p in parts if p.payee_id])
        pieces, events = split_payment(
            loaded.payment, parts, reservation=loaded.record.reservation,
            new_ids=[uuid.uuid4() for _ in parts[1:]], payees=payees, at=at,
        )  # fmt: skip
        await prepo.save_payment(tx, payment=pieces[0], at=at)
        for piece in pieces[1:]:
            await prepo.insert_payment(tx, payment=piece, at=at)
        budget.remember(told, loaded.record)
        told.add_payments(pieces)
        await publish(tx, events, told)
        return 201, {"items": [views.payment(p, 1) for p in pieces]}, {}

    return await idempotency.run(db, key=idempotency_key, principal=principal.sub,
                                 route=f"POST /payments/{payment_id}/split",
                                 payload=body.model_dump(mode="json"), work=work)


@router.post("/payments/{payment_id}/confirm")
async def confirm(
    payment_id: UUID, body: ConfirmIn, request: Request, db: DbDep, principal: Finance,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    if body.paid_on > now().date() + timedelta(days=1):
        raise Problem(422, "paid_on lies in the future", code="paid_on_in_future")

    def act(x: Loaded) -> Settlement:
        return confirm_payment(x.payment, batch=x.batch, reservation=x.record.reservation,
                               grant=x.grant, bank_reference=body.bank_reference,
                               paid_on=body.paid_on)

    return await _settle(db, request, principal, payment_id, if_match, act, releases=False)


@router.post("/payments/{payment_id}/fail")
async def fail(
    payment_id: UUID, body: ReasonIn, request: Request, db: DbDep, principal: Finance,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    def act(x: Loaded) -> Settlement:
        return fail_payment(x.payment, batch=x.batch, reservation=x.record.reservation,
                            grant=x.grant, reason=body.reason)

    return await _settle(db, request, principal, payment_id, if_match, act, releases=True)


@router.post("/payments/{payment_id}/cancel")
async def cancel(
    payment_id: UUID, body: ReasonIn, request: Request, db: DbDep, principal: Finance,
    if_match: IfMatch = None,
) -> JSONResponse:  # fmt: skip
    def act(x: Loaded) -> Settlement:
        return cancel_payment(x.payment, reservation=x.record.reservation, grant=x.grant,
                              reason=body.reason)

    return await _settle(db, request, principal, payment_id, if_match, act, releases=True)

