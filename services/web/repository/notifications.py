"""The SQL of notifications: cases seen, inboxes, e-mail choices and the outbox of e-mails."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.web.domain.notifications import CaseFacts, Notice, Person, Seen
from shared.db import Connection

MAIL_CHANNEL = "vfund_web_mail"

# cases


async def seen(conn: Connection, *, facts: CaseFacts, now: datetime) -> Seen:
    """The queues the case was last seen in, its row locked until the caller's commit (two
    events of one case are compared one after the other); nothing seen yet: no queue."""
    await conn.execute(
        "INSERT INTO notice_cases (case_id, reference, org_id, queues, version, updated_at)"
        " VALUES ($1, $2, $3, '{}', 0, $4) ON CONFLICT DO NOTHING",
        facts.case_id,
        facts.reference,
        facts.org_id,
        now,
    )
    row = await conn.fetchrow(
        "SELECT queues, version FROM notice_cases WHERE case_id = $1 FOR UPDATE", facts.case_id
    )
    assert row is not None
    return Seen(frozenset(row["queues"]), row["version"])


async def save_seen(conn: Connection, *, case_id: str, seen: Seen, now: datetime) -> None:
    await conn.execute(
        "UPDATE notice_cases SET queues = $2, version = $3, updated_at = $4 WHERE case_id = $1",
        case_id,
        sorted(seen.queues),
        seen.version,
        now,
    )


async def known_reference(conn: Connection, *, case_id: str) -> str | None:
    found = await conn.fetchval("SELECT reference FROM notice_cases WHERE case_id = $1", case_id)
    return str(found) if found is not None else None


# who hears


async def people(conn: Connection, *, roles: Sequence[str]) -> list[Person]:
    """Every account holding one of `roles`, with its e-mail choices (the domain decides)."""
    rows = await conn.fetch(
        "SELECT a.account_id, a.roles, a.org_id, a.status, a.email, a.language,"
        " o.status AS org_status,"
        " ARRAY(SELECT s.kind FROM notification_settings s"
        "       WHERE s.account_id = a.account_id AND NOT s.email) AS email_off"
        " FROM accounts a LEFT JOIN organisations o ON o.org_id = a.org_id"
        " WHERE a.roles && $1::text[] ORDER BY a.account_id",
        list(roles),
    )
    return [
        Person(
            account_id=r["account_id"],
            roles=frozenset(r["roles"]),
            org_id=r["org_id"],
            active=r["status"] == "active" and r["org_status"] != "suspended",
            email=r["email"],
            language=r["language"] or "en",
            email_off=frozenset(r["email_off"]),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Told:
    """A notification just made: the mailer's row is made from it."""

    notification_id: uuid.UUID
    notice: Notice
    person: Person


async def add_notifications(
    conn: Connection, *, told: Sequence[tuple[Notice, Person]], now: datetime
) -> list[Told]:
    """One inbox entry per (notice, person); one already there (a notice told before) is left
    as it is and not returned."""
    if not told:
        return []
    ids = [uuid.uuid4() for _ in told]
    rows = await conn.fetch(
        "INSERT INTO notifications (notification_id, notice_key, account_id, kind, link,"
        " case_id, reference, batch_id, queue, stage, urgency, due_at, created_at)"
        " SELECT *, $13::timestamptz FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[],"
        " $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],"
        " $12::timestamptz[])"
        " ON CONFLICT (notice_key, account_id) DO NOTHING RETURNING notification_id",
        ids,
        [n.key for n, _ in told],
        [p.account_id for _, p in told],
        [n.kind for n, _ in told],
        [n.link for n, _ in told],
        [n.case_id for n, _ in told],
        [n.reference for n, _ in told],
        [n.batch_id for n, _ in told],
        [n.queue for n, _ in told],
        [n.stage for n, _ in told],
        [n.urgency for n, _ in told],
        [n.due_at for n, _ in told],
        now,
    )
    made = {r["notification_id"] for r in rows}
    return [Told(i, n, p) for i, (n, p) in zip(ids, told, strict=True) if i in made]


@dataclass(frozen=True)
class Mail:
    notification_id: uuid.UUID
    message_id: str
    recipient: str
    language: str


async def queue_mail(conn: Connection, *, mails: Sequence[Mail], now: datetime) -> None:
    """E-mails to send, in the caller's transaction; NOTIFY wakes the mailer at commit."""
    if not mails:
        return
    await conn.execute(
        "WITH queued AS (INSERT INTO outgoing_mail (notification_id, message_id, recipient,"
        " language, created_at, next_attempt_at)"
        " SELECT m.*, $5::timestamptz, $5::timestamptz"
        " FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[])"
        " AS m (notification_id, message_id, recipient, language)"
        " ON CONFLICT DO NOTHING) SELECT pg_notify($6, '')",
        [m.notification_id for m in mails],
        [m.message_id for m in mails],
        [m.recipient for m in mails],
        [m.language for m in mails],
        now,
        MAIL_CHANNEL,
    )


# inboxes


