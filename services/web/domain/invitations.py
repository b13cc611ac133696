"""Invitations: a single-use link that expires."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Literal

State = Literal["valid", "used", "expired"]


def state(*, expires_at: datetime, used_at: datetime | None, now: datetime) -> State:
    if used_at is not None:
        return "used"
    if now >= expires_at:
        return "expired"
    return "valid"


def message_id(token_hash: bytes, domain: str) -> str:
    """The invitation e-mail's Message-ID, derived from the invitation (its token's hash, never
    the token): sent again after a crash, it is recognisably the same message."""
    digest = hashlib.sha256(b"vfund invitation\x00" + token_hash).hexdigest()[:40]
    return f"<{digest}@{domain}>"


def mail_language(account_language: str | None, inviter_language: str) -> str:
    """The invitee reads the e-mail in the account's language when one was chosen for it, else
    in the language the inviter was reading the page in."""
    return account_language or inviter_language


def link(base_url: str, token: str) -> str:
    """The invitation's page, at the service's public address."""
    return base_url.rstrip("/") + f"/invitation/{token}"
