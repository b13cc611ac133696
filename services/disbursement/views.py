"""Read models → response bodies: grants, rates, payees, payments, batches, and their pages.
Money as decimal strings plus currency; every list is `{"items": [...], "next_cursor": …}`."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
import orjson
from fastapi.responses import JSONResponse

from services.disbursement.domain.batches import Batch
from services.disbursement.domain.common import missing
from services.disbursement.domain.fx import RateEntry, Review, plain, review
from services.disbursement.domain.payees import Payee
from services.disbursement.domain.payments import Payment
from services.disbursement.repository import batches, grants, payees, payments
from services.disbursement.repository import fx as rates
from services.disbursement.repository import reservations as reservation_rows
from shared.db import Db
from shared.deps import etag
from shared.money import Money, from_minor
from shared.problems import Problem

Body = dict[str, Any]
NO_STORE = {"Cache-Control": "no-store"}


def respond(status: int, body: Body, headers: dict[str, str]) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


# --- cursors ------------------------------------------------------------------------------------


def encode_cursor(*parts: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([str(p) for p in parts])).decode()


def _bad_cursor() -> Problem:
    return Problem(400, "the cursor is not one this service issued", code="bad-cursor")


def decode_cursor(cursor: str | None, size: int) -> list[str] | None:
    if cursor is None:
        return None
    try:
        parts = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise _bad_cursor() from exc
    if (
        not isinstance(parts, list)
        or len(parts) != size
        or not all(isinstance(p, str) for p in parts)
    ):
        raise _bad_cursor()
    return parts


def position(cursor: str | None) -> tuple[datetime, UUID] | None:
    """A (created_at, id) cursor, the paging position of most lists of this service."""
    parts = decode_cursor(cursor, 2)
    if parts is None:
        return None
    try:
        stamp, last = datetime.fromisoformat(parts[0]).astimezone(UTC), UUID(parts[1])
    except (ValueError, OverflowError) as exc:
        raise _bad_cursor() from exc
    # One this service wrote carries a time zone and a year of this era.
    if not (parts[0].endswith("+00:00") and 2000 <= stamp.year <= 9000):
        raise _bad_cursor()
    return stamp, last


def _page(
    rows: list[asyncpg.Record], limit: int, key: str
) -> tuple[list[asyncpg.Record], str | None]:
    page = rows[:limit]
    more = len(rows) > limit
    cursor = encode_cursor(page[-1]["created_at"].isoformat(), page[-1][key]) if more else None
    return page, cursor


# --- grants -------------------------------------------------------------------------------------


def grant(row: asyncpg.Record) -> Body:
    ccy = row["currency"]
    totals = {
        k: from_minor(row[f"{k}_minor"], ccy)
        for k in ("amount", "reserved", "disbursed", "available")
    }
    return {
        "grant_id": str(row["grant_id"]),
        "donor": row["donor"],
        "name": row["name"],
        "currency": ccy,
        **totals,
        "totals": totals | {"currency": ccy},
        "valid_from": row["valid_from"].isoformat(),
        "valid_to": row["valid_to"].isoformat(),
        "restrictions": {
            "countries": list(row["countries"]),
            "categories": list(row["categories"]),
        },
        "created_by": row["created_by"],
        "created_at": row["created_at"].isoformat(),
        "version": row["version"],
    }


async def grant_page(db: Db, *, limit: int, cursor: str | None) -> Body:
    after = position(cursor)
    async with db.connection() as conn:
        rows = await grants.list_grants(conn, limit=limit + 1, after=after)
    page, next_cursor = _page(rows, limit, "grant_id")
    return {"items": [grant(r) for r in page], "next_cursor": next_cursor}


async def one_grant(db: Db, grant_id: UUID) -> JSONResponse:
    async with db.connection() as conn:
        row = await grants.grant_row(conn, grant_id=grant_id)
    if row is None:
        raise missing(f"grant {grant_id}")
    return respond(200, grant(row), {"ETag": etag(row["version"])})


def reservation(row: asyncpg.Record) -> Body:
    """A case's reservation on a grant: what was earmarked, paid, released and is outstanding."""
    ccy = row["currency"]
    amount, disbursed, released = row["amount_minor"], row["disbursed_minor"], row["released_minor"]
    return {
        "reservation_id": str(row["reservation_id"]),
        "case_id": str(row["case_id"]),
        "org_id": row["org_id"],
        "country": row["country"],
        "grant_id": str(row["grant_id"]),
        "currency": ccy,
        "amount": from_minor(amount, ccy),
        "disbursed": from_minor(disbursed, ccy),
        "released": from_minor(released, ccy),
        "outstanding": from_minor(amount - disbursed - released, ccy),
        "withdrawn": row["withdrawn"],
        "reserved_at": row["reserved_at"].isoformat(),
    }


