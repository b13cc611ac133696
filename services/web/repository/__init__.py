"""All the web service's SQL: keyword-only functions taking a connection."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from services.web.domain.accounts import Account, Organisation
from services.web.domain.signin import Attempts
from shared.db import Connection

# organisations


def _organisation(row: asyncpg.Record) -> Organisation:
    return Organisation(row["org_id"], row["name"], row["country"], row["status"], row["version"])


async def organisation(conn: Connection, *, org_id: str, lock: bool = False) -> Organisation | None:
    sql = "SELECT * FROM organisations WHERE org_id = $1" + (" FOR UPDATE" if lock else "")
    row = await conn.fetchrow(sql, org_id)
    return _organisation(row) if row else None


async def organisations(conn: Connection) -> list[Organisation]:
    rows = await conn.fetch("SELECT * FROM organisations ORDER BY name, org_id")
    return [_organisation(r) for r in rows]


async def insert_organisation(conn: Connection, *, org: Organisation, now: datetime) -> bool:
    """False when the id is taken (a unique constraint decides, not a prior read)."""
    done = await conn.fetchval(
        "INSERT INTO organisations (org_id, name, country, status, version, created_at,"
        " updated_at) VALUES ($1, $2, $3, $4, 1, $5, $5) ON CONFLICT DO NOTHING RETURNING 1",
        org.org_id,
        org.name,
        org.country,
        org.status,
        now,
    )
    return done is not None


async def save_organisation(
    conn: Connection, *, org: Organisation, previous_version: int, now: datetime
) -> bool:
    done = await conn.fetchval(
        "UPDATE organisations SET name = $2, country = $3, status = $4, version = version + 1,"
        " updated_at = $5 WHERE org_id = $1 AND version = $6 RETURNING 1",
        org.org_id,
        org.name,
        org.country,
        org.status,
        now,
        previous_version,
    )
    return done is not None


# accounts


@dataclass(frozen=True)
class AccountRow:
    """An account with what signing in needs; `domain` is what the rules see."""

    domain: Account
    language: str | None
    password_hash: str | None
    totp_secret: str | None
    totp_last_step: int | None
    org_status: str | None
    created_at: datetime


def _account(row: asyncpg.Record) -> AccountRow:
    account = Account(
        account_id=row["account_id"],
        username=row["username"],
        display_name=row["display_name"],
        email=row["email"],
        roles=tuple(row["roles"]),
        org_id=row["org_id"],
        donor=row["donor"],
        status=row["status"],
        has_password=row["password_hash"] is not None,
        has_mfa=row["totp_secret"] is not None,
        locked_until=row["locked_until"],
        version=row["version"],
    )
    return AccountRow(
        domain=account,
        language=row["language"],
        password_hash=row["password_hash"],
        totp_secret=row["totp_secret"],
        totp_last_step=row["totp_last_step"],
        org_status=row["org_status"],
        created_at=row["created_at"],
    )


_ACCOUNT = (
    "SELECT a.*, o.status AS org_status FROM accounts a"
    " LEFT JOIN organisations o ON o.org_id = a.org_id"
)


async def account(conn: Connection, *, account_id: str, lock: bool = False) -> AccountRow | None:
    sql = _ACCOUNT + " WHERE a.account_id = $1" + (" FOR UPDATE OF a" if lock else "")
    row = await conn.fetchrow(sql, account_id)
    return _account(row) if row else None


async def account_by_username(
    conn: Connection, *, username: str, lock: bool = False
) -> AccountRow | None:
    sql = _ACCOUNT + " WHERE a.username = $1" + (" FOR UPDATE OF a" if lock else "")
    row = await conn.fetchrow(sql, username.strip().lower())
    return _account(row) if row else None


async def accounts(conn: Connection, *, org_id: str | None = None) -> list[AccountRow]:
    if org_id is None:
        rows = await conn.fetch(_ACCOUNT + " ORDER BY a.username")
    else:
        rows = await conn.fetch(_ACCOUNT + " WHERE a.org_id = $1 ORDER BY a.username", org_id)
    return [_account(r) for r in rows]


async def display_names(conn: Connection, *, account_ids: list[str]) -> dict[str, str]:
    """The names the pages show for the people the services name by account id."""
    rows = await conn.fetch(
        "SELECT account_id, display_name FROM accounts WHERE account_id = ANY($1::text[])",
        account_ids,
    )
    return {r["account_id"]: r["display_name"] for r in rows}


async def insert_account(conn: Connection, *, account: Account, now: datetime) -> bool:
    done = await conn.fetchval(
        "INSERT INTO accounts (account_id, username, display_name, email, roles, org_id, donor,"
        " status, version, created_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9)"
        " ON CONFLICT DO NOTHING RETURNING 1",
        account.account_id,
        account.username,
        account.display_name,
        account.email,
        list(account.roles),
        account.org_id,
        account.donor,
        account.status,
        now,
    )
    return done is not None


async def save_account(
    conn: Connection, *, account: Account, previous_version: int, now: datetime
) -> bool:
    """Roles, organisation, status, lock; a reset second factor forgets secret and codes."""
    done = await conn.fetchval(
        "UPDATE accounts SET roles = $2, org_id = $3, donor = $4, status = $5,"
        " locked_until = $6, version = version + 1, updated_at = $7,"
        " totp_secret = CASE WHEN $8 THEN totp_secret END,"
        " totp_last_step = CASE WHEN $8 THEN totp_last_step END"
        " WHERE account_id = $1 AND version = $9 RETURNING 1",
        account.account_id,
        list(account.roles),
        account.org_id,
        account.donor,
        account.status,
        account.locked_until,
        now,
        account.has_mfa,
        previous_version,
    )
    if not account.has_mfa:
        await conn.execute("DELETE FROM recovery_codes WHERE account_id = $1", account.account_id)
    return done is not None


async def set_password(
    conn: Connection, *, account_id: str, password_hash: str, now: datetime
) -> None:
    await conn.execute(
        "UPDATE accounts SET password_hash = $2, updated_at = $3 WHERE account_id = $1",
        account_id,
        password_hash,
        now,
    )


async def set_second_factor(
    conn: Connection, *, account_id: str, sealed_secret: str, step: int, code_hashes: list[str]
) -> None:
    await conn.execute(
        "UPDATE accounts SET totp_secret = $2, totp_last_step = $3 WHERE account_id = $1",
        account_id,
        sealed_secret,
        step,
    )
    await replace_recovery_codes(conn, account_id=account_id, code_hashes=code_hashes)


async def set_totp_step(conn: Connection, *, account_id: str, step: int) -> bool:
    """Records the step a code was taken at; False when that code (or a later one) was used."""
    done = await conn.fetchval(
        "UPDATE accounts SET totp_last_step = $2 WHERE account_id = $1"
        " AND (totp_last_step IS NULL OR totp_last_step < $2) RETURNING 1",
        account_id,
        step,
    )
    return done is not None


async def set_language(conn: Connection, *, account_id: str, language: str) -> None:
    await conn.execute(
        "UPDATE accounts SET language = $2 WHERE account_id = $1", account_id, language
    )


async def set_locked(conn: Connection, *, account_id: str, until: datetime | None) -> None:
    await conn.execute(
        "UPDATE accounts SET locked_until = $2, version = version + 1 WHERE account_id = $1",
        account_id,
        until,
    )


# recovery codes


async def replace_recovery_codes(
    conn: Connection, *, account_id: str, code_hashes: list[str]
) -> None:
    await conn.execute("DELETE FROM recovery_codes WHERE account_id = $1", account_id)
    await conn.executemany(
        "INSERT INTO recovery_codes (account_id, position, code_hash) VALUES ($1, $2, $3)",
        [(account_id, i, h) for i, h in enumerate(code_hashes)],
    )


async def use_recovery_code(
    conn: Connection, *, account_id: str, code_hash: str, now: datetime
) -> bool:
    done = await conn.fetchval(
        "UPDATE recovery_codes SET used_at = $3 WHERE account_id = $1 AND code_hash = $2"
        " AND used_at IS NULL RETURNING 1",
        account_id,
        code_hash,
        now,
    )
    return done is not None


async def recovery_codes_left(conn: Connection, *, account_id: str) -> int:
    return int(
        await conn.fetchval(
            "SELECT count(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL",
            account_id,
        )
    )


# sessions


@dataclass(frozen=True)
class SessionRow:
    session_hash: bytes
    stage: str
    method: str
    created_at: datetime
    last_seen_at: datetime
    verified_at: datetime
    account: AccountRow
    # Notifications not read yet: the count every page shows next to "Inbox".
    unread: int = 0


async def create_session(
    conn: Connection,
    *,
    session_hash: bytes,
    account_id: str,
    stage: str,
    method: str,
    now: datetime,
    verified_at: datetime | None = None,
) -> None:
    await conn.execute(
        "INSERT INTO sessions (session_hash, account_id, stage, method, created_at, last_seen_at,"
        " verified_at) VALUES ($1, $2, $3, $4, $5, $5, $6)",
        session_hash,
        account_id,
        stage,
        method,
        now,
        verified_at or now,
    )


async def session(conn: Connection, *, session_hash: bytes) -> SessionRow | None:
    row = await conn.fetchrow(
        "SELECT s.session_hash, s.stage, s.method, s.created_at AS s_created,"
        " s.last_seen_at, s.verified_at, a.*, o.status AS org_status,"
        " (SELECT count(*) FROM notifications n WHERE n.account_id = a.account_id"
        " AND n.read_at IS NULL) AS unread"
        " FROM sessions s JOIN accounts a ON a.account_id = s.account_id"
        " LEFT JOIN organisations o ON o.org_id = a.org_id WHERE s.session_hash = $1",
        session_hash,
    )
    if row is None:
        return None
    return SessionRow(
        session_hash=row["session_hash"],
        stage=row["stage"],
        method=row["method"],
        created_at=row["s_created"],
        last_seen_at=row["last_seen_at"],
        verified_at=row["verified_at"],
        account=_account(row),
        unread=row["unread"],
    )


async def touch_session(conn: Connection, *, session_hash: bytes, now: datetime) -> None:
    await conn.execute(
        "UPDATE sessions SET last_seen_at = $2 WHERE session_hash = $1", session_hash, now
    )


async def verified(conn: Connection, *, session_hash: bytes, now: datetime) -> None:
    await conn.execute(
        "UPDATE sessions SET verified_at = $2, last_seen_at = $2 WHERE session_hash = $1",
        session_hash,
        now,
    )


async def end_session(conn: Connection, *, session_hash: bytes) -> None:
    await conn.execute("DELETE FROM sessions WHERE session_hash = $1", session_hash)


async def end_sessions(conn: Connection, *, account_id: str, keep: bytes | None = None) -> int:
    result = await conn.execute(
        "DELETE FROM sessions WHERE account_id = $1 AND session_hash IS DISTINCT FROM $2",
        account_id,
        keep,
    )
    return int(result.split()[-1])


async def sessions_of(conn: Connection, *, account_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT session_hash, method, created_at, last_seen_at FROM sessions"
        " WHERE account_id = $1 AND stage = 'active' ORDER BY last_seen_at DESC",
        account_id,
    )
    return [dict(r) for r in rows]


# invitations


async def create_invitation(
    conn: Connection,
    *,
    token_hash: bytes,
    account_id: str,
    by: str,
    now: datetime,
    expires_at: datetime,
) -> None:
    # A new invitation replaces any earlier one: only the latest link works.
    await conn.execute(
        "UPDATE invitations SET used_at = $2 WHERE account_id = $1 AND used_at IS NULL",
        account_id,
        now,
    )
    await conn.execute(
        "INSERT INTO invitations (token_hash, account_id, created_by, created_at, expires_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        token_hash,
        account_id,
        by,
        now,
        expires_at,
    )


@dataclass(frozen=True)
class InvitationRow:
    account_id: str
    expires_at: datetime
    used_at: datetime | None


async def invitation(
    conn: Connection, *, token_hash: bytes, lock: bool = False
) -> InvitationRow | None:
    sql = "SELECT account_id, expires_at, used_at FROM invitations WHERE token_hash = $1"
    row = await conn.fetchrow(sql + (" FOR UPDATE" if lock else ""), token_hash)
    return InvitationRow(row["account_id"], row["expires_at"], row["used_at"]) if row else None


async def use_invitation(conn: Connection, *, token_hash: bytes, now: datetime) -> None:
    await conn.execute("UPDATE invitations SET used_at = $2 WHERE token_hash = $1", token_hash, now)


# identities (single sign-on)


async def link_identity(
    conn: Connection, *, issuer: str, subject: str, account_id: str, by: str, now: datetime
) -> bool:
    done = await conn.fetchval(
        "INSERT INTO identities (issuer, subject, account_id, linked_by, linked_at)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING RETURNING 1",
        issuer,
        subject,
        account_id,
        by,
        now,
    )
    return done is not None


async def identity(conn: Connection, *, issuer: str, subject: str) -> str | None:
    found = await conn.fetchval(
        "SELECT account_id FROM identities WHERE issuer = $1 AND subject = $2", issuer, subject
    )
    return str(found) if found is not None else None


async def identities_of(conn: Connection, *, account_id: str) -> list[str]:
    rows = await conn.fetch(
        "SELECT subject FROM identities WHERE account_id = $1 ORDER BY linked_at", account_id
    )
    return [r["subject"] for r in rows]


# failed sign-ins


async def attempts(conn: Connection, *, username_key: bytes) -> Attempts | None:
    row = await conn.fetchrow(
        "SELECT failures, next_allowed_at FROM sign_in_attempts WHERE username_key = $1 FOR UPDATE",
        username_key,
    )
    return Attempts(row["failures"], row["next_allowed_at"]) if row else None


async def save_attempts(
    conn: Connection, *, username_key: bytes, attempts: Attempts, now: datetime
) -> None:
    await conn.execute(
        "INSERT INTO sign_in_attempts (username_key, failures, last_failure_at, next_allowed_at)"
        " VALUES ($1, $2, $3, $4) ON CONFLICT (username_key) DO UPDATE SET"
        " failures = $2, last_failure_at = $3, next_allowed_at = $4",
        username_key,
        attempts.failures,
        now,
        attempts.next_allowed_at,
    )


async def clear_attempts(conn: Connection, *, username_key: bytes) -> None:
    await conn.execute("DELETE FROM sign_in_attempts WHERE username_key = $1", username_key)
