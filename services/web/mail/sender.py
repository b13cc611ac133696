"""The mailer: sends the outbox of e-mails (the notifications', each once per (event,
recipient), and the invitations', each once per invitation), retried with back-off while the
SMTP server is away.

Each message is sent inside the transaction that holds its row locked and marks it sent: a
crash before the commit lets the row go, and it is sent again with the same Message-ID (the
one window where a message can arrive twice, recognisably). Replicas skip the rows another is
sending (`FOR UPDATE SKIP LOCKED`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Literal

from prometheus_client import Counter

from services.web.credentials import Sealer
from services.web.domain.notifications import retry_delay
from services.web.mail.compose import Composer
from services.web.mail.smtp import SendFailed, SmtpSession, SmtpTarget
from services.web.repository import notifications as repository
from shared.db import Connection, Db
from shared.faults import crash_point
from shared.logging import get_logger

log = get_logger(__name__)
MAILS_SENT = Counter("vfund_web_mails_sent_total", "E-mails the SMTP server accepted")
MAIL_FAILURES = Counter(
    "vfund_web_mail_failures_total",
    "E-mails the SMTP server did not take (final: never tried again)",
    ["error", "final"],
)
# sent; not sent (tried again later, or never); nothing due; stop this round (server away).
Outcome = Literal["sent", "not-sent", "none", "stop"]


def wall_clock() -> datetime:
    # Never the pages' clock, which tests move: a retry set hours ahead would then wait hours.
    return datetime.now(UTC)


class Mailer:
    def __init__(
        self,
        db: Db,
        target: SmtpTarget,
        composer: Composer,
        *,
        links: Sealer,
        delays: Sequence[float],
        poll_seconds: float = 5.0,
        clock: Callable[[], datetime] = wall_clock,
    ) -> None:
        self.db = db
        self.target = target
        self.composer = composer
        self.links = links
        self.delays = tuple(delays) or (60.0,)
        self.poll = poll_seconds
        self.clock = clock
        self._wake = asyncio.Event()
        self._listener: Connection | None = None

    async def run(self) -> None:
        """Forever: send what is due, then sleep until the next is due or a commit wakes it."""
        try:
            await self._listen()
            while True:
                await self.send_due()
                await self._sleep()
        finally:
            await self._close_listener()

    async def send_due(self) -> int:
        """Send every message due now, one transaction each, the invitations first (someone is
        waiting for those); stops at the first the server could not take (the rest wait for
        their own next attempt). Returns how many went."""
        sent = 0
        senders: tuple[Callable[[SmtpSession], Awaitable[Outcome]], ...] = (
            self._send_invitation,
            self._send_one,
        )
        async with self.target.session() as smtp:
            for send in senders:
                while (outcome := await send(smtp)) not in ("none", "stop"):
                    sent += outcome == "sent"
                if outcome == "stop":
                    return sent
        return sent

    async def _send_one(self, smtp: SmtpSession) -> Outcome:
        """A notification's e-mail."""
        async with self.db.transaction() as tx:
            now = self.clock()
            due = await repository.take_due_mail(tx, now=now)
            if due is None:
                return "none"
            nid = due.entry.notification_id
            if not due.active:
                await repository.mail_failed(
                    tx, notification_id=nid, error="recipient-inactive", retry_at=None, now=now
                )
                return "not-sent"
            try:
                await smtp.send(self.composer.compose(due))
            except SendFailed as exc:
                retry_at = self._retry_at(exc, due.attempts, now)
                await repository.mail_failed(
                    tx, notification_id=nid, error=exc.error, retry_at=retry_at, now=now
                )
                return "stop" if exc.connection else "not-sent"
            crash_point("mail.after_send")
            await repository.mail_sent(tx, notification_id=nid, now=self.clock())
        MAILS_SENT.inc()
        return "sent"

    async def _send_invitation(self, smtp: SmtpSession) -> Outcome:
        """An invitation's e-mail; never once its link no longer works (a newer one, used,
        expired, the account disabled): that one is given up, its sealed link wiped."""
        async with self.db.transaction() as tx:
            now = self.clock()
            due = await repository.take_due_invitation(tx, now=now)
            if due is None:
                return "none"
            key = due.token_hash
            if not due.live:
                await repository.invitation_mail_failed(
                    tx, token_hash=key, error="link-dead", retry_at=None, now=now
                )
                return "not-sent"
            link = self.links.open(due.link_sealed, account_id=due.account_id)
            try:
                await smtp.send(self.composer.compose_invitation(due, link))
            except SendFailed as exc:
                retry_at = self._retry_at(exc, due.attempts, now)
                await repository.invitation_mail_failed(
                    tx, token_hash=key, error=exc.error, retry_at=retry_at, now=now
                )
                return "stop" if exc.connection else "not-sent"
            crash_point("mail.after_send")
            await repository.invitation_mail_sent(tx, token_hash=key, now=self.clock())
        MAILS_SENT.inc()
        return "sent"

    def _retry_at(self, exc: SendFailed, attempts_before: int, now: datetime) -> datetime | None:
        attempts = attempts_before + 1
        MAIL_FAILURES.labels(exc.error, str(exc.permanent).lower()).inc()
        log.warning("e-mail not sent", error=exc.error, attempts=attempts, final=exc.permanent)
        return None if exc.permanent else now + retry_delay(attempts, self.delays)

    async def _sleep(self) -> None:
        async with self.db.connection() as conn:
            due = await repository.next_mail_due(conn)
        wait = self.poll
        if due is not None:
            wait = min(wait, max((due - self.clock()).total_seconds(), 0.0) + 0.01)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), wait)
        self._wake.clear()

    async def _listen(self) -> None:
        listener = await self.db.pool.acquire()
        self._listener = listener
        await listener.add_listener(repository.MAIL_CHANNEL, self._on_notify)

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _close_listener(self) -> None:
        listener, self._listener = self._listener, None
        if listener is None:
            return
        with contextlib.suppress(Exception):
            await listener.remove_listener(repository.MAIL_CHANNEL, self._on_notify)
        with contextlib.suppress(Exception):
            await self.db.pool.release(listener)  # type: ignore[arg-type]