async def reservation_page(db: Db, grant_id: UUID, *, limit: int, cursor: str | None) -> Body:
    after = position(cursor)
    async with db.connection() as conn:
        if await grants.grant_row(conn, grant_id=grant_id) is None:
            raise missing(f"grant {grant_id}")
        rows = await reservation_rows.grant_reservations(
            conn, grant_id=grant_id, limit=limit + 1, after=after
        )
    page = rows[:limit]
    more = len(rows) > limit
    cursor = (
        encode_cursor(
            page[-1]["reserved_at"].astimezone(UTC).isoformat(), page[-1]["reservation_id"]
        )
        if more
        else None
    )
    return {"items": [reservation(r) for r in page], "next_cursor": cursor}


# --- rates --------------------------------------------------------------------------------------


def _review(found: Review) -> Body:
    reference = found.reference_value
    return {
        "reference": None
        if found.reference is None or reference is None
        else {
            "rate": plain(reference.quantize(Decimal("1E-12"))),
            "as_of": found.reference.as_of.isoformat(),
        },
        "deviation": None if found.deviation is None else str(found.deviation),
        "flagged": found.flagged,
    }


def fx_rate(entry: RateEntry, found: Review, version: int) -> Body:
    """A rate with its four-eyes state and its review: the confirmed rate of the day it is
    compared with, how far it lies from it, and whether that is past the flagging limit (as
    the deciding officer saw it, once decided)."""
    rate = entry.rate
    return {
        "rate_id": str(entry.rate_id),
        "base": rate.base,
        "quote": rate.quote,
        "rate": plain(rate.rate),
        "as_of": rate.as_of.isoformat(),
        "status": entry.status,
        "recorded_by": entry.proposed_by,
        "recorded_at": entry.proposed_at.isoformat(),
        "decided_by": entry.decided_by,
        "decided_at": entry.decided_at.isoformat() if entry.decided_at else None,
        **_review(found),
        "version": version,
    }


def _rate_of(row: asyncpg.Record, limit: Decimal) -> Body:
    entry = rates.entry_of(row)
    found = entry.review or review(entry.rate, rates.references_of(row), limit)
    return fx_rate(entry, found, row["version"])


async def rate_page(
    db: Db,
    *,
    limit: int,
    cursor: str | None,
    base: str | None,
    quote: str | None,
    status: str | None,
    max_deviation: Decimal,
) -> Body:
    parts = decode_cursor(cursor, 1)
    if parts and not re.fullmatch(r"[0-9]{1,18}", parts[0]):
        raise _bad_cursor()
    async with db.connection() as conn:
        rows = await rates.list_rates(
            conn,
            base=base,
            quote=quote,
            status=status,
            limit=limit + 1,
            after=int(parts[0]) if parts else None,
        )
    page = rows[:limit]
    more = len(rows) > limit
    return {
        "items": [_rate_of(r, max_deviation) for r in page],
        "next_cursor": encode_cursor(page[-1]["seq"]) if more else None,
    }


async def one_rate(db: Db, rate_id: UUID, *, max_deviation: Decimal) -> JSONResponse:
    async with db.connection() as conn:
        row = await rates.rate_row(conn, rate_id=rate_id)
    if row is None:
        raise missing(f"rate {rate_id}")
    return respond(200, _rate_of(row, max_deviation), {"ETag": etag(row["version"])})


# --- payees -------------------------------------------------------------------------------------


def payee(p: Payee, version: int) -> Body:
    return {
        "payee_id": str(p.payee_id),
        "org_id": p.org_id,
        "kind": p.kind,
        "name": p.name,
        "status": p.status,
        "default": p.is_default,
        "iban": p.account.iban if p.account else None,
        "bic": p.account.bic if p.account else None,
        "pending": {
            "iban": p.pending_account.iban,
            "bic": p.pending_account.bic,
            "requested_by": p.pending_by,
        }
        if p.pending_account
        else None,
        "created_at": p.created_at.isoformat(),
        "version": version,
    }


def payee_headers(version: int) -> dict[str, str]:
    """Bank details are not cached anywhere on the way."""
    return {"ETag": etag(version)} | NO_STORE


