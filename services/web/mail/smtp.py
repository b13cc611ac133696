"""The SMTP server the web service sends through (`VFUND_SMTP_URL`), with aiosmtplib.

smtp://[user:password@]host[:port]            plain (a relay on loopback or a private link)
smtp+starttls://[user:password@]host[:port]   STARTTLS required (port 587 by default)
smtps://[user:password@]host[:port]           TLS from the first byte (port 465 by default)
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import unquote, urlsplit

import aiosmtplib

SCHEMES = {
    "smtp": (25, False, False),
    "smtp+starttls": (587, True, False),
    "smtps": (465, False, True),
}


class SendFailed(Exception):
    """A message was not accepted. `permanent`: the server refused its recipient for good (a 5xx
    to RCPT); anything else is tried again later. `connection`: the server could not be
    reached or went away, so the messages after it wait too. Only the exception's class is
    kept: a server's words may quote an address."""

    def __init__(self, error: str, *, permanent: bool = False, connection: bool = False) -> None:
        super().__init__(error)
        self.error = error
        self.permanent = permanent
        self.connection = connection


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    start_tls: bool = False
    use_tls: bool = False
    username: str | None = field(default=None, repr=False)
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0

    @classmethod
    def parse(cls, url: str, *, timeout: float = 30.0) -> SmtpTarget:
        parts = urlsplit(url.strip())
        if parts.scheme not in SCHEMES:
            raise ValueError("VFUND_SMTP_URL must start with smtp://, smtp+starttls:// or smtps://")
        if not parts.hostname:
            raise ValueError("VFUND_SMTP_URL names no host")
        port, start_tls, use_tls = SCHEMES[parts.scheme]
        return cls(
            host=parts.hostname,
            port=parts.port or port,
            start_tls=start_tls,
            use_tls=use_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=timeout,
        )

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[SmtpSession]:
        """One connection for a run of messages, opened at the first and closed at the end."""
        session = SmtpSession(self)
        try:
            yield session
        finally:
            await session.close()


class SmtpSession:
    def __init__(self, target: SmtpTarget) -> None:
        self.target = target
        self._client: aiosmtplib.SMTP | None = None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is not None and self._client.is_connected:
            return self._client
        t = self.target
        client = aiosmtplib.SMTP(
            hostname=t.host,
            port=t.port,
            username=t.username,
            password=t.password,
            use_tls=t.use_tls,
            start_tls=t.start_tls,
            timeout=t.timeout,
        )
        await client.connect()
        self._client = client
        return client

    async def send(self, message: Message) -> None:
        try:
            client = await self._connected()
            await client.send_message(message)
        except aiosmtplib.SMTPRecipientsRefused as exc:
            permanent = all(r.code >= 500 for r in exc.recipients)
            raise SendFailed(type(exc).__name__, permanent=permanent) from None
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPConnectError, OSError) as exc:
            await self.close()
            raise SendFailed(type(exc).__name__, connection=True) from None
        except aiosmtplib.SMTPException as exc:
            # A refusal of the sender or the data, a login that failed: the server's setup,
            # not the message; tried again once it is set right.
            await self.close()
            raise SendFailed(type(exc).__name__, connection=True) from None

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        with contextlib.suppress(Exception):
            if client.is_connected:
                await client.quit()
        with contextlib.suppress(Exception):
            client.close()
