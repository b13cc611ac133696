"""Bearer JWT (EdDSA) verification, roles and organisation as a FastAPI dependency."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
    load_pem_public_key,
)
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.problems import Problem
from shared.types import is_line

ROLES = frozenset(
    {
        "caseworker",
        "org_admin",
        "medical_assessor",
        "legal_assessor",
        "fund_manager",
        "finance",
        "auditor",
        "donor",
        "admin",
    }
)
ASSESSORS = frozenset({"medical_assessor", "legal_assessor"})
# Roles bound to one partner organisation: their token must name it (`org`).
ORG_BOUND = frozenset({"caseworker", "org_admin"})
# vfund's own audience and issuer: what the dev launcher configures and the tests and the web
# service mint with. A deployment sets VFUND_JWT_AUDIENCE / VFUND_JWT_ISSUER to its own values
# (an OIDC provider's issuer URL, for instance); services never run without both.
API_AUDIENCE = "vfund-api"
ISSUER = "vfund"
DEFAULT_MAX_LIFETIME_SECONDS = 12 * 3600
# Clocks of the issuer and the services may disagree a little; not more than this.
CLOCK_SKEW_SECONDS = 30
# Claims end up in events and rows whose ids are at most 64 characters (shared.events.common.Id).
MAX_ID_LENGTH = 64
MAX_NAME_LENGTH = 200
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="vfund"'}


@dataclass(frozen=True, slots=True)
class Principal:
    sub: str
    name: str
    roles: frozenset[str]
    org: str | None
    # The donor name (as written on grants) a `donor` may see; None for every other role.
    donor: str | None = None

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def _refused(detail: str, code: str = "invalid-token") -> Problem:
    return Problem(401, detail, code=code, headers=_CHALLENGE)


def key_id(key: Ed25519PublicKey) -> str:
    """The key's RFC 7638 JWK thumbprint: the `kid` vfund mints with and trusts."""
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    canonical = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def load_public_keys(paths: Iterable[Path]) -> dict[str, Ed25519PublicKey]:
    """Trusted keys by key id: PEM files (id = thumbprint), or JWKS files (`.json`, id = `kid`,
    as an OIDC provider publishes them)."""
    keys: dict[str, Ed25519PublicKey] = {}
    for path in paths:
        if path.suffix == ".json":
            for jwk in jwt.PyJWKSet.from_json(path.read_text()).keys:
                if not isinstance(jwk.key, Ed25519PublicKey):
                    raise ValueError(f"{path}: key {jwk.key_id!r} is not an Ed25519 public key")
                keys[jwk.key_id or key_id(jwk.key)] = jwk.key
            continue
        key = load_pem_public_key(path.read_bytes())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(f"{path} is not an Ed25519 public key")
        keys[key_id(key)] = key
    return keys


