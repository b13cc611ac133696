"""A real OpenID provider for the single sign-on tests: PyPI's `oidc-provider-mock`, with PKCE
required (the mock accepts PKCE but does not insist on it; here a request without a
code_challenge, or a token request without the right verifier, is refused).

Run as a process: `python tests/web/oidc_provider.py PORT`. A person signs in on its page by
typing the identity (`sub`) to authenticate as."""

from __future__ import annotations

import os
import sys
from typing import Any

import authlib.integrations.flask_oauth2 as flask_oauth2
import uvicorn
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge
from oidc_provider_mock import _app, _storage
from oidc_provider_mock import app as make_app

_CHALLENGES: dict[str, tuple[str | None, str | None]] = {}
_save = _app.AuthorizationCodeGrant.save_authorization_code


def save_authorization_code(self: Any, code: str, request: Any) -> None:
    data = request.payload.data if hasattr(request, "payload") else request.data
    _CHALLENGES[code] = (data.get("code_challenge"), data.get("code_challenge_method"))
    _save(self, code, request)


_app.AuthorizationCodeGrant.save_authorization_code = save_authorization_code  # type: ignore[method-assign]
# authlib's CodeChallenge reads these two from the stored authorization code.
_storage.AuthorizationCode.code_challenge = property(lambda self: _CHALLENGES[self.code][0])  # type: ignore[attr-defined]
_storage.AuthorizationCode.code_challenge_method = property(  # type: ignore[attr-defined]
    lambda self: _CHALLENGES[self.code][1]
)
_register = flask_oauth2.AuthorizationServer.register_grant


class RequiredPkce(CodeChallenge):  # type: ignore[misc]
    """authlib asks confidential clients for PKCE only when they chose to use it: here every
    authorization request must carry a challenge (and so every token request its verifier)."""

    def validate_code_challenge(self, grant: Any, redirect_uri: Any) -> None:
        if not grant.request.payload.data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: missing 'code_challenge'")
        super().validate_code_challenge(grant, redirect_uri)


def register_grant(self: Any, grant_cls: Any, extensions: Any = None) -> None:
    if grant_cls is _app.AuthorizationCodeGrant:
        extensions = [*(extensions or []), RequiredPkce(required=True)]
    _register(self, grant_cls, extensions)


flask_oauth2.AuthorizationServer.register_grant = register_grant  # type: ignore[method-assign]


def main() -> None:
    port = int(sys.argv[1])
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # loopback HTTP, tests only
    uvicorn.run(
        make_app(require_nonce=True, require_client_registration=False),
        host="127.0.0.1",
        port=port,
        interface="wsgi",
        log_level="warning",
    )


if __name__ == "__main__":
    main()