async def payee_page(db: Db, *, limit: int, cursor: str | None, org_id: str | None) -> JSONResponse:
    after = position(cursor)
    async with db.connection() as conn:
        rows = await payees.list_payees(conn, org_id=org_id, limit=limit + 1, after=after)
    page, next_cursor = _page(rows, limit, "payee_id")
    body = {
        "items": [payee(payees.payee_of(r), r["version"]) for r in page],
        "next_cursor": next_cursor,
    }
    return respond(200, body, NO_STORE)


async def one_payee(db: Db, payee_id: UUID) -> JSONResponse:
    async with db.connection() as conn:
        found = await payees.get_payee(conn, payee_id=payee_id)
    if found is None:
        raise missing(f"payee {payee_id}")
    return respond(200, payee(*found), payee_headers(found[1]))


# --- payments -----------------------------------------------------------------------------------


def payment(p: Payment, version: int) -> Body:
    return {
        "payment_id": str(p.payment_id),
        "case_id": str(p.case_id),
        "org_id": p.org_id,
        "grant_id": str(p.grant_id),
        "amount": p.amount.amount,
        "currency": p.amount.currency,
        "status": p.status,
        "payee_id": str(p.payee_id) if p.payee_id else None,
        "items": sorted(p.items),
        "batch_id": str(p.batch_id) if p.batch_id else None,
        "bank_reference": p.bank_reference,
        "paid_on": p.paid_on.isoformat() if p.paid_on else None,
        "failure_reason": p.failure_reason,
        "created_at": p.created_at.isoformat(),
        "version": version,
    }


async def payment_page(
    db: Db,
    *,
    limit: int,
    cursor: str | None,
    status: str | None,
    case_id: UUID | None,
    batch_id: UUID | None,
    grant_id: UUID | None = None,
) -> Body:
    after = position(cursor)
    async with db.connection() as conn:
        rows = await payments.list_payments(
            conn,
            status=status,
            case_id=case_id,
            batch_id=batch_id,
            limit=limit + 1,
            after=after,
            grant_id=grant_id,
        )
    page, next_cursor = _page(rows, limit, "payment_id")
    return {
        "items": [payment(payments.payment_of(r), r["version"]) for r in page],
        "next_cursor": next_cursor,
    }


async def one_payment(db: Db, payment_id: UUID) -> JSONResponse:
    async with db.connection() as conn:
        found = await payments.get_payment(conn, payment_id=payment_id)
    if found is None:
        raise missing(f"payment {payment_id}")
    return respond(200, payment(*found), {"ETag": etag(found[1])})


# --- batches ------------------------------------------------------------------------------------


def batch(b: Batch, version: int) -> Body:
    return {
        "batch_id": str(b.batch_id),
        "currency": b.currency,
        "status": b.status,
        "count": b.count,
        "total": b.total.amount,
        "created_by": b.created_by,
        "created_at": b.created_at.isoformat(),
        "approved_by": b.approved_by,
        "approved_at": b.approved_at.isoformat() if b.approved_at else None,
        "version": version,
        "lines": [
            {
                "payment_id": str(x.payment_id),
                "case_id": str(x.case_id),
                "payee_id": str(x.payee_id),
                "creditor_name": x.creditor_name,
                "iban": x.account.iban,
                "bic": x.account.bic,
                "amount": x.amount.amount,
            }
            for x in b.lines
        ],
    }


def batch_summary(row: asyncpg.Record) -> Body:
    return {
        "batch_id": str(row["batch_id"]),
        "currency": row["currency"],
        "status": row["status"],
        "count": row["n"],
        "total": Money(int(row["total_minor"]), row["currency"]).amount,
        "created_by": row["created_by"],
        "created_at": row["created_at"].isoformat(),
        "approved_by": row["approved_by"],
        "version": row["version"],
    }


async def batch_page(db: Db, *, limit: int, cursor: str | None, status: str | None) -> Body:
    after = position(cursor)
    async with db.connection() as conn:
        rows = await batches.list_batches(conn, status=status, limit=limit + 1, after=after)
    page, next_cursor = _page(rows, limit, "batch_id")
    return {"items": [batch_summary(r) for r in page], "next_cursor": next_cursor}


async def stored_batch(db: Db, batch_id: UUID) -> tuple[Batch, int]:
    async with db.connection() as conn:
        found = await batches.get_batch(conn, batch_id=batch_id)
    if found is None:
        raise missing(f"batch {batch_id}")
    return found


async def one_batch(db: Db, batch_id: UUID) -> JSONResponse:
    found, version = await stored_batch(db, batch_id)
    return respond(200, batch(found, version), {"ETag": etag(version)} | NO_STORE)
