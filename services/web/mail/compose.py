"""An e-mail from an inbox entry: plain text and HTML, in the recipient's language, naming the
case only by its reference with a link to its page (templates/inbox/mail.html)."""

from __future__ import annotations

import hashlib
import re
from email.charset import QP, Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, formataddr, parseaddr

import jinja2
from jinja2_fragments import render_block

from services.web.i18n import CURRENT, I18n
from services.web.repository.notifications import DueMail

TEMPLATE = "inbox/mail.html"
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

    def parts(self, due: DueMail) -> tuple[str, str, str]:
        """(subject, text, html) in the recipient's language."""
        t = self.i18n.choose(due.language)
        values = {"n": due.entry, "base": self.base_url, "t": t}
        token = CURRENT.set(t)
        try:
            subject, text, html = (
                render_block(self.env, TEMPLATE, block, **values)
                for block in ("subject", "text", "html")
            )
        finally:
            CURRENT.reset(token)
        return one_line(subject), text.strip() + "\n", html

    def compose(self, due: DueMail) -> MIMEMultipart:
        """The message, the same whenever it is composed again (a resend after a crash).

        Built with the `compat32` classes: the newer policy's folding drops a space between
        two encoded words of a long non-ASCII subject (an Arabic one, say), while `Header`
        folds within the words' bytes."""
        subject, text, html = self.parts(due)
        message = MIMEMultipart("alternative")
        message.set_boundary("vfund-" + hashlib.sha256(due.message_id.encode()).hexdigest()[:32])
        message.attach(_text(text, "plain"))
        message.attach(_text(html, "html"))
        message["From"] = self.sender
        message["To"] = due.recipient
        # compat32 takes a Header (typeshed says str only).
        message["Subject"] = Header(subject, "utf-8")  # type: ignore[assignment]
        message["Message-ID"] = due.message_id
        message["Date"] = format_datetime(due.entry.created_at)
        message["Auto-Submitted"] = "auto-generated"
        message["Content-Language"] = due.language
        return message


# Bodies in quoted-printable: readable in the raw, and 7-bit safe for any server.
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP


def _text(body: str, subtype: str) -> MIMENonMultipart:
    part = MIMENonMultipart("text", subtype, charset="utf-8")
    part.set_payload(body, _UTF8)
    return part
