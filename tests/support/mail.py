"""What the notification tests need: the e-mails the SMTP sink kept, the inbox rows of the web's
database, and people of their own (accounts with a language, in an organisation of their own)
made through the web's provisioning path."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from dev.stack import Stack
from services.web.domain.notifications import message_id
from shared.auth import load_private_key, mint
from support import query, run, wait_for


@dataclass(frozen=True)
class Mail:
    """One message as the sink received it (a file), parsed."""

    path: Path
    raw: bytes
    message_id: str
    to: str
    subject: str
    language: str
    text: str
    html: str

    @classmethod
    def read(cls, path: Path) -> Mail:
        raw = path.read_bytes()
        message = message_from_bytes(raw, policy=policy.default)
        assert isinstance(message, EmailMessage)
        text, html = message.get_body(("plain",)), message.get_body(("html",))
        assert text is not None and html is not None, path
        return cls(
            path=path,
            raw=raw,
            message_id=str(message["Message-ID"]),
            to=str(message["To"]),
            subject=str(message["Subject"]),
            language=str(message["Content-Language"]),
            text=text.get_content(),
            html=html.get_content(),
        )

    @property
    def everything(self) -> str:
        """Every form a reader could see: raw bytes (as text), subject, both bodies."""
        return "\n".join([self.raw.decode("utf-8", "replace"), self.subject, self.text, self.html])


def mails(folder: Path) -> list[Mail]:
    return [Mail.read(p) for p in sorted(folder.glob("*.eml"))]


def mails_to(stack: Stack, address: str, *containing: str) -> list[Mail]:
    """The e-mails to `address` that hold every one of `containing`."""
    assert stack.mail is not None
    return [
        m
        for m in mails(stack.mail.folder)
        if m.to == address and all(c in m.everything for c in containing)
    ]


def wait_mail(stack: Stack, address: str, *containing: str, timeout: float = 30.0) -> Mail:
    found = wait_for(
        lambda: mails_to(stack, address, *containing),
        timeout=timeout,
        interval=0.2,
        what=f"an e-mail to {address} holding {containing}",
    )
    assert len(found) == 1, f"{len(found)} e-mails to {address} holding {containing}"
    return found[0]


def duplicates(found: list[Mail]) -> Counter[str]:
    return Counter(m.message_id for m in found)


def expected_id(notice_key: str, account_id: str) -> str:
    """The Message-ID the web derives (its default sender's domain)."""
    return message_id(notice_key, account_id, "vfund.invalid")


def notifications(stack: Stack, account_id: str, **where: Any) -> list[dict[str, Any]]:
    clauses = ["account_id = $1"] + [f"{k} = ${n}" for n, k in enumerate(where, start=2)]
    rows = query(
        stack.service_dsns["web"],
        "SELECT * FROM notifications WHERE " + " AND ".join(clauses) + " ORDER BY created_at",
        account_id,
        *where.values(),
    )
    return [dict(r) for r in rows]


def wait_notification(
    stack: Stack, account_id: str, *, timeout: float = 30.0, **where: Any
) -> dict[str, Any]:
    found = wait_for(
        lambda: notifications(stack, account_id, **where),
        timeout=timeout,
        interval=0.2,
        what=f"a notification for {account_id} with {where}",
    )
    return found[0]


@dataclass(frozen=True)
class People:
    """Accounts of one test module: an organisation of their own and a person per role, each
    with a language; `off` is a caseworker of the organisation whose account is disabled."""

    org: str
    caseworker: str
    off: str
    medical: str
    legal: str
    manager: str
    finance: str

    def email(self, account_id: str) -> str:
        return f"{account_id}@demo.vfund.invalid"


def make_people(stack: Stack) -> People:
    from services.web.seed import SeedAccount, SeedOrganisation, seed

    tag = uuid.uuid4().hex[:6]
    org = f"org-n{tag}"
    people = People(
        org=org,
        caseworker=f"cw-fr-{tag}",
        off=f"cw-off-{tag}",
        medical=f"med-ar-{tag}",
        legal=f"legal-es-{tag}",
        manager=f"fm-fr-{tag}",
        finance=f"fin-ar-{tag}",
    )
    accounts = [
        (people.caseworker, ("caseworker",), org, "fr"),
        (people.off, ("caseworker",), org, "fr"),
        (people.medical, ("medical_assessor",), None, "ar"),
        (people.legal, ("legal_assessor",), None, "es"),
        (people.manager, ("fund_manager",), None, "fr"),
        (people.finance, ("finance",), None, "ar"),
    ]
    assert stack.keys is not None
    run(
        seed(
            stack.service_dsns["web"],
            stack.keys.web_private,
            organisations=[SeedOrganisation(org, f"Notified NGO {tag}", "LB")],
            accounts=[SeedAccount(a, f"Person {a}", roles, o) for a, roles, o, _ in accounts],
            passwords={a: uuid.uuid4().hex for a, *_ in accounts},
            with_totp=False,
        )
    )
    dsn = stack.service_dsns["web"]
    for account_id, _, _, language in accounts:
        query(dsn, "UPDATE accounts SET language = $2 WHERE account_id = $1", account_id, language)
    query(dsn, "UPDATE accounts SET status = 'disabled' WHERE account_id = $1", people.off)
    return people


def token(stack: Stack, sub: str, roles: list[str], org: str | None = None) -> dict[str, str]:
    """An Authorization header for someone who is not a demo user."""
    assert stack.keys is not None
    key = load_private_key(stack.keys.token_private)
    minted = mint(key, sub=sub, name=f"Person {sub}", roles=roles, org=org, ttl_seconds=3600)
    return {"Authorization": f"Bearer {minted}"}