@dataclass(frozen=True)
class Entry:
    """One inbox entry, as the page and the e-mail show it."""

    notification_id: uuid.UUID
    kind: str
    link: str
    case_id: str | None
    reference: str | None
    batch_id: str | None
    queue: str | None
    stage: str | None
    urgency: str | None
    due_at: datetime | None
    created_at: datetime
    read_at: datetime | None

    @property
    def unread(self) -> bool:
        return self.read_at is None


_ENTRY = (
    "n.notification_id, n.kind, n.link, n.case_id, n.reference, n.batch_id, n.queue, n.stage,"
    " n.urgency, n.due_at, n.created_at, n.read_at"
)


def _entry(row: asyncpg.Record) -> Entry:
    return Entry(**{k: row[k] for k in Entry.__dataclass_fields__})


async def inbox(conn: Connection, *, account_id: str, limit: int) -> list[Entry]:
    """Unread first, then the newest first."""
    rows = await conn.fetch(
        f"SELECT {_ENTRY} FROM notifications n WHERE n.account_id = $1"
        " ORDER BY (n.read_at IS NULL) DESC, n.created_at DESC, n.notification_id LIMIT $2",
        account_id,
        limit,
    )
    return [_entry(r) for r in rows]


async def counts(conn: Connection, *, account_id: str) -> tuple[int, int]:
    """(unread, all) of a person's inbox."""
    row = await conn.fetchrow(
        "SELECT count(*) FILTER (WHERE read_at IS NULL) AS unread, count(*) AS total"
        " FROM notifications WHERE account_id = $1",
        account_id,
    )
    assert row is not None
    return int(row["unread"]), int(row["total"])


async def entry(conn: Connection, *, account_id: str, notification_id: uuid.UUID) -> Entry | None:
    row = await conn.fetchrow(
        f"SELECT {_ENTRY} FROM notifications n WHERE n.account_id = $1 AND n.notification_id = $2",
        account_id,
        notification_id,
    )
    return _entry(row) if row else None


async def mark(
    conn: Connection, *, account_id: str, notification_id: uuid.UUID, read_at: datetime | None
) -> bool:
    """Read at `read_at` (kept if read before), or unread again (None). False when the person
    has no such notification (another's is not theirs to know of)."""
    done = await conn.fetchval(
        "UPDATE notifications SET read_at = CASE WHEN $3::timestamptz IS NULL THEN NULL"
        " ELSE coalesce(read_at, $3) END"
        " WHERE account_id = $1 AND notification_id = $2 RETURNING 1",
        account_id,
        notification_id,
        read_at,
    )
    return done is not None


async def mark_all_read(conn: Connection, *, account_id: str, now: datetime) -> int:
    result = await conn.execute(
        "UPDATE notifications SET read_at = $2 WHERE account_id = $1 AND read_at IS NULL",
        account_id,
        now,
    )
    return int(result.split()[-1])


# e-mail choices


async def email_off(conn: Connection, *, account_id: str) -> frozenset[str]:
    rows = await conn.fetch(
        "SELECT kind FROM notification_settings WHERE account_id = $1 AND NOT email", account_id
    )
    return frozenset(r["kind"] for r in rows)


async def set_email_choices(
    conn: Connection, *, account_id: str, kinds: Sequence[str], off: frozenset[str]
) -> None:
    await conn.executemany(
        "INSERT INTO notification_settings (account_id, kind, email) VALUES ($1, $2, $3)"
        " ON CONFLICT (account_id, kind) DO UPDATE SET email = excluded.email",
        [(account_id, kind, kind not in off) for kind in kinds],
    )


# the mailer


@dataclass(frozen=True)
class DueMail:
    entry: Entry
    account_id: str
    message_id: str
    recipient: str
    language: str
    attempts: int
    # The recipient may hear it still (not disabled since, organisation not suspended).
    active: bool


async def take_due_mail(conn: Connection, *, now: datetime) -> DueMail | None:
    """The next e-mail due, locked until the caller's transaction ends (a crash lets it go:
    sent again, with the same Message-ID); replicas skip what another is sending."""
    row = await conn.fetchrow(
        f"SELECT {_ENTRY}, m.message_id, m.recipient, m.language, m.attempts, n.account_id,"
        " (a.status = 'active' AND o.status IS DISTINCT FROM 'suspended') AS active"
        " FROM outgoing_mail m JOIN notifications n USING (notification_id)"
        " JOIN accounts a ON a.account_id = n.account_id"
        " LEFT JOIN organisations o ON o.org_id = a.org_id"
        " WHERE m.sent_at IS NULL AND m.failed_at IS NULL AND m.next_attempt_at <= $1"
        " ORDER BY m.next_attempt_at LIMIT 1 FOR UPDATE OF m SKIP LOCKED",
        now,
    )
    if row is None:
        return None
    return DueMail(
        entry=_entry(row),
        account_id=row["account_id"],
        message_id=row["message_id"],
        recipient=row["recipient"],
        language=row["language"],
        attempts=row["attempts"],
        active=bool(row["active"]),
    )


