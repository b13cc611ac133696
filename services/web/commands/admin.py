"""Organisations and accounts, changed by an administrator or an organisation's own admin."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.web import repository, wire
from services.web.commands import new_token
from services.web.context import WebContext
from services.web.credentials import Sealer
from services.web.domain import accounts as domain
from services.web.domain import invitations
from services.web.domain.accounts import Account, Actor, Organisation
from services.web.domain.events import OrganisationEvent, UserEvent
from services.web.domain.roles import field_error
from services.web.mail.compose import sender_domain
from services.web.repository import notifications
from shared.db import Connection
from shared.errors import DomainError, Refusal


def _stale() -> DomainError:
    return DomainError(Refusal.CONFLICT, "changed-meanwhile")


async def _organisation(tx: Connection, org_id: str | None) -> Organisation | None:
    return await repository.organisation(tx, org_id=org_id) if org_id else None


async def register_organisation(
    ctx: WebContext, actor: Actor, *, org_id: str, name: str, country: str, causation_id: str | None
) -> Organisation:
    org, event = domain.register_organisation(actor, org_id=org_id, name=name, country=country)
    now = ctx.clock.now()
    async with ctx.db.transaction() as tx:
        if not await repository.insert_organisation(tx, org=org, now=now):
            raise field_error("org_id", "org-id-taken")
        await wire.enqueue(tx, [event], actor=actor.account_id, causation_id=causation_id, now=now)
    return org


OrganisationChange = Callable[[Organisation], tuple[Organisation, OrganisationEvent]]


async def change_organisation(
    ctx: WebContext,
    actor: Actor,
    *,
    org_id: str,
    version: int | None,
    change: OrganisationChange,
    causation_id: str | None,
) -> Organisation:
    """Edit, suspend or reinstate; a suspended organisation's people are signed out."""
    now = ctx.clock.now()
    async with ctx.db.transaction() as tx:
        org = await repository.organisation(tx, org_id=org_id, lock=True)
        if org is None:
            raise DomainError(Refusal.NOT_FOUND, "organisation-not-found")
        if version is not None and version != org.version:
            raise _stale()
        changed, event = change(org)
        await repository.save_organisation(tx, org=changed, previous_version=org.version, now=now)
        if event.kind == "suspended":
            await tx.execute(
                "DELETE FROM sessions WHERE account_id IN"
                " (SELECT account_id FROM accounts WHERE org_id = $1)",
                org_id,
            )
        await wire.enqueue(tx, [event], actor=actor.account_id, causation_id=causation_id, now=now)
    return changed


@dataclass(frozen=True)
class Invitation:
    """A link just made: shown once to the inviter, and e-mailed to `mailed_to` (None when the
    service sends no e-mail: VFUND_SMTP_URL unset)."""

    link: str
    mailed_to: str | None


async def _issue_invitation(
    tx: Connection,
    ctx: WebContext,
    *,
    account: Account,
    language: str,
    base_url: str,
    by: str,
    now: datetime,
) -> Invitation:
    """A new single-use link (any earlier one stops working) and, in the same transaction, its
    e-mail to the invitee: committed together, so it is neither lost nor sent twice."""
    token, hashed = new_token()
    expires_at = now + timedelta(hours=ctx.settings.web_invitation_hours)
    await repository.create_invitation(
        tx, token_hash=hashed, account_id=account.account_id, by=by, now=now, expires_at=expires_at
    )
    link = invitations.link(base_url, token)
    if ctx.mailer is None:
        return Invitation(link, None)
    await notifications.queue_invitation_mail(
        tx,
        token_hash=hashed,
        account_id=account.account_id,
        message_id=invitations.message_id(hashed, sender_domain(ctx.settings.mail_from)),
        recipient=account.email,
        language=language,
        link_sealed=Sealer(ctx.keys.links).seal(link, account_id=account.account_id),
        now=now,
    )
    return Invitation(link, account.email)


