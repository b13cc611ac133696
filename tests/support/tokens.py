"""Hostile tokens, forged as an attacker's own library would: the unit tests of shared.auth and
the e2e tests against the running services use the same table."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shared.auth import API_AUDIENCE, ISSUER, key_id

HOUR = 3600


def claims(**overrides: Any) -> dict[str, Any]:
    """A caseworker's valid claims; `name=...` (Ellipsis) leaves a claim out."""
    now = int(time.time())
    base: dict[str, Any] = {
        "sub": "caseworker-a",
        "name": "Caseworker A",
        "roles": ["caseworker"],
        "org": "org-a",
        "aud": API_AUDIENCE,
        "iss": ISSUER,
        "iat": now,
        "exp": now + HOUR,
    }
    for name, value in overrides.items():
        if value is ...:
            base.pop(name, None)
        else:
            base[name] = value
    return base


def b64(obj: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def signed(payload: dict[str, Any], key: Ed25519PrivateKey, **headers: Any) -> str:
    return jwt.encode(
        payload, key, algorithm="EdDSA", headers={"kid": key_id(key.public_key())} | headers
    )


def forged(header: dict[str, Any], payload: dict[str, Any], key: Ed25519PrivateKey) -> str:
    """Signed by hand, headers and all (PyJWT refuses to write some of them)."""
    signing_input = f"{b64(header)}.{b64(payload)}"
    signature = base64.urlsafe_b64encode(key.sign(signing_input.encode())).rstrip(b"=")
    return f"{signing_input}.{signature.decode()}"


def _alg_none(payload: dict[str, Any]) -> str:
    return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(payload)}."


def _hs256_with_the_public_key(payload: dict[str, Any], key: Ed25519PrivateKey) -> str:
    secret = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    head = b64({"alg": "HS256", "typ": "JWT", "kid": key_id(key.public_key())})
    body = b64(payload)
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def hostile_tokens(key: Ed25519PrivateKey) -> dict[str, str]:
    """Tokens a service must refuse (401), each by the trusted `key` unless it says otherwise."""
    now = int(time.time())
    other = Ed25519PrivateKey.generate()
    kid = key_id(key.public_key())
    good = signed(claims(), key)
    return {
        "alg none": _alg_none(claims()),
        "alg none with a trusted kid": f"{b64({'alg': 'none', 'kid': kid})}.{b64(claims())}.",
        "HS256 with the public key": _hs256_with_the_public_key(claims(), key),
        "alg EdDSA spelt otherwise": forged({"alg": "Ed25519", "kid": kid}, claims(), key),
        "another key": signed(claims(), other),
        "another key claiming a trusted kid": forged({"alg": "EdDSA", "kid": kid}, claims(), other),
        "a key id not trusted": signed(claims(), key, kid="someone-else"),
        "a key id that is not a string": forged({"alg": "EdDSA", "kid": 7}, claims(), key),
        "a tampered payload": ".".join(
            [good.split(".")[0], b64(claims(roles=["admin"])), good.split(".")[2]]
        ),
        "no signature": good.rsplit(".", 1)[0] + ".",
        "no audience": signed(claims(aud=...), key),
        "another audience": signed(claims(aud="vfund-web"), key),
        "audience list without ours": signed(claims(aud=["a", "b"]), key),
        "no issuer": signed(claims(iss=...), key),
        "another issuer": signed(claims(iss="https://evil.example"), key),
        "expired": signed(claims(iat=now - 2 * HOUR, exp=now - HOUR), key),
        "no exp": signed(claims(exp=...), key),
        "no iat": signed(claims(iat=...), key),
        "iat as a string": signed(claims(iat=str(now)), key),
        "exp as a string": signed(claims(exp=str(now + HOUR)), key),
        "iat in the future": signed(claims(iat=now + HOUR, exp=now + 2 * HOUR), key),
        "nbf in the future": signed(claims(nbf=now + HOUR), key),
        "lifetime 13 h": signed(claims(exp=now + 13 * HOUR), key),
        "lifetime of ten years": signed(claims(exp=now + 10 * 365 * 24 * HOUR), key),
        "no sub": signed(claims(sub=...), key),
        "empty sub": signed(claims(sub=""), key),
        "blank sub": signed(claims(sub="   "), key),
        "sub as a number": signed(claims(sub=42), key),
        "sub longer than an id": signed(claims(sub="s" * 65), key),
        "sub with a line break": signed(claims(sub="caseworker-a\nadmin"), key),
        "sub with a NUL": signed(claims(sub="caseworker-a\x00"), key),
        "no roles": signed(claims(roles=...), key),
        "roles as a string": signed(claims(roles="caseworker"), key),
        "roles empty": signed(claims(roles=[]), key),
        "an unknown role": signed(claims(roles=["caseworker", "superuser"]), key),
        "a role that is not a string": signed(claims(roles=[["caseworker"]]), key),
        "org as a list": signed(claims(org=["org-a", "org-b"]), key),
        "org null": signed(claims(org=None), key),
        "org empty": signed(claims(org=""), key),
        "caseworker without org": signed(claims(org=...), key),
        "org_admin without org": signed(claims(roles=["org_admin"], org=...), key),
        "donor without donor": signed(claims(roles=["donor"], org=...), key),
        "donor as a list": signed(claims(roles=["donor"], org=..., donor=["A", "B"]), key),
        "name as a list": signed(claims(name=["a"]), key),
        "not a JWT": "not-a-jwt",
        "three empty parts": "..",
    }
