"""Passwords (argon2id), TOTP second factors and recovery codes."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

RECOVERY_CODES = 10
TOTP_STEP = 30


@dataclass
class Passwords:
    """argon2id (RFC 9106's low-memory profile, argon2-cffi's default)."""

    hasher: PasswordHasher

    @classmethod
    def create(cls) -> Passwords:
        return cls(PasswordHasher())

    def __post_init__(self) -> None:
        # Unknown usernames are checked against this, so that they take as long as known ones.
        self._dummy = self.hasher.hash(secrets.token_urlsafe(16))
        # Hashing takes ~64 MiB for a moment: a handful at once, the rest wait their turn.
        self._slots = asyncio.Semaphore(4)

    async def hash(self, password: str) -> str:
        async with self._slots:
            return await asyncio.to_thread(self.hasher.hash, password)

    async def verify(self, stored: str | None, password: str) -> bool:
        async with self._slots:
            return await asyncio.to_thread(self._verify, stored or self._dummy, password, stored)

    def _verify(self, stored: str, password: str, real: str | None) -> bool:
        try:
            ok = self.hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False
        return ok and real is not None


class Sealer:
    """TOTP secrets are kept encrypted (AES-GCM, a key derived from the service's key)."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, secret: str, *, account_id: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = self._aead.encrypt(nonce, secret.encode(), account_id.encode())
        return base64.b64encode(nonce + sealed).decode()

    def open(self, sealed: str, *, account_id: str) -> str:
        raw = base64.b64decode(sealed)
        return self._aead.decrypt(raw[:12], raw[12:], account_id.encode()).decode()


def new_totp_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, *, username: str, issuer: str = "vfund") -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=quote(username), issuer_name=issuer)


def totp_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step the code belongs to (one step of drift either way), or None."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // TOTP_STEP
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.at(step * TOTP_STEP), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Ten codes of 10 characters from an unambiguous alphabet (~50 bits each)."""
    alphabet = "23456789abcdefghjkmnpqrstuvwxyz"
    return [
        "".join(secrets.choice(alphabet) for _ in range(5))
        + "-"
        + "".join(secrets.choice(alphabet) for _ in range(5))
        for _ in range(RECOVERY_CODES)
    ]


def recovery_hash(key: bytes, account_id: str, code: str) -> str:
    normal = code.strip().lower().replace(" ", "").replace("-", "")
    return hmac.new(key, f"{account_id}:{normal}".encode(), hashlib.sha256).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    return len(code.strip().replace("-", "").replace(" ", "")) == 10
