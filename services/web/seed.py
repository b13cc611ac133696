"""Accounts made by provisioning (`make run`'s demo users), through the same rules and events
as an administrator's invitations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from services.web import repository, wire
from services.web.credentials import Passwords, Sealer, new_totp_secret
from services.web.domain import accounts as domain
from services.web.domain.accounts import Actor
from services.web.domain.events import DomainEvent
from services.web.keys import Keys
from services.web.settings import WebSettings
from shared.db import Db

PROVISIONING = Actor("provisioning", frozenset({"admin"}), None)


@dataclass(frozen=True)
class SeedOrganisation:
    org_id: str
    name: str
    country: str


@dataclass(frozen=True)
class SeedAccount:
    username: str
    display_name: str
    roles: tuple[str, ...]
    org_id: str | None = None
    donor: str | None = None


async def seed(
    dsn: str,
    key_file: Path,
    *,
    organisations: list[SeedOrganisation],
    accounts: list[SeedAccount],
    passwords: dict[str, str],
    with_totp: bool,
) -> dict[str, str]:
    """Creates what is missing (a second run changes nothing); the account id of a demo user is
    its username, so that `make run`'s tokens and the web's name the same person. Returns the
    TOTP secret of each account created with one."""
    keys = Keys.from_settings(WebSettings(web_token_key=key_file))
    sealer = Sealer(keys.totp)
    hasher = Passwords.create()
    now = datetime.now(UTC)
    secrets: dict[str, str] = {}
    db = await Db.connect(dsn, min_size=1, max_size=2)
    try:
        async with db.transaction() as tx:
            events: list[DomainEvent] = []
            for o in organisations:
                org, event = domain.register_organisation(
                    PROVISIONING, org_id=o.org_id, name=o.name, country=o.country
                )
                if await repository.insert_organisation(tx, org=org, now=now):
                    events.append(event)
            for a in accounts:
                if await repository.account(tx, account_id=a.username) is not None:
                    continue
                organisation = (
                    await repository.organisation(tx, org_id=a.org_id) if a.org_id else None
                )
                account, invited = domain.invite(
                    PROVISIONING,
                    account_id=a.username,
                    username=a.username,
                    display_name=a.display_name,
                    email=f"{a.username}@demo.vfund.invalid",
                    roles=a.roles,
                    org_id=a.org_id,
                    donor=a.donor,
                    organisation=organisation,
                )
                await repository.insert_account(tx, account=account, now=now)
                await repository.set_password(
                    tx,
                    account_id=account.account_id,
                    password_hash=await hasher.hash(passwords[a.username]),
                    now=now,
                )
                if with_totp:
                    secret = new_totp_secret()
                    secrets[a.username] = secret
                    await repository.set_second_factor(
                        tx,
                        account_id=account.account_id,
                        sealed_secret=sealer.seal(secret, account_id=account.account_id),
                        step=0,
                        code_hashes=[],
                    )
                active, activated = domain.activate(account, with_mfa=with_totp)
                await repository.save_account(
                    tx, account=active, previous_version=account.version, now=now
                )
                events += [invited, activated]
            await wire.enqueue(tx, events, actor="provisioning", causation_id=None, now=now)
    finally:
        await db.close()
    return secrets
