"""The web service's secrets: the key it signs users' tokens with, and keys derived from it."""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from services.web.settings import WebSettings
from shared.auth import load_private_key


def _derive(key: Ed25519PrivateKey, purpose: bytes) -> bytes:
    raw = key.private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(raw)


@dataclass(frozen=True)
class Keys:
    signing: Ed25519PrivateKey
    # CSRF tokens, the single sign-on state cookie, hashes of typed usernames: one key each.
    csrf: bytes
    state: bytes
    attempts: bytes
    totp: bytes
    # Invitation links waiting in the e-mail outbox are kept sealed with this one.
    links: bytes

    @classmethod
    def from_settings(cls, settings: WebSettings) -> Keys:
        if settings.web_token_key is None:
            raise RuntimeError("VFUND_WEB_TOKEN_KEY must name the web's Ed25519 private key")
        key = load_private_key(settings.web_token_key)
        return cls(
            signing=key,
            csrf=_derive(key, b"vfund-web csrf"),
            state=_derive(key, b"vfund-web oidc-state"),
            attempts=_derive(key, b"vfund-web sign-in attempts"),
            totp=_derive(key, b"vfund-web totp secrets"),
            links=_derive(key, b"vfund-web invitation links"),
        )

    def username_key(self, username: str) -> bytes:
        return hmac.new(self.attempts, username.strip().lower().encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class Claims:
    """Who the services see: section 4's claims, `sub` the account id."""

    sub: str
    name: str
    roles: tuple[str, ...]
    org: str | None
    donor: str | None


@dataclass
class TokenMinter:
    """Short-lived EdDSA tokens for the signed-in user; they never leave the server."""

    key: Ed25519PrivateKey
    audience: str
    issuer: str
    lifetime: float
    _cache: dict[Claims, tuple[float, str]] = field(default_factory=dict)

    def token(self, claims: Claims) -> str:
        now = time.time()
        cached = self._cache.get(claims)
        # Reused while more than half of its life is left; minting costs a signature.
        if cached is not None and cached[0] - now > self.lifetime / 2:
            return cached[1]
        body: dict[str, object] = {
            "sub": claims.sub,
            "name": claims.name,
            "roles": list(claims.roles),
            "iat": int(now),
            "exp": int(now + self.lifetime),
            "aud": self.audience,
            "iss": self.issuer,
        }
        if claims.org:
            body["org"] = claims.org
        if claims.donor:
            body["donor"] = claims.donor
        token = jwt.encode(body, self.key, algorithm="EdDSA")
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[claims] = (now + self.lifetime, token)
        return token
