"""Batches: collect scheduled payments, approve by a second officer, export pain.001 or CSV."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Query, Request, Response
from fastapi.responses import JSONResponse

from services.disbursement import budget, views
from services.disbursement import payments_repo as prepo
from services.disbursement.batches import Batch, approve_batch, batchable, create_batch
from services.disbursement.context import Ctx
from services.disbursement.routing import Finance, new_router, now, publish, story
from services.disbursement.schemas import BatchIn
from shared import idempotency
from shared.db import Connection
from shared.deps import DbDep, IdempotencyKey, IfMatch, check_if_match, etag
from shared.problems import Problem
from shared.types import IsoDate

router = new_router("batches")


@router.post("/batches", status_code=201)
async def create(
    body: BatchIn, request: Request, db: DbDep, principal: Finance,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:  # fmt: skip
    async def work(tx: Connection) -> tuple[int, dict[str, Any], dict[str, str]]:
        at, told = now(), story(request, principal)
        scheduled = await prepo.lock_scheduled(tx, currency=body.currency,
                                               payment_ids=body.payment_ids)
        payees = await prepo.payees_by_id(
            tx, ids=[p.payee_id for p in scheduled if p.payee_id is not None])
        chosen = batchable(scheduled, body.currency, payees)
        if body.payment_ids is not None and len(chosen) != len(set(body.payment_ids)):
            raise Problem(409, "some payments are not scheduled in this currency with an active"
                          " payee", code="payment_not_scheduled")
        made = create_batch(batch_id=uuid.uuid4(), currency=body.currency, payments=chosen,
                            payees=payees, created_by=principal.sub, at=at)
        await prepo.insert_batch(tx, batch=made.batch)
        for payment in made.payments:
            await prepo.save_payment(tx, payment=payment, at=at)
        await budget.add_contexts(tx, told, [p.case_id for p in made.payments])
        told.add_payments(made.payments)
        told.batch_payments[made.batch.batch_id] = [p.payment_id for p in made.payments]
        await publish(tx, made.events, told)
        return 201, views.batch(made.batch, 1), {
            "ETag": etag(1), "Location": f"/batches/{made.batch.batch_id}"}

    return await idempotency.run(db, key=idempotency_key, principal=principal.sub,
                                 route="POST /batches", payload=body.model_dump(mode="json"),
                                 work=work)


@router.get("/batches")
async def list_batches(
    db: DbDep, _: Finance, status: Literal["draft", "approved"] | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> dict[str, Any]:  # fmt: skip
    after = views.position(cursor)
    async with db.connection() as conn:
        rows = await prepo.list_batches(conn, status=status, limit=limit + 1, after=after)
    page = rows[:limit]
    return {"items": [views.batch_summary(r) for r in page],
            "next_cursor": views.encode_cursor(page[-1]["created_at"].isoformat(),
                                               page[-1]["batch_id"])
            if len(rows) > limit else None}


async def _batch(db: DbDep, batch_id: UUID) -> tuple[Batch, int]:
    async with db.connection() as conn:
        found = await prepo.get_batch(conn, batch_id=batch_id)
    if found is None:
        raise budget.Missing(f"batch {batch_id}")
    return found


@router.get("/batches/{batch_id}")
async def read(batch_id: UUID, db: DbDep, _: Finance) -> JSONResponse:
    batch, version = await _batch(db, batch_id)
    return JSONResponse(views.batch(batch, version),
                        headers={"ETag": etag(version), "Cache-Control": "no-store"})


@router.post("/batches/{batch_id}/approve")
async def approve(
    batch_id: UUID, request: Request, db: DbDep, principal: Finance, if_match: IfMatch = None
) -> JSONResponse:
    async with db.transaction() as tx:
        found = await prepo.get_batch(tx, batch_id=batch_id, lock=True)
        if found is None:
            raise budget.Missing(f"batch {batch_id}")
        check_if_match(if_match, found[1])
        approved = approve_batch(found[0], approved_by=principal.sub, at=now())
        version = await prepo.save_batch(tx, batch=approved.state)
        await publish(tx, approved.events, story(request, principal))
    return JSONResponse(views.batch(approved.state, version), headers={"ETag": etag(version)})


@router.get(
    "/batches/{batch_id}/export",
    response_class=Response,
    responses={200: {"content": {"application/xml": {"schema": {"type": "string"}},
                                 "text/csv": {"schema": {"type": "string"}}}}},
)
async def export(
    batch_id: UUID, db: DbDep, ctx: Ctx, _: Finance,
    format: Annotated[Literal["pain.001", "csv"], Query()] = "pain.001",
    execution_date: IsoDate | None = None,
) -> Response:  # fmt: skip
    # Imported on the first export, not at startup: the bank-file code with sepaxml and
    # xml.etree (~1.5 MB) would otherwise sit all its life in a process budgeted at 80 MB, for
    # what a finance officer does once a batch.
    from services.disbursement.bankfiles import DebtorAccount, export_csv, export_pain001

    batch, _version = await _batch(db, batch_id)
    name = f"vfund-batch-{batch.batch_id}"
    headers = {"Cache-Control": "no-store"}
    if format == "csv":
        headers["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return Response(export_csv(batch), media_type="text/csv; charset=utf-8", headers=headers)
    settings = ctx.settings
    debtor = DebtorAccount.parse(settings.debtor_name, settings.debtor_iban, settings.debtor_bic)
    stamp = batch.approved_at or batch.created_at
    xml = export_pain001(batch, debtor, execution_date=execution_date or now().date(),
                         created_at=stamp)
    headers["Content-Disposition"] = f'attachment; filename="{name}.xml"'
    return Response(xml, media_type="application/xml", headers=headers)
