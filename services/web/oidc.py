"""Single sign-on with OpenID Connect (authorization code + PKCE + nonce), with authlib.

The provider proves who someone is; the web's own accounts say what they may do: an identity
is admitted only when an administrator linked it to an account."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Any

import httpx
import orjson
from authlib.common.security import generate_token
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from services.web.keys import Keys
from services.web.settings import WebSettings

STATE_SECONDS = 600
ALGORITHMS = ["RS256", "ES256", "EdDSA", "PS256"]


class SignOnFailed(Exception):
    """The provider's answer cannot be trusted (state, code, token or claims): refused."""


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    mfa: bool


class Oidc:
    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str,
        http: httpx.AsyncClient,
        key: bytes,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.http = http
        self._key = key
        self._metadata: dict[str, Any] | None = None
        self._jwks: KeySet | None = None

    @classmethod
    def from_settings(cls, settings: WebSettings, http: httpx.AsyncClient, keys: Keys) -> Oidc:
        if not (settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret):
            raise RuntimeError("VFUND_OIDC_ISSUER needs VFUND_OIDC_CLIENT_ID and _CLIENT_SECRET")
        return cls(
            issuer=settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
            http=http,
            key=keys.state,
        )

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            response = await self.http.get(self.issuer + "/.well-known/openid-configuration")
            response.raise_for_status()
            found: dict[str, Any] = response.json()
            if str(found.get("issuer", "")).rstrip("/") != self.issuer:
                raise SignOnFailed("the provider names another issuer")
            self._metadata = found
        return self._metadata

    async def _keys(self, refresh: bool = False) -> KeySet:
        if self._jwks is None or refresh:
            response = await self.http.get((await self.metadata())["jwks_uri"])
            response.raise_for_status()
            self._jwks = KeySet.import_key_set(response.json())
        return self._jwks

    def _seal(self, state: dict[str, Any]) -> str:
        body = base64.urlsafe_b64encode(orjson.dumps(state)).decode()
        mac = hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()
        return f"{body}.{mac}"

    def _unseal(self, cookie: str | None) -> dict[str, Any]:
        if not cookie or "." not in cookie or len(cookie) > 2000:
            raise SignOnFailed("no sign-on in progress")
        body, mac = cookie.rsplit(".", 1)
        expected = hmac.new(self._key, body.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(mac, expected):
            raise SignOnFailed("the sign-on state was altered")
        state: dict[str, Any] = orjson.loads(base64.urlsafe_b64decode(body))
        if state.get("exp", 0) < time.time():
            raise SignOnFailed("the sign-on took too long")
        return state

    async def begin(self, *, redirect_uri: str, next_page: str) -> tuple[str, str]:
        """The provider's authorization URL, and the sealed cookie that remembers the request."""
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        url = prepare_grant_uri(
            (await self.metadata())["authorization_endpoint"],
            client_id=self.client_id,
            response_type="code",
            redirect_uri=redirect_uri,
            scope="openid",
            state=state,
            nonce=nonce,
            code_challenge=create_s256_code_challenge(verifier),
            code_challenge_method="S256",
        )
        cookie = self._seal(
            {
                "state": state,
                "nonce": nonce,
                "verifier": verifier,
                "next": next_page,
                "exp": time.time() + STATE_SECONDS,
            }
        )
        return url, cookie

    def next_page(self, cookie: str | None) -> str:
        try:
            return str(self._unseal(cookie).get("next", "/"))
        except SignOnFailed:
            return "/"

    async def finish(
        self, *, cookie: str | None, state: str, code: str, redirect_uri: str
    ) -> Identity:
        """Checks the state, redeems the code with the PKCE verifier, verifies the ID token
        (signature, issuer, audience, expiry, nonce)."""
        remembered = self._unseal(cookie)
        if not state or not hmac.compare_digest(state, str(remembered["state"])):
            raise SignOnFailed("the state does not match")
        response = await self.http.post(
            (await self.metadata())["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "code_verifier": remembered["verifier"],
            },
            auth=(self.client_id, self.client_secret),
            headers={"Accept": "application/json"},
        )
        if response.status_code != 200:
            raise SignOnFailed("the provider refused the code")
        tokens = response.json()
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise SignOnFailed("no ID token")
        try:
            try:
                decoded = jwt.decode(id_token, await self._keys(), algorithms=ALGORITHMS)
            except JoseError:
                decoded = jwt.decode(
                    id_token, await self._keys(refresh=True), algorithms=ALGORITHMS
                )
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                options={
                    "iss": {"essential": True, "value": self.issuer},
                    "aud": {"essential": True, "value": self.client_id},
                },
                params={
                    "nonce": remembered["nonce"],
                    "client_id": self.client_id,
                    "access_token": tokens.get("access_token"),
                },
            )
            claims.validate(leeway=60)
        except (JoseError, ValueError, KeyError) as exc:
            raise SignOnFailed("the ID token is not valid") from exc
        amr = claims.get("amr") or []
        return Identity(
            issuer=self.issuer,
            subject=str(claims["sub"]),
            mfa=any(m in ("mfa", "otp", "hwk", "swk", "fpt") for m in amr),
        )
