"""JSON views of grants, payees, payments and batches; money as decimal strings plus currency."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
import orjson

from services.disbursement.batches import Batch
from services.disbursement.payments import Payee, Payment
from shared.money import Money, from_minor
from shared.problems import Problem


def encode_cursor(*parts: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps([str(p) for p in parts])).decode()


def position(cursor: str | None) -> tuple[datetime, UUID] | None:
    """A (created_at, id) cursor, the paging position of every list of this service."""
    parts = decode_cursor(cursor, 2)
    if parts is None:
        return None
    try:
        return datetime.fromisoformat(parts[0]), UUID(parts[1])
    except ValueError as exc:
        raise Problem(400, "the cursor is not one this service issued", code="bad-cursor") from exc


def decode_cursor(cursor: str | None, size: int) -> list[str] | None:
    if cursor is None:
        return None
    try:
        parts = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise Problem(400, "the cursor is not one this service issued", code="bad-cursor") from exc
    if not isinstance(parts, list) or len(parts) != size or not all(
            isinstance(p, str) for p in parts):
        raise Problem(400, "the cursor is not one this service issued", code="bad-cursor")
    return parts


def grant(row: asyncpg.Record) -> dict[str, Any]:
    ccy = row["currency"]
    totals = {k: from_minor(row[f"{k}_minor"], ccy)
              for k in ("amount", "reserved", "disbursed", "available")}
    return {
        "grant_id": str(row["grant_id"]), "donor": row["donor"], "name": row["name"],
        "currency": ccy, **totals, "totals": totals | {"currency": ccy},
        "valid_from": row["valid_from"].isoformat(), "valid_to": row["valid_to"].isoformat(),
        "restrictions": {"countries": list(row["countries"]),
                         "categories": list(row["categories"])},
        "created_by": row["created_by"], "created_at": row["created_at"].isoformat(),
        "version": row["version"],
    }  # fmt: skip


def fx_rate(row: asyncpg.Record) -> dict[str, Any]:
    return {"base": row["base"], "quote": row["quote"], "rate": str(row["rate"].normalize()),
            "as_of": row["as_of"].isoformat(), "recorded_by": row["recorded_by"],
            "recorded_at": row["recorded_at"].isoformat()}


def payee(p: Payee, version: int) -> dict[str, Any]:
    return {
        "payee_id": str(p.payee_id), "org_id": p.org_id, "kind": p.kind, "name": p.name,
        "status": p.status, "default": p.is_default,
        "iban": p.account.iban if p.account else None,
        "bic": p.account.bic if p.account else None,
        "pending": {"iban": p.pending_account.iban, "bic": p.pending_account.bic,
                    "requested_by": p.pending_by} if p.pending_account else None,
        "created_at": p.created_at.isoformat(), "version": version,
    }  # fmt: skip


def payment(p: Payment, version: int) -> dict[str, Any]:
    return {
        "payment_id": str(p.payment_id), "case_id": str(p.case_id), "org_id": p.org_id,
        "grant_id": str(p.grant_id), "amount": p.amount.amount, "currency": p.amount.currency,
        "status": p.status, "payee_id": str(p.payee_id) if p.payee_id else None,
        "items": sorted(p.items), "batch_id": str(p.batch_id) if p.batch_id else None,
        "bank_reference": p.bank_reference,
        "paid_on": p.paid_on.isoformat() if p.paid_on else None,
        "failure_reason": p.failure_reason, "created_at": p.created_at.isoformat(),
        "version": version,
    }  # fmt: skip


def batch(b: Batch, version: int) -> dict[str, Any]:
    return {
        "batch_id": str(b.batch_id), "currency": b.currency, "status": b.status,
        "count": b.count, "total": b.total.amount, "created_by": b.created_by,
        "created_at": b.created_at.isoformat(), "approved_by": b.approved_by,
        "approved_at": b.approved_at.isoformat() if b.approved_at else None,
        "version": version,
        "lines": [{"payment_id": str(x.payment_id), "case_id": str(x.case_id),
                   "payee_id": str(x.payee_id), "creditor_name": x.creditor_name,
                   "iban": x.account.iban, "bic": x.account.bic, "amount": x.amount.amount}
                  for x in b.lines],
    }  # fmt: skip


def batch_summary(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "batch_id": str(row["batch_id"]), "currency": row["currency"], "status": row["status"],
        "count": row["n"], "total": Money(int(row["total_minor"]), row["currency"]).amount,
        "created_by": row["created_by"], "created_at": row["created_at"].isoformat(),
        "approved_by": row["approved_by"], "version": row["version"],
    }  # fmt: skip
