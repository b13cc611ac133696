"""The unit of work of every change the web service makes: the only place a write transaction
opens (load, apply the domain, save, queue the events in the outbox)."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, bytes]:
    """A secret for a cookie or a link, and the hash under which it is stored."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()
