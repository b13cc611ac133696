"""Grants and their adjustments."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

import asyncpg

from services.disbursement.domain.grants import Grant, Restrictions
from shared.db import Connection
from shared.money import Money


def grant_of(row: asyncpg.Record) -> Grant:
    currency = row["currency"]
    return Grant(
        row["grant_id"],
        row["donor"],
        row["name"],
        Money(row["amount_minor"], currency),
        Money(row["reserved_minor"], currency),
        Money(row["disbursed_minor"], currency),
        row["valid_from"],
        row["valid_to"],
        Restrictions(frozenset(row["countries"]), frozenset(row["categories"])),
        row["created_at"],
    )


async def insert_grant(tx: Connection, *, grant: Grant, created_by: str) -> None:
    await tx.execute(
        "INSERT INTO grants (grant_id, donor, name, currency, amount_minor, available_minor,"
        " reserved_minor, disbursed_minor, valid_from, valid_to, countries, categories,"
        " created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,"
        " $13, $14)",
        grant.grant_id,
        grant.donor,
        grant.name,
        grant.currency,
        grant.amount.minor,
        grant.available.minor,
        grant.reserved.minor,
        grant.disbursed.minor,
        grant.valid_from,
        grant.valid_to,
        sorted(grant.restrictions.countries),
        sorted(grant.restrictions.categories),
        created_by,
        grant.created_at,
    )


async def save_grant(tx: Connection, *, grant: Grant) -> int:
    version: int = await tx.fetchval(
        "UPDATE grants SET amount_minor = $2, available_minor = $3, reserved_minor = $4,"
        " disbursed_minor = $5, version = version + 1 WHERE grant_id = $1 RETURNING version",
        grant.grant_id,
        grant.amount.minor,
        grant.available.minor,
        grant.reserved.minor,
        grant.disbursed.minor,
    )
    return version


async def get_grant(
    conn: Connection, *, grant_id: UUID, lock: bool = False
) -> tuple[Grant, int] | None:
    sql = "SELECT * FROM grants WHERE grant_id = $1" + (" FOR UPDATE" if lock else "")
    row = await conn.fetchrow(sql, grant_id)
    return (grant_of(row), row["version"]) if row else None


async def grant_row(conn: Connection, *, grant_id: UUID) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM grants WHERE grant_id = $1", grant_id)


async def lock_usable_grants(tx: Connection, *, today: date) -> list[Grant]:
    """Grants that could take a reservation today, locked in one order (no deadlock)."""
    rows = await tx.fetch(
        "SELECT * FROM grants WHERE valid_from <= $1 AND valid_to >= $1"
        " ORDER BY grant_id FOR UPDATE",
        today,
    )
    return [grant_of(r) for r in rows]


async def list_grants(
    conn: Connection, *, limit: int, after: tuple[datetime, UUID] | None
) -> list[asyncpg.Record]:
    if after is None:
        return await conn.fetch(
            "SELECT * FROM grants ORDER BY created_at DESC, grant_id DESC LIMIT $1", limit
        )
    return await conn.fetch(
        "SELECT * FROM grants WHERE (created_at, grant_id) < ($1, $2)"
        " ORDER BY created_at DESC, grant_id DESC LIMIT $3",
        after[0],
        after[1],
        limit,
    )


async def insert_adjustment(
    tx: Connection,
    *,
    adjustment_id: UUID,
    grant_id: UUID,
    delta: Money,
    reason: str | None,
    adjusted_by: str,
    at: datetime,
) -> None:
    await tx.execute(
        "INSERT INTO grant_adjustments (adjustment_id, grant_id, delta_minor, reason,"
        " adjusted_by, adjusted_at) VALUES ($1, $2, $3, $4, $5, $6)",
        adjustment_id,
        grant_id,
        delta.minor,
        reason,
        adjusted_by,
        at,
    )
