"""Browser security: the headers of section 7 on every answer, and CSRF tokens."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), "
    "publickey-credentials-get=(), screen-wake-lock=(), serial=(), usb=(), "
    "xr-spatial-tracking=(), interest-cohort=()"
)
HEADERS: list[tuple[bytes, bytes]] = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"permissions-policy", PERMISSIONS_POLICY.encode()),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]
_REPLACED = {name for name, _ in HEADERS} | {b"server"}


class SecurityHeaders:
    """Every answer carries the headers; none names the server software."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _REPLACED]
                message["headers"] = kept + HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


# CSRF: a token bound to the visitor's session (or, before sign-in, to a cookie of its own),
# keyed with a secret of the service; masked afresh in every page so that compressed pages do
# not leak it (BREACH).
_SIZE = 32


def csrf_secret(key: bytes, seed: str) -> bytes:
    return hmac.new(key, seed.encode(), hashlib.sha256).digest()


def mask(secret: bytes) -> str:
    pad = secrets.token_bytes(_SIZE)
    return base64.urlsafe_b64encode(
        pad + bytes(a ^ b for a, b in zip(pad, secret, strict=True))
    ).decode()


def unmask(token: str) -> bytes | None:
    try:
        raw = base64.urlsafe_b64decode(token.encode())
    except (binascii.Error, ValueError):
        return None
    if len(raw) != 2 * _SIZE:
        return None
    pad, masked = raw[:_SIZE], raw[_SIZE:]
    return bytes(a ^ b for a, b in zip(pad, masked, strict=True))


def csrf_valid(key: bytes, seed: str | None, token: str | None) -> bool:
    if not seed or not token or len(token) > 200:
        return False
    given = unmask(token)
    return given is not None and hmac.compare_digest(given, csrf_secret(key, seed))
