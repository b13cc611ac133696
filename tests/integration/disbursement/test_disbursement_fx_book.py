"""The rate book and its commands against real PostgreSQL, the clock injected: rates recorded
before four eyes stay in effect, a pending rate converts nothing, two confirmations at once take
effect once."""

from __future__ import annotations

import asyncio
import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import pytest
from support import scratch_database
from support.disbursement_mothers import ref

from dev.provision import PLATFORM_MIGRATIONS, migrate_service
from dev.stack import Stack
from services.disbursement.commands import budget
from services.disbursement.commands import fx as fx_commands
from services.disbursement.commands import grants as grant_commands
from services.disbursement.context import DisbursementContext
from services.disbursement.domain.payees import DebtorAccount
from services.disbursement.domain.reservations import ApprovedCase, ApprovedItem
from services.disbursement.repository import fx
from services.disbursement.schemas import FxRateIn, GrantIn
from services.disbursement.settings import DisbursementSettings
from services.disbursement.wire import Cause
from shared.db import Db, migrate
from shared.errors import DomainError
from shared.money import Money
from shared.problems import Problem

T0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
MIGRATIONS = Path(__file__).resolve().parents[3] / "services" / "disbursement" / "migrations"


@dataclass
class World:
    dsn: str
    db: Db
    ctx: DisbursementContext


@pytest.fixture
async def world(stack: Stack) -> AsyncIterator[World]:
    async with scratch_database(stack, "disbursement_fx") as dsn:
        await migrate_service("disbursement", dsn)
        db = await Db.connect(dsn)
        settings = DisbursementSettings(database_url=dsn)
        debtor = DebtorAccount.parse("Fund", settings.debtor_iban)
        try:
            yield World(dsn, db, DisbursementContext(settings, db, debtor, clock=lambda: T0))
        finally:
            await db.close()


def officer(name: str) -> Cause:
    return Cause(name, str(uuid.uuid4()), str(uuid.uuid4()))


async def outbox(db: Db) -> list[dict[str, Any]]:
    async with db.connection() as conn:
        rows = await conn.fetch("SELECT subject, payload FROM outbox ORDER BY seq")
    return [orjson.loads(bytes(r["payload"])) | {"nats": r["subject"]} for r in rows]


def subjects_of(events: list[dict[str, Any]]) -> list[str]:
    return [e["nats"].removeprefix("vfund.disbursement.") for e in events]


async def test_rates_recorded_before_four_eyes_stay_in_effect(stack: Stack, tmp_path: Path) -> None:
    before = tmp_path / "migrations"
    before.mkdir()
    for path in sorted(MIGRATIONS.glob("00[123]_*.sql")):
        shutil.copy(path, before / path.name)
    async with scratch_database(stack, "disbursement_legacy") as dsn:
        await migrate(dsn, PLATFORM_MIGRATIONS)
        await migrate(dsn, before)
        db = await Db.connect(dsn)
        try:
            async with db.connection() as conn:
                await conn.execute(
                    "INSERT INTO fx_rates (base, quote, as_of, rate, recorded_by, recorded_at)"
                    " VALUES ('EUR', 'CHF', '2030-02-01', 0.95, 'finance-1', $1)",
                    T0,
                )
            applied = await migrate(dsn, MIGRATIONS)
            assert applied[0] == "004_fx_four_eyes.sql", applied  # later ones may follow
            async with db.connection() as conn:
                row = await conn.fetchrow("SELECT * FROM fx_rates")
                assert row is not None
                assert (row["status"], row["decided_at"], row["version"]) == ("confirmed", T0, 1)
                assert row["rate_id"] is not None
                rates = await fx.confirmed_rates(conn, today=T0.date())
                assert [(r.base, r.quote, r.rate) for r in rates] == [
                    ("EUR", "CHF", Decimal("0.95"))
                ]
        finally:
            await db.close()


async def test_a_pending_rate_converts_nothing_until_another_officer_confirms(
    world: World,
) -> None:
    ctx = world.ctx
    grant = GrantIn(
        donor="Donor",
        name="Grant",
        amount="1000.00",
        currency="CHF",
        valid_from=T0.date(),
        valid_to=T0.date(),
    )
    made = await grant_commands.create(ctx, officer("finance-1"), grant, key=None)
    assert made.status_code == 201
    body = FxRateIn(base="EUR", quote="CHF", rate="0.5", as_of=T0.date())
    proposed = await fx_commands.propose(ctx, officer("finance-1"), body, key=None)
    assert proposed.status_code == 201
    rate = orjson.loads(proposed.body)
    assert (rate["status"], rate["reference"], rate["flagged"]) == ("pending", None, False)

    case_ref = ref(org_id="org-a", country="UG")
    case = ApprovedCase(case_ref, (ApprovedItem("item-1", "medical", Money(10000, "EUR")),), T0)
    await budget.approve(
        ctx, event_id=str(uuid.uuid4()), case=case, urgency="standard", decided_by=["m-1"]
    )
    assert subjects_of(await outbox(world.db))[-1] == "budget.insufficient"  # no rate in force

    with pytest.raises(DomainError) as refused:
        await fx_commands.confirm(
            ctx, officer("finance-1"), uuid.UUID(rate["rate_id"]), if_match='"1"'
        )
    assert refused.value.code == "fx_rate_same_officer"
    with pytest.raises(Problem) as unseen:
        await fx_commands.confirm(
            ctx, officer("finance-2"), uuid.UUID(rate["rate_id"]), if_match=None
        )
    assert unseen.value.status == 428
    confirmed = await fx_commands.confirm(
        ctx, officer("finance-2"), uuid.UUID(rate["rate_id"]), if_match='"1"'
    )
    assert orjson.loads(confirmed.body)["status"] == "confirmed"
    events = await outbox(world.db)
    assert subjects_of(events)[-3:] == [
        "fx.rate_recorded",
        "budget.reserved",
        "payment.awaiting_payee",
    ]
    reserved = [e for e in events if e["nats"].endswith("budget.reserved")]
    assert [(e["data"]["amount"], e["data"]["fx_rate"]) for e in reserved] == [("50.00", "0.5")]
    recorded = [e for e in events if e["nats"].endswith("fx.rate_recorded")]
    assert [(e["data"]["confirmed_by"], e["data"]["proposed_by"]) for e in recorded] == [
        ("finance-2", "finance-1")
    ]


async def test_two_confirmations_at_once_take_effect_once(world: World) -> None:
    ctx = world.ctx
    body = FxRateIn(base="USD", quote="CHF", rate="0.9", as_of=T0.date())
    proposed = orjson.loads(
        (await fx_commands.propose(ctx, officer("finance-1"), body, key=None)).body
    )
    rate_id = uuid.UUID(proposed["rate_id"])

    async def confirm(name: str) -> int:
        try:
            answer = await fx_commands.confirm(ctx, officer(name), rate_id, if_match='"1"')
        except Problem as exc:
            return exc.status
        return answer.status_code

    answers = await asyncio.gather(*(confirm(f"finance-{n}") for n in range(2, 7)))
    assert sorted(answers) == [200, 412, 412, 412, 412]
    recorded = [e for e in await outbox(world.db) if e["nats"].endswith("rate_recorded")]
    assert len(recorded) == 1
    async with world.db.connection() as conn:
        row = await conn.fetchrow(
            "SELECT status, version FROM fx_rates WHERE rate_id = $1", rate_id
        )
    assert row is not None and (row["status"], row["version"]) == ("confirmed", 2)
