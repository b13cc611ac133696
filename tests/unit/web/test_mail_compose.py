"""E-mails as the mailer composes them (real templates and catalogues): every kind in every
language, plain text and HTML, the case named only by its reference; hostile text inert; the
SMTP URL's forms."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage, Message

import pytest

from services.web.domain.notifications import KINDS
from services.web.i18n import I18n
from services.web.mail.compose import Composer, one_line, sender_domain
from services.web.mail.smtp import SmtpTarget
from services.web.repository.notifications import DueMail, Entry
from services.web.templating import environment

CREATED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
COMPOSER = Composer(
    environment(), I18n(), sender="vfund <notify@fund.example>", base_url="https://vfund.example/"
)
VARIANTS = [
    ("information_requested", {}),
    ("case_queued", {"queue": "medical"}),
    ("case_queued", {"queue": "legal"}),
    ("case_queued", {"queue": "decision"}),
    ("deadline_approaching", {"stage": "assessment"}),
    ("deadline_approaching", {"stage": "decision"}),
    ("deadline_missed", {"stage": "assessment"}),
    ("deadline_missed", {"stage": "decision"}),
    ("approval_pending", {}),
    (
        "batch_waiting",
        {
            "batch_id": "b7c1d2e3-0000-4000-8000-000000000000",
            "reference": None,
            "urgency": None,
            "case_id": None,
        },
    ),
    ("payment_failed", {}),
    ("payment_failed", {"reference": None}),
]
ENGLISH = {
    "information_requested": "asks for more information",
    "case_queued": "waits for",
    "deadline_approaching": "deadline of case",
    "deadline_missed": "deadline of case",
    "approval_pending": "first approval",
    "batch_waiting": "waits for the approval",
    "payment_failed": "payment",
}


def due(kind: str, language: str = "en", **fields: object) -> DueMail:
    values: dict[str, object] = {
        "notification_id": uuid.uuid4(),
        "kind": kind,
        "link": "/assessment/cases/c-1",
        "case_id": "c-1",
        "reference": "VF-2026-000042",
        "batch_id": None,
        "queue": None,
        "stage": None,
        "urgency": "emergency",
        "due_at": datetime(2026, 3, 2, 12, tzinfo=UTC),
        "created_at": CREATED,
        "read_at": None,
    } | fields
    return DueMail(
        entry=Entry(**values),  # type: ignore[arg-type]
        account_id="fm-1",
        message_id="<abc@fund.example>",
        recipient="fm-1@fund.example",
        language=language,
        attempts=0,
        active=True,
    )


def sent(message: Message) -> EmailMessage:
    """The message as a server receives it: its bytes, parsed again."""
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def bodies(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_every_kind_has_a_message() -> None:
    assert {kind for kind, _ in VARIANTS} == set(KINDS)


@pytest.mark.parametrize("language", ["en", "fr", "es", "ar"])
@pytest.mark.parametrize(("kind", "fields"), VARIANTS, ids=lambda v: str(v))
def test_each_kind_in_each_language(kind: str, fields: dict[str, object], language: str) -> None:
    mail = due(kind, language, **fields)
    message = sent(COMPOSER.compose(mail))
    text, html = bodies(message)
    subject = str(message["Subject"])
    assert subject.startswith("vfund: ") and "\n" not in subject
    assert message["Message-ID"] == "<abc@fund.example>"
    assert message["To"] == "fm-1@fund.example"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Content-Language"] == language
    assert message["Date"].datetime == CREATED, "a resend is the same message"
    link = f"https://vfund.example{mail.entry.link}"
    assert link in text and f'href="{link}"' in html
    assert "https://vfund.example/account#notifications" in text
    assert f'lang="{language}"' in html
    assert ('dir="rtl"' in html) == (language == "ar")
    reference = mail.entry.reference
    if reference:
        assert reference in subject and reference in text and reference in html
    if kind == "batch_waiting":
        assert "b7c1d2e3" in subject and "b7c1d2e3" in text
    english = ENGLISH[kind]
    assert (english in text) == (language == "en"), (language, text)
    assert ("emergency case" in text) == (language == "en" and kind != "batch_waiting")


def test_hostile_text_stays_text() -> None:
    hostile = '<script>alert(1)</script>\r\nBcc: x@evil.example & "quoted"'
    message = sent(COMPOSER.compose(due("approval_pending", reference=hostile)))
    text, html = bodies(message)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<script>alert(1)</script>" in text, "plain text shows what it is, unescaped"
    assert message["Bcc"] is None and "\n" not in str(message["Subject"])
    assert message.get_all("To") == ["fm-1@fund.example"]


def test_the_same_notification_composes_the_same_content() -> None:
    mail = due("case_queued", "fr", queue="legal")
    first, second = sent(COMPOSER.compose(mail)), sent(COMPOSER.compose(mail))
    assert bodies(first) == bodies(second)
    assert [(k, str(v)) for k, v in first.items()] == [(k, str(v)) for k, v in second.items()]


def test_headers_and_domains() -> None:
    assert one_line("a\r\nb\tc\x00d") == "a b c d"
    assert sender_domain("vfund <notify@fund.example>") == "fund.example"
    assert sender_domain("nobody") == "vfund.invalid"
    with pytest.raises(ValueError, match="VFUND_MAIL_FROM"):
        Composer(environment(), I18n(), sender="no address", base_url="https://x")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://127.0.0.1:1025", ("127.0.0.1", 1025, False, False, None, None)),
        ("smtp://relay.example", ("relay.example", 25, False, False, None, None)),
        (
            "smtp+starttls://user%40fund:p%3Ass@mail.example",
            ("mail.example", 587, True, False, "user@fund", "p:ss"),
        ),
        ("smtps://u:s3cr3t@mail.example:2465", ("mail.example", 2465, False, True, "u", "s3cr3t")),
    ],
)
def test_the_smtp_url(url: str, expected: tuple[object, ...]) -> None:
    t = SmtpTarget.parse(url)
    assert (t.host, t.port, t.start_tls, t.use_tls, t.username, t.password) == expected
    if t.password:
        assert t.password not in repr(t)


@pytest.mark.parametrize("url", ["http://mail.example", "smtp://", "mail.example:25"])
def test_a_smtp_url_it_cannot_use_is_refused(url: str) -> None:
    with pytest.raises(ValueError, match="VFUND_SMTP_URL"):
        SmtpTarget.parse(url)
