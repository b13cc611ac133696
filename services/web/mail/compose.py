"""E-mails: from an inbox entry, naming the case only by its reference with a link to its page
(templates/inbox/mail.html); and an invitation, carrying its single-use link
(templates/admin/invitation_mail.html). Plain text and HTML, in the recipient's language."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, formataddr, parseaddr

import jinja2
from jinja2_fragments import render_block

from services.web.i18n import CURRENT, I18n
from services.web.repository.notifications import DueInvitation, DueMail

TEMPLATE = "inbox/mail.html"
INVITATION_TEMPLATE = "admin/invitation_mail.html"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def one_line(text: str) -> str:
    """A header's value: one line, whatever a reference held."""
    return " ".join(_CONTROL.sub(" ", text).split())


def sender_domain(sender: str) -> str:
    """The domain Message-IDs are made in: the sender address's."""
    user, at, domain = parseaddr(sender)[1].rpartition("@")
    return domain if at and user and domain else "vfund.invalid"


class Composer:
    def __init__(self, env: jinja2.Environment, i18n: I18n, *, sender: str, base_url: str) -> None:
        self.env = env
        self.i18n = i18n
        name, address = parseaddr(sender)
        if "@" not in address:
            raise ValueError("VFUND_MAIL_FROM must hold an e-mail address")
        self.sender = formataddr((name, address), charset="utf-8")
        self.base_url = base_url.rstrip("/")

    def _render(self, template: str, language: str, **values: object) -> tuple[str, str, str]:
        """(subject, text, html) of `template`'s blocks in `language`."""
        t = self.i18n.choose(language)
        token = CURRENT.set(t)
        try:
            subject, text, html = (
                render_block(self.env, template, block, base=self.base_url, t=t, **values)
                for block in ("subject", "text", "html")
            )
        finally:
            CURRENT.reset(token)
        return one_line(subject), text.strip() + "\n", html

    def parts(self, due: DueMail) -> tuple[str, str, str]:
        """(subject, text, html) in the recipient's language."""
        return self._render(TEMPLATE, due.language, n=due.entry)

    def compose(self, due: DueMail) -> MIMEMultipart:
        """The message, the same whenever it is composed again (a resend after a crash)."""
        return self._message(
            self.parts(due),
            message_id=due.message_id,
            recipient=due.recipient,
            language=due.language,
            date=due.entry.created_at,
        )

    def invitation_parts(self, due: DueInvitation, link: str) -> tuple[str, str, str]:
        """(subject, text, html) of an invitation in the invitee's language: the link (the one
        place its secret appears) and when it stops working; no name, no case."""
        return self._render(INVITATION_TEMPLATE, due.language, link=link, expires=due.expires_at)

    def compose_invitation(self, due: DueInvitation, link: str) -> MIMEMultipart:
        return self._message(
            self.invitation_parts(due, link),
            message_id=due.message_id,
            recipient=due.recipient,
            language=due.language,
            date=due.created_at,
        )

    def _message(
        self,
        parts: tuple[str, str, str],
        *,
        message_id: str,
        recipient: str,
        language: str,
        date: datetime,
    ) -> MIMEMultipart:
        """Built with the `compat32` classes: the newer policy's folding drops a space between
        two encoded words of a long non-ASCII subject (an Arabic one, say), while `Header`
        folds within the words' bytes."""
        subject, text, html = parts
        message = MIMEMultipart("alternative")
        message.set_boundary("vfund-" + hashlib.sha256(message_id.encode()).hexdigest()[:32])
        message.attach(_text(text, "plain"))
        message.attach(_text(html, "html"))
        message["From"] = self.sender
        message["To"] = recipient
        # compat32 takes a Header (typeshed says str only).
        message["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]
        message["Message-ID"] = message_id
        message["Date"] = format_datetime(date)
        message["Auto-Submitted"] = "auto-generated"
        message["Content-Language"] = language
        return message


# Bodies in quoted-printable: readable in the raw, and 7-bit safe for any server.
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP


def _text(body: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype, charset="utf-8")
    part.set_payload(body, _UTF8)
    return part
