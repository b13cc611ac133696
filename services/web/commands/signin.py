"""Signing in and out, second factors, invitations, and the person's own account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from services.web import repository, wire
from services.web.commands import new_token, token_hash
from services.web.context import WebContext
from services.web.credentials import (
    looks_like_recovery_code,
    new_recovery_codes,
    recovery_hash,
    totp_step,
)
from services.web.domain import accounts as domain
from services.web.domain.events import DomainEvent, SignedIn
from services.web.domain.invitations import state as invitation_state
from services.web.domain.passwords import check_new_password
from services.web.domain.signin import fail, is_locked, wait_before
from services.web.repository import AccountRow, SessionRow
from shared.db import Connection
from shared.errors import DomainError, Refusal

Stage = Literal["second_factor", "enrol", "active"]


@dataclass(frozen=True)
class Entry:
    """A new session (its cookie's value) at a stage, or why there is none."""

    token: str | None = None
    stage: Stage | None = None
    refused: Literal["wrong", "wait"] | None = None
    wait: timedelta = timedelta(0)


async def _failed(
    tx: Connection, ctx: WebContext, *, username: str, row: AccountRow | None, now: datetime
) -> Entry:
    """Count a failure against the typed name, known or not; lock a known account at the limit."""
    key = ctx.keys.username_key(username)
    failure = fail(await repository.attempts(tx, username_key=key), now, ctx.throttle)
    await repository.save_attempts(tx, username_key=key, attempts=failure.attempts, now=now)
    if failure.lock_until is not None and row is not None:
        locked, event = domain.lock(row.domain, until=failure.lock_until)
        await repository.set_locked(tx, account_id=locked.account_id, until=failure.lock_until)
        await repository.end_sessions(tx, account_id=locked.account_id)
        await wire.enqueue(tx, [event], actor="web", causation_id=None, now=now)
    wait = wait_before(failure.attempts, now)
    return Entry(refused="wait" if wait else "wrong", wait=wait)


def _usable(row: AccountRow | None, now: datetime) -> bool:
    return (
        row is not None
        and row.domain.status in ("active", "invited")
        and row.password_hash is not None
        and not is_locked(row.domain.locked_until, now)
        and row.org_status != "suspended"
    )


async def sign_in(
    ctx: WebContext, *, username: str, password: str, causation_id: str | None
) -> Entry:
    now = ctx.clock.now()
    key = ctx.keys.username_key(username)
    async with ctx.db.connection() as conn:
        row = await repository.account_by_username(conn, username=username)
        earlier = await conn.fetchrow(
            "SELECT failures, next_allowed_at FROM sign_in_attempts WHERE username_key = $1", key
        )
    if earlier is not None and earlier["next_allowed_at"] > now:
        return Entry(refused="wait", wait=earlier["next_allowed_at"] - now)
    # The hash is checked whatever the account (a dummy one for unknown names): same time.
    right = await ctx.passwords.verify(row.password_hash if row else None, password)
    async with ctx.db.transaction() as tx:
        if not right or not _usable(row, now):
            return await _failed(tx, ctx, username=username, row=row, now=now)
        assert row is not None
        await repository.clear_attempts(tx, username_key=key)
        stage: Stage
        if row.domain.has_mfa:
            stage = "second_factor"
        elif ctx.settings.web_mfa == "required" or row.domain.status == "invited":
            stage = "enrol"
        else:
            stage = "active"
        token, hashed = new_token()
        await repository.create_session(
            tx,
            session_hash=hashed,
            account_id=row.domain.account_id,
            stage=stage,
            method="password",
            now=now,
        )
        if stage == "active":
            event = SignedIn(row.domain.account_id, "password", mfa=False)
            await wire.enqueue(
                tx, [event], actor=row.domain.account_id, causation_id=causation_id, now=now
            )
    return Entry(token=token, stage=stage)


async def _prove(
    tx: Connection, ctx: WebContext, row: AccountRow, code: str, now: datetime
) -> bool:
    """A TOTP code not used before, or an unused recovery code (spent by this)."""
    account_id = row.domain.account_id
    if row.totp_secret is None:
        return False
    secret = ctx.sealer.open(row.totp_secret, account_id=account_id)
    step = totp_step(secret, code, now)
    if step is not None:
        return await repository.set_totp_step(tx, account_id=account_id, step=step)
    if looks_like_recovery_code(code):
        hashed = recovery_hash(ctx.keys.attempts, account_id, code)
        return await repository.use_recovery_code(
            tx, account_id=account_id, code_hash=hashed, now=now
        )
    return False


async def second_factor(
    ctx: WebContext, session: SessionRow, *, code: str, causation_id: str | None
) -> Entry:
    """The code after the password: a new session id, signed in, or a counted failure."""
    now = ctx.clock.now()
    row = session.account
    key = ctx.keys.username_key(row.domain.username)
    async with ctx.db.transaction() as tx:
        wait = wait_before(await repository.attempts(tx, username_key=key), now)
        if wait:
            return Entry(refused="wait", wait=wait)
        if not await _prove(tx, ctx, row, code, now):
            return await _failed(tx, ctx, username=row.domain.username, row=row, now=now)
        await repository.clear_attempts(tx, username_key=key)
        await repository.end_session(tx, session_hash=session.session_hash)
        token, hashed = new_token()
        await repository.create_session(
            tx,
            session_hash=hashed,
            account_id=row.domain.account_id,
            stage="active",
            method=session.method,
            now=now,
        )
        event = SignedIn(row.domain.account_id, session.method, mfa=True)  # type: ignore[arg-type]
        await wire.enqueue(
            tx, [event], actor=row.domain.account_id, causation_id=causation_id, now=now
        )
    return Entry(token=token, stage="active")


async def step_up(ctx: WebContext, session: SessionRow, *, proof: str) -> bool:
    """The second factor again (or the password where there is none): the session is fresh."""
    now = ctx.clock.now()
    row = session.account
    if row.domain.has_mfa:
        async with ctx.db.transaction() as tx:
            key = ctx.keys.username_key(row.domain.username)
            if wait_before(await repository.attempts(tx, username_key=key), now):
                return False
            if not await _prove(tx, ctx, row, proof, now):
                await _failed(tx, ctx, username=row.domain.username, row=row, now=now)
                return False
            await repository.verified(tx, session_hash=session.session_hash, now=now)
        return True
    if not await ctx.passwords.verify(row.password_hash, proof):
        async with ctx.db.transaction() as tx:
            await _failed(tx, ctx, username=row.domain.username, row=row, now=now)
        return False
    async with ctx.db.transaction() as tx:
        await repository.verified(tx, session_hash=session.session_hash, now=now)
    return True


async def sign_out(ctx: WebContext, *, session_hash: bytes) -> None:
    async with ctx.db.transaction() as tx:
        await repository.end_session(tx, session_hash=session_hash)


async def sign_out_others(ctx: WebContext, session: SessionRow) -> int:
    async with ctx.db.transaction() as tx:
        return await repository.end_sessions(
            tx, account_id=session.account.domain.account_id, keep=session.session_hash
        )


async def enrol(
    ctx: WebContext,
    session: SessionRow,
    *,
    sealed_secret: str,
    code: str,
    causation_id: str | None,
) -> tuple[str, list[str]]:
    """A new second factor (first enrolment, or a replacement): a new session id and ten
    recovery codes, shown once. Every other session of the account ends."""
    now = ctx.clock.now()
    row = session.account
    account_id = row.domain.account_id
    try:
        secret = ctx.sealer.open(sealed_secret, account_id=account_id)
    except Exception as exc:
        raise _field("code", "enrolment-expired") from exc
    step = totp_step(secret, code, now)
    if step is None:
        raise _field("code", "code-wrong")
    codes = new_recovery_codes()
    events: list[DomainEvent] = []
    async with ctx.db.transaction() as tx:
        locked = await repository.account(tx, account_id=account_id, lock=True)
        assert locked is not None
        await repository.set_second_factor(
            tx,
            account_id=account_id,
            sealed_secret=sealed_secret,
            step=step,
            code_hashes=[recovery_hash(ctx.keys.attempts, account_id, c) for c in codes],
        )
        if locked.domain.status == "invited":
            activated, event = domain.activate(locked.domain, with_mfa=True)
            await repository.save_account(
                tx, account=activated, previous_version=locked.domain.version, now=now
            )
            events.append(event)
        if session.stage != "active":
            events.append(SignedIn(account_id, session.method, mfa=True))  # type: ignore[arg-type]
        await repository.end_sessions(tx, account_id=account_id)
        token, hashed = new_token()
        await repository.create_session(
            tx,
            session_hash=hashed,
            account_id=account_id,
            stage="active",
            method=session.method,
            now=now,
        )
        await wire.enqueue(tx, events, actor=account_id, causation_id=causation_id, now=now)
    return token, codes


async def new_recovery_codes_for(ctx: WebContext, session: SessionRow) -> list[str]:
    account_id = session.account.domain.account_id
    codes = new_recovery_codes()
    async with ctx.db.transaction() as tx:
        await repository.replace_recovery_codes(
            tx,
            account_id=account_id,
            code_hashes=[recovery_hash(ctx.keys.attempts, account_id, c) for c in codes],
        )
    return codes


def _field(field: str, code: str) -> DomainError:
    return DomainError(
        Refusal.INVALID, code, errors=[{"field": field, "code": code, "message": code}]
    )


async def change_password(
    ctx: WebContext, session: SessionRow, *, current: str, new: str, confirm: str
) -> str:
    """Every session of the account ends; this browser gets a new one."""
    row = session.account
    if not await ctx.passwords.verify(row.password_hash, current):
        raise _field("current_password", "password-wrong")
    check_new_password(new, confirm, username=row.domain.username)
    hashed_password = await ctx.passwords.hash(new)
    now = ctx.clock.now()
    async with ctx.db.transaction() as tx:
        await repository.set_password(
            tx, account_id=row.domain.account_id, password_hash=hashed_password, now=now
        )
        await repository.end_sessions(tx, account_id=row.domain.account_id)
        token, hashed = new_token()
        await repository.create_session(
            tx,
            session_hash=hashed,
            account_id=row.domain.account_id,
            stage="active",
            method=session.method,
            now=now,
        )
    return token


async def set_language(ctx: WebContext, *, account_id: str, language: str) -> None:
    async with ctx.db.transaction() as tx:
        await repository.set_language(tx, account_id=account_id, language=language)


@dataclass(frozen=True)
class Invitation:
    account: AccountRow
    state: str


async def invitation(ctx: WebContext, *, token: str) -> Invitation | None:
    async with ctx.db.connection() as conn:
        found = await repository.invitation(conn, token_hash=token_hash(token))
        if found is None:
            return None
        row = await repository.account(conn, account_id=found.account_id)
    assert row is not None
    state = invitation_state(
        expires_at=found.expires_at, used_at=found.used_at, now=ctx.clock.now()
    )
    if row.domain.status != "invited" and state == "valid":
        state = "used"
    return Invitation(row, state)


async def accept_invitation(
    ctx: WebContext, *, token: str, password: str, confirm: str, causation_id: str | None
) -> Entry:
    """The invitee's password; then the second factor (where required) in the new session."""
    found = await invitation(ctx, token=token)
    if found is None or found.state != "valid":
        raise DomainError(Refusal.CONFLICT, "invitation-not-valid")
    check_new_password(password, confirm, username=found.account.domain.username)
    hashed_password = await ctx.passwords.hash(password)
    now = ctx.clock.now()
    account_id = found.account.domain.account_id
    async with ctx.db.transaction() as tx:
        current = await repository.invitation(tx, token_hash=token_hash(token), lock=True)
        row = await repository.account(tx, account_id=account_id, lock=True)
        if current is None or current.used_at is not None or row is None:
            raise DomainError(Refusal.CONFLICT, "invitation-not-valid")
        await repository.use_invitation(tx, token_hash=token_hash(token), now=now)
        await repository.set_password(
            tx, account_id=account_id, password_hash=hashed_password, now=now
        )
        events: list[DomainEvent] = []
        stage: Stage = "enrol"
        if ctx.settings.web_mfa == "optional":
            activated, event = domain.activate(row.domain, with_mfa=False)
            await repository.save_account(
                tx, account=activated, previous_version=row.domain.version, now=now
            )
            events += [event, SignedIn(account_id, "password", mfa=False)]
            stage = "active"
        await repository.end_sessions(tx, account_id=account_id)
        session_token, hashed = new_token()
        await repository.create_session(
            tx, session_hash=hashed, account_id=account_id, stage=stage, method="password", now=now
        )
        await wire.enqueue(tx, events, actor=account_id, causation_id=causation_id, now=now)
    return Entry(token=session_token, stage=stage)


async def sign_in_oidc(
    ctx: WebContext, *, issuer: str, subject: str, mfa: bool, causation_id: str | None
) -> Entry:
    """An identity the provider vouched for, admitted only when linked to a usable account."""
    now = ctx.clock.now()
    async with ctx.db.transaction() as tx:
        account_id = await repository.identity(tx, issuer=issuer, subject=subject)
        row = await repository.account(tx, account_id=account_id) if account_id else None
        if (
            row is None
            or row.domain.status != "active"
            or is_locked(row.domain.locked_until, now)
            or row.org_status == "suspended"
        ):
            return Entry(refused="wrong")
        token, hashed = new_token()
        await repository.create_session(
            tx,
            session_hash=hashed,
            account_id=row.domain.account_id,
            stage="active",
            method="oidc",
            now=now,
        )
        event = SignedIn(row.domain.account_id, "oidc", mfa=mfa)
        await wire.enqueue(
            tx, [event], actor=row.domain.account_id, causation_id=causation_id, now=now
        )
    return Entry(token=token, stage="active")
