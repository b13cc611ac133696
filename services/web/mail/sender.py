"""The mailer: sends the outbox of e-mails, each once per (event, recipient), retried with
back-off while the SMTP server is away.

Each message is sent inside the transaction that holds its row locked and marks it sent: a
crash before the commit lets the row go, and it is sent again with the same Message-ID (the
one window where a message can arrive twice, recognisably). Replicas skip the rows another is
sending (`FOR UPDATE SKIP LOCKED`)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from prometheus_client import Counter

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
        delays: Sequence[float],
        poll_seconds: float = 5.0,
        clock: Callable[[], datetime] = wall_clock,
    ) -> None:
        self.db = db
        self.target = target
        self.composer = composer
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
        """Send every message due now, one transaction each; stops at the first the server
        could not take (the rest wait for their own next attempt). Returns how many went."""
        sent = 0
        async with self.target.session() as smtp:
            while True:
                outcome = await self._send_one(smtp)
                if outcome is None:
                    return sent
                if outcome:
                    sent += 1

    async def _send_one(self, smtp: SmtpSession) -> bool | None:
        """True: sent; False: not sent (to be tried again, or never); None: stop this round."""
        async with self.db.transaction() as tx:
            now = self.clock()
            due = await repository.take_due_mail(tx, now=now)
            if due is None:
                return None
            nid = due.entry.notification_id
            if not due.active:
                await repository.mail_failed(
                    tx, notification_id=nid, error="recipient-inactive", retry_at=None, now=now
                )
                return False
            try:
                await smtp.send(self.composer.compose(due))
            except SendFailed as exc:
                attempts = due.attempts + 1
                retry_at = None if exc.permanent else now + retry_delay(attempts, self.delays)
                await repository.mail_failed(
                    tx, notification_id=nid, error=exc.error, retry_at=retry_at, now=now
                )
                MAIL_FAILURES.labels(exc.error, str(exc.permanent).lower()).inc()
                log.warning(
                    "e-mail not sent", error=exc.error, attempts=attempts, final=exc.permanent
                )
                return None if exc.connection else False
            crash_point("mail.after_send")
            await repository.mail_sent(tx, notification_id=nid, now=self.clock())
        MAILS_SENT.inc()
        return True

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
