"""The invitation e-mail as the mailer composes it (real template and catalogues): every
language, plain text and HTML, the link's secret nowhere but in the link, no name; its
Message-ID derived from the token's hash, never the token; the link sealed while it waits."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from babel.dates import format_datetime
from cryptography.exceptions import InvalidTag

from services.web.commands import new_token
from services.web.credentials import Sealer
from services.web.domain import invitations
from services.web.i18n import I18n
from services.web.mail.compose import Composer
from services.web.repository.notifications import DueInvitation
from services.web.templating import environment

CREATED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
EXPIRES = CREATED + timedelta(hours=48)
COMPOSER = Composer(
    environment(), I18n(), sender="vfund <notify@fund.example>", base_url="https://vfund.example/"
)
# Words of each language's e-mail (its subject and its first line), so a missing translation
# shows as English in a French, Spanish or Arabic message.
WORDS = {
    "en": ("your invitation", "You are invited to vfund"),
    "fr": ("votre invitation", "Vous êtes invité à rejoindre vfund"),
    "es": ("su invitación", "Le invitamos a vfund"),
    "ar": ("دعوتك", "أنت مدعو إلى vfund"),
}


def due(language: str, token_hash: bytes) -> DueInvitation:
    return DueInvitation(
        token_hash=token_hash,
        account_id="acc-1",
        message_id=invitations.message_id(token_hash, "fund.example"),
        recipient="invitee@partner.example",
        language=language,
        link_sealed="unused here",
        created_at=CREATED,
        expires_at=EXPIRES,
        attempts=0,
        live=True,
    )


@pytest.mark.parametrize("language", sorted(WORDS))
def test_each_language_reads_its_own_words_with_the_link_and_the_expiry(language: str) -> None:
    token, hashed = new_token()
    link = invitations.link("https://vfund.example/", token)
    assert link == f"https://vfund.example/invitation/{token}"
    message = COMPOSER.compose_invitation(due(language, hashed), link)
    parsed = message_from_bytes(message.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    text_part, html_part = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert text_part is not None and html_part is not None
    text, html = text_part.get_content(), html_part.get_content()
    subject, first = WORDS[language]
    assert str(parsed["Subject"]) == f"vfund: {subject}"
    assert first in text and first.replace("'", "&#39;") in html
    assert parsed["Content-Language"] == language
    assert parsed["To"] == "invitee@partner.example"
    assert parsed["Message-ID"] == invitations.message_id(hashed, "fund.example")
    # The link, whole, in both bodies (and the HTML's one anchor points at it).
    assert link in text.split()
    assert re.findall(r'href="([^"]+)"', html) == [link]
    # The expiry, as Babel writes it in that language.
    when = format_datetime(EXPIRES, format="medium", locale=language)
    assert when in text and when in html
    if language != "en":
        assert "You are invited" not in text and "The link works once" not in text
    rtl = 'dir="rtl"' in html
    assert rtl == (language == "ar")


@pytest.mark.parametrize("language", sorted(WORDS))
def test_the_secret_is_nowhere_but_in_the_link_and_nothing_names_a_person(language: str) -> None:
    token, hashed = new_token()
    link = invitations.link("https://vfund.example", token)
    message = COMPOSER.compose_invitation(due(language, hashed), link)
    raw = message.as_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    bodies = [p.get_content() for p in parsed.walk() if p.get_content_maintype() == "text"]
    headers = "\n".join(f"{k}: {v}" for k, v in parsed.items())
    assert token not in headers and hashed.hex() not in headers
    for body in bodies:
        assert body.replace(link, "").count(token) == 0
        assert hashed.hex() not in body
    # The raw bytes (quoted-printable may fold a line inside the link) hold no whole token
    # outside what the decoded bodies show.
    assert raw.decode("ascii").count(token) <= sum(b.count(token) for b in bodies)
    # No name: only the recipient's own address, in To.
    everything = headers + "\n".join(bodies)
    assert everything.count("invitee@partner.example") == 1
    assert "acc-1" not in everything


def test_the_message_id_comes_from_the_token_hash_and_differs_per_invitation() -> None:
    _, first = new_token()
    _, second = new_token()
    a = invitations.message_id(first, "fund.example")
    assert a == invitations.message_id(first, "fund.example")
    assert a != invitations.message_id(second, "fund.example")
    assert re.fullmatch(r"<[0-9a-f]{40}@fund\.example>", a)


def test_the_language_is_the_accounts_when_chosen_else_the_inviters() -> None:
    assert invitations.mail_language("ar", "fr") == "ar"
    assert invitations.mail_language(None, "es") == "es"


def test_a_waiting_link_is_sealed_to_its_account() -> None:
    sealer = Sealer(b"k" * 32)
    sealed = sealer.seal("https://vfund.example/invitation/secret", account_id="acc-1")
    assert "secret" not in sealed
    assert sealer.open(sealed, account_id="acc-1") == "https://vfund.example/invitation/secret"
    with pytest.raises(InvalidTag):  # another account's row cannot carry it
        sealer.open(sealed, account_id="acc-2")