async def mail_sent(conn: Connection, *, notification_id: uuid.UUID, now: datetime) -> None:
    await conn.execute(
        "UPDATE outgoing_mail SET sent_at = $2, attempts = attempts + 1 WHERE notification_id = $1",
        notification_id,
        now,
    )


async def mail_failed(
    conn: Connection,
    *,
    notification_id: uuid.UUID,
    error: str,
    retry_at: datetime | None,
    now: datetime,
) -> None:
    """A failed try: again at `retry_at`, or never (None)."""
    await conn.execute(
        "UPDATE outgoing_mail SET attempts = attempts + 1, last_error = $2,"
        " next_attempt_at = coalesce($3::timestamptz, next_attempt_at),"
        " failed_at = CASE WHEN $3::timestamptz IS NULL THEN $4::timestamptz END"
        " WHERE notification_id = $1",
        notification_id,
        error,
        retry_at,
        now,
    )


async def next_mail_due(conn: Connection) -> datetime | None:
    """The soonest try due, of a notification's e-mail or an invitation's."""
    found = await conn.fetchval(
        "SELECT least((SELECT min(next_attempt_at) FROM outgoing_mail"
        "              WHERE sent_at IS NULL AND failed_at IS NULL),"
        "             (SELECT min(next_attempt_at) FROM invitation_mail"
        "              WHERE sent_at IS NULL AND failed_at IS NULL))"
    )
    return found if isinstance(found, datetime) else None


# invitation e-mails


async def queue_invitation_mail(
    conn: Connection,
    *,
    token_hash: bytes,
    account_id: str,
    message_id: str,
    recipient: str,
    language: str,
    link_sealed: str,
    now: datetime,
) -> None:
    """The invitation's e-mail, in the invitation's own transaction; NOTIFY wakes the mailer at
    commit. An earlier invitation's e-mail not sent yet is given up: its link no longer works."""
    await conn.execute(
        "UPDATE invitation_mail SET failed_at = $2, last_error = 'superseded', link_sealed = NULL"
        " WHERE account_id = $1 AND sent_at IS NULL AND failed_at IS NULL",
        account_id,
        now,
    )
    await conn.execute(
        "WITH queued AS (INSERT INTO invitation_mail (token_hash, account_id, message_id,"
        " recipient, language, link_sealed, created_at, next_attempt_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $7)) SELECT pg_notify($8, '')",
        token_hash,
        account_id,
        message_id,
        recipient,
        language,
        link_sealed,
        now,
        MAIL_CHANNEL,
    )


@dataclass(frozen=True)
class DueInvitation:
    token_hash: bytes
    account_id: str
    message_id: str
    recipient: str
    language: str
    link_sealed: str
    created_at: datetime
    expires_at: datetime
    attempts: int
    # The link still works (not used, not replaced, not expired) and the account is still
    # waiting for it (not disabled meanwhile).
    live: bool


async def take_due_invitation(conn: Connection, *, now: datetime) -> DueInvitation | None:
    """The next invitation e-mail due, locked until the caller's transaction ends (a crash lets
    it go: sent again, with the same Message-ID); replicas skip what another is sending."""
    row = await conn.fetchrow(
        "SELECT m.token_hash, m.account_id, m.message_id, m.recipient, m.language,"
        " m.link_sealed, m.attempts, i.created_at, i.expires_at,"
        " (i.used_at IS NULL AND i.expires_at > $1 AND a.status = 'invited') AS live"
        " FROM invitation_mail m JOIN invitations i USING (token_hash)"
        " JOIN accounts a ON a.account_id = m.account_id"
        " WHERE m.sent_at IS NULL AND m.failed_at IS NULL AND m.next_attempt_at <= $1"
        " ORDER BY m.next_attempt_at LIMIT 1 FOR UPDATE OF m SKIP LOCKED",
        now,
    )
    if row is None:
        return None
    return DueInvitation(**{k: row[k] for k in DueInvitation.__dataclass_fields__})


async def invitation_mail_sent(conn: Connection, *, token_hash: bytes, now: datetime) -> None:
    """Sent: the sealed link is wiped (the e-mail was its last use here)."""
    await conn.execute(
        "UPDATE invitation_mail SET sent_at = $2, attempts = attempts + 1, link_sealed = NULL"
        " WHERE token_hash = $1",
        token_hash,
        now,
    )


async def invitation_mail_failed(
    conn: Connection,
    *,
    token_hash: bytes,
    error: str,
    retry_at: datetime | None,
    now: datetime,
) -> None:
    """A failed try: again at `retry_at`, or never (None: the sealed link is wiped)."""
    await conn.execute(
        "UPDATE invitation_mail SET attempts = attempts + 1, last_error = $2,"
        " next_attempt_at = coalesce($3::timestamptz, next_attempt_at),"
        " failed_at = CASE WHEN $3::timestamptz IS NULL THEN $4::timestamptz END,"
        " link_sealed = CASE WHEN $3::timestamptz IS NULL THEN NULL ELSE link_sealed END"
        " WHERE token_hash = $1",
        token_hash,
        error,
        retry_at,
        now,
    )