async def invite(
    ctx: WebContext,
    actor: Actor,
    *,
    username: str,
    display_name: str,
    email: str,
    roles: tuple[str, ...],
    org_id: str | None,
    donor: str | None,
    language: str | None = None,
    inviter_language: str,
    base_url: str,
    causation_id: str | None,
) -> tuple[Account, Invitation]:
    """A new account and its single-use link (shown once to the inviter, e-mailed to the
    invitee in `language` when the inviter chose one, else in the inviter's)."""
    now = ctx.clock.now()
    async with ctx.db.transaction() as tx:
        account, event = domain.invite(
            actor,
            account_id=str(uuid.uuid4()),
            username=username,
            display_name=display_name,
            email=email,
            roles=roles,
            org_id=org_id,
            donor=donor,
            organisation=await _organisation(tx, org_id),
        )
        if not await repository.insert_account(tx, account=account, now=now):
            raise field_error("username", "username-taken")
        if language is not None:
            await repository.set_language(tx, account_id=account.account_id, language=language)
        invitation = await _issue_invitation(
            tx,
            ctx,
            account=account,
            language=invitations.mail_language(language, inviter_language),
            base_url=base_url,
            by=actor.account_id,
            now=now,
        )
        await wire.enqueue(tx, [event], actor=actor.account_id, causation_id=causation_id, now=now)
    return account, invitation


async def reinvite(
    ctx: WebContext, actor: Actor, *, account_id: str, inviter_language: str, base_url: str
) -> Invitation:
    """A new link for an invitation not yet taken up, e-mailed again; the earlier link stops
    working (and its e-mail, if not sent yet, never goes)."""
    now = ctx.clock.now()
    async with ctx.db.transaction() as tx:
        row = await repository.account(tx, account_id=account_id, lock=True)
        if row is None:
            raise DomainError(Refusal.NOT_FOUND, "account-not-found")
        domain.check_manages(actor, row.domain)
        if row.domain.status != "invited" or row.password_hash is not None:
            raise DomainError(Refusal.CONFLICT, "invitation-used")
        return await _issue_invitation(
            tx,
            ctx,
            account=row.domain,
            language=invitations.mail_language(row.language, inviter_language),
            base_url=base_url,
            by=actor.account_id,
            now=now,
        )


AccountChange = Callable[[Account, Organisation | None], tuple[Account, UserEvent]]


async def change_account(
    ctx: WebContext,
    actor: Actor,
    *,
    account_id: str,
    version: int | None,
    change: AccountChange,
    org_id: str | None = None,
    causation_id: str | None,
) -> Account:
    """Roles, disable, enable, second-factor reset, unlock: every session of the account ends
    on a role change, a reset or a disabling."""
    now = ctx.clock.now()
    async with ctx.db.transaction() as tx:
        row = await repository.account(tx, account_id=account_id, lock=True)
        if row is None:
            raise DomainError(Refusal.NOT_FOUND, "account-not-found")
        domain.check_manages(actor, row.domain)
        if version is not None and version != row.domain.version:
            raise _stale()
        changed, event = change(row.domain, await _organisation(tx, org_id))
        await repository.save_account(
            tx, account=changed, previous_version=row.domain.version, now=now
        )
        if event.kind in ("roles_changed", "mfa_reset", "disabled"):
            await repository.end_sessions(tx, account_id=account_id)
        if event.kind == "unlocked":
            await repository.clear_attempts(
                tx, username_key=ctx.keys.username_key(row.domain.username)
            )
        await wire.enqueue(tx, [event], actor=actor.account_id, causation_id=causation_id, now=now)
    return changed


async def link_identity(
    ctx: WebContext, actor: Actor, *, account_id: str, subject: str, causation_id: str | None
) -> None:
    issuer = ctx.settings.oidc_issuer
    if not issuer:
        raise DomainError(Refusal.CONFLICT, "single-sign-on-off")
    now = ctx.clock.now()
    async with ctx.db.transaction() as tx:
        row = await repository.account(tx, account_id=account_id, lock=True)
        if row is None:
            raise DomainError(Refusal.NOT_FOUND, "account-not-found")
        subject, event = domain.link_identity(actor, row.domain, subject)
        linked = await repository.link_identity(
            tx, issuer=issuer, subject=subject, account_id=account_id, by=actor.account_id, now=now
        )
        if not linked:
            raise field_error("oidc_subject", "identity-taken")
        await wire.enqueue(tx, [event], actor=actor.account_id, causation_id=causation_id, now=now)