class Authenticator:
    """Verifies tokens against one or more Ed25519 public keys (several during a key rollover).

    A token is accepted only when it is signed with EdDSA by a trusted key (the one its `kid`
    names, when it names one), is meant for this audience by this issuer, has not expired, was
    not issued for longer than `max_lifetime`, and its claims have the types vfund relies on."""

    def __init__(
        self,
        keys: Mapping[str, Ed25519PublicKey],
        *,
        audience: str | None,
        issuer: str | None,
        max_lifetime: int = DEFAULT_MAX_LIFETIME_SECONDS,
    ) -> None:
        if not keys:
            raise ValueError("no token verification key: set VFUND_JWT_PUBLIC_KEYS")
        if not audience or not issuer:
            raise ValueError(
                "tokens are checked for their audience and issuer: set VFUND_JWT_AUDIENCE and"
                " VFUND_JWT_ISSUER"
            )
        if max_lifetime <= 0:
            raise ValueError("VFUND_JWT_MAX_LIFETIME_SECONDS must be positive")
        self._keys = dict(keys)
        self._audience = audience
        self._issuer = issuer
        self._max_lifetime = max_lifetime

    @classmethod
    def from_files(
        cls,
        paths: Iterable[Path],
        *,
        audience: str | None,
        issuer: str | None,
        max_lifetime: int = DEFAULT_MAX_LIFETIME_SECONDS,
    ) -> Authenticator:
        return cls(
            load_public_keys(paths), audience=audience, issuer=issuer, max_lifetime=max_lifetime
        )

    def _candidates(self, token: str) -> list[Ed25519PublicKey]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise _refused("the token is not valid") from exc
        kid = header.get("kid")
        if kid is None:
            return list(self._keys.values())
        if not isinstance(kid, str) or kid not in self._keys:
            raise _refused("the token is signed with a key that is not trusted")
        return [self._keys[kid]]

    def verify(self, token: str) -> Principal:
        claims: dict[str, Any] | None = None
        for key in self._candidates(token):
            try:
                claims = jwt.decode(
                    token,
                    key,
                    algorithms=["EdDSA"],
                    audience=self._audience,
                    issuer=self._issuer,
                    leeway=CLOCK_SKEW_SECONDS,
                    options={"require": ["sub", "exp", "iat", "aud", "iss"]},
                )
                break
            except jwt.ExpiredSignatureError as exc:
                raise _refused("the token has expired", "token-expired") from exc
            except jwt.ImmatureSignatureError as exc:
                raise _refused("the token is not valid yet") from exc
            except jwt.InvalidSignatureError:
                continue
            except jwt.InvalidTokenError as exc:
                raise _refused("the token is not valid") from exc
        if claims is None:
            raise _refused("the token is not valid")
        return self._principal(claims)

    def _principal(self, claims: dict[str, Any]) -> Principal:
        exp, iat = claims["exp"], claims["iat"]
        if not _is_number(exp) or not _is_number(iat):
            raise _refused("the token's exp and iat must be numbers")
        if exp - iat > self._max_lifetime:
            raise _refused("the token was issued for longer than this service accepts")
        sub = _identifier(claims["sub"], "sub")
        roles = claims.get("roles")
        if not isinstance(roles, list) or not roles or not all(_is_role(r) for r in roles):
            raise _refused("the token's roles claim must be a non-empty list of known roles")
        org = _identifier(claims["org"], "org") if "org" in claims else None
        if org is None and ORG_BOUND.intersection(roles):
            raise _refused("a caseworker's or org_admin's token must name its organisation")
        donor = _text(claims["donor"], "donor") if "donor" in claims else None
        if donor is None and "donor" in roles:
            raise _refused("a donor's token must name its donor")
        name = _text(claims["name"], "name") if "name" in claims else sub
        return Principal(sub=sub, name=name, roles=frozenset(roles), org=org, donor=donor)


def _is_role(value: object) -> bool:
    return isinstance(value, str) and value in ROLES


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: object, claim: str, limit: int = MAX_NAME_LENGTH) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise _refused(f"the token's {claim} claim must be one non-empty string")
    if not is_line(value):
        raise _refused(f"the token's {claim} claim must be one line of printable text")
    return value


def _identifier(value: object, claim: str) -> str:
    return _text(value, claim, MAX_ID_LENGTH)


_bearer = HTTPBearer(auto_error=False, description="EdDSA JWT")


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Problem(401, "a bearer token is required", code="missing-token", headers=_CHALLENGE)
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator.verify(credentials.credentials)


def require(*roles: str) -> Callable[..., Any]:
    """Dependency: the caller holds at least one of these roles, else 403."""

    async def dependency(principal: Annotated[Principal, Depends(current_principal)]) -> Principal:
        if not principal.has(*roles):
            raise Problem(
                403,
                f"this action needs one of the roles: {', '.join(sorted(roles))}",
                code="forbidden-role",
            )
        return principal

    return dependency


def mint(
    private_key: Ed25519PrivateKey,
    *,
    sub: str,
    name: str,
    roles: list[str],
    org: str | None = None,
    ttl_seconds: int = DEFAULT_MAX_LIFETIME_SECONDS,
    audience: str = API_AUDIENCE,
    issuer: str = ISSUER,
    **extra: Any,
) -> str:
    """Issue a token (demo users, tests, the web service); an OIDC provider issues its own."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "name": name,
        "roles": roles,
        "aud": audience,
        "iss": issuer,
        "iat": now,
        "exp": now + ttl_seconds,
        **extra,
    }
    if org:
        claims["org"] = org
    headers = {"kid": key_id(private_key.public_key())}
    return jwt.encode(claims, private_key, algorithm="EdDSA", headers=headers)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key
