"""Bearer JWT (EdDSA) verification, roles and organisation as a FastAPI dependency."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shared.problems import Problem

ROLES = frozenset(
    {
        "caseworker",
        "org_admin",
        "donor",
        "medical_assessor",
        "legal_assessor",
        "fund_manager",
        "finance",
        "auditor",
        "admin",
    }
)
ASSESSORS = frozenset({"medical_assessor", "legal_assessor"})
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="vfund"'}


@dataclass(frozen=True, slots=True)
class Principal:
    sub: str
    name: str
    roles: frozenset[str]
    org: str | None

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


class Authenticator:
    """Verifies tokens against one or more Ed25519 public keys (several during a key rollover)."""

    def __init__(
        self,
        keys: Iterable[Ed25519PublicKey],
        *,
        audience: str | None = None,
        issuer: str | None = None,
    ) -> None:
        self._keys = list(keys)
        self._audience = audience
        self._issuer = issuer

    @classmethod
    def from_files(cls, paths: Iterable[Path], **kw: Any) -> Authenticator:
        keys = []
        for path in paths:
            key = load_pem_public_key(path.read_bytes())
            if not isinstance(key, Ed25519PublicKey):
                raise ValueError(f"{path} is not an Ed25519 public key")
            keys.append(key)
        return cls(keys, **kw)

    def verify(self, token: str) -> Principal:
        claims: dict[str, Any] | None = None
        for key in self._keys:
            try:
                claims = jwt.decode(
                    token,
                    key,
                    algorithms=["EdDSA"],
                    audience=self._audience,
                    issuer=self._issuer,
                    options={"require": ["sub", "exp"], "verify_aud": self._audience is not None},
                )
                break
            except jwt.ExpiredSignatureError as exc:
                raise Problem(
                    401, "the token has expired", code="token-expired", headers=_CHALLENGE
                ) from exc
            except jwt.InvalidTokenError:
                continue
        if claims is None:
            raise Problem(401, "the token is not valid", code="invalid-token", headers=_CHALLENGE)
        roles = claims.get("roles", [])
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise Problem(
                401,
                "the token's roles claim is malformed",
                code="invalid-token",
                headers=_CHALLENGE,
            )
        org = claims.get("org")
        return Principal(
            sub=str(claims["sub"]),
            name=str(claims.get("name", claims["sub"])),
            roles=frozenset(roles) & ROLES,
            org=str(org) if org else None,
        )


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
        if "caseworker" in principal.roles and principal.org is None and roles == ("caseworker",):
            raise Problem(403, "a caseworker token must name its organisation", code="no-org")
        return principal

    return dependency


def mint(
    private_key: Ed25519PrivateKey,
    *,
    sub: str,
    name: str,
    roles: list[str],
    org: str | None = None,
    ttl_seconds: int = 12 * 3600,
    **extra: Any,
) -> str:
    """Issue a token (demo users, tests); production tokens come from the OIDC provider."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": sub,
        "name": name,
        "roles": roles,
        "iat": now,
        "exp": now + ttl_seconds,
        **extra,
    }
    if org:
        claims["org"] = org
    return jwt.encode(claims, private_key, algorithm="EdDSA")


def load_private_key(path: Path) -> Ed25519PrivateKey:
    key = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key
