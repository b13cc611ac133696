"""Token verification: signature, audience, issuer, lifetime and the type of every claim."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from support.tokens import HOUR, claims, hostile_tokens
from support.tokens import signed as sign

from shared.auth import (
    API_AUDIENCE,
    ISSUER,
    ROLES,
    Authenticator,
    Principal,
    key_id,
    load_public_keys,
    mint,
)
from shared.problems import Problem

KEY = Ed25519PrivateKey.generate()
OTHER = Ed25519PrivateKey.generate()


def authenticator(**kw: Any) -> Authenticator:
    options: dict[str, Any] = {"audience": API_AUDIENCE, "issuer": ISSUER} | kw
    return Authenticator({key_id(KEY.public_key()): KEY.public_key()}, **options)


def signed(payload: dict[str, Any], *, key: Ed25519PrivateKey = KEY, **headers: Any) -> str:
    return sign(payload, key, **headers)


def refused(token: str, **kw: Any) -> Problem:
    with pytest.raises(Problem) as caught:
        authenticator(**kw).verify(token)
    assert caught.value.status == 401
    assert caught.value.headers == {"WWW-Authenticate": 'Bearer realm="vfund"'}
    return caught.value


def test_a_minted_token_gives_its_principal() -> None:
    token = mint(KEY, sub="caseworker-a", name="Caseworker A", roles=["caseworker"], org="org-a")
    assert authenticator().verify(token) == Principal(
        sub="caseworker-a", name="Caseworker A", roles=frozenset({"caseworker"}), org="org-a"
    )


def test_org_admin_and_donor_are_roles_with_their_binding() -> None:
    assert {"org_admin", "donor"} <= ROLES
    admin = authenticator().verify(signed(claims(roles=["org_admin"], org="org-b")))
    assert admin.roles == {"org_admin"} and admin.org == "org-b"
    donor = authenticator().verify(
        signed(claims(roles=["donor"], org=..., donor="Demo Donor", sub="donor-1"))
    )
    assert donor.donor == "Demo Donor" and donor.org is None


HOSTILE = hostile_tokens(KEY)


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_tokens_are_refused(case: str) -> None:
    # Made again at test time: a long session must not turn "in the future" into the past.
    problem = refused(hostile_tokens(KEY)[case])
    assert problem.code in ("invalid-token", "token-expired")


def test_an_expired_token_says_so() -> None:
    assert refused(hostile_tokens(KEY)["expired"]).code == "token-expired"


def test_the_lifetime_limit_is_configurable_and_reached_exactly() -> None:
    now = int(time.time())
    twelve = signed(claims(iat=now, exp=now + 12 * HOUR))
    assert authenticator().verify(twelve).sub == "caseworker-a"
    refused(twelve, max_lifetime=5 * 60)
    short = signed(claims(iat=now, exp=now + 5 * 60))
    assert authenticator(max_lifetime=5 * 60).verify(short).sub == "caseworker-a"


def test_a_token_without_kid_is_tried_with_every_trusted_key() -> None:
    both = Authenticator(
        {
            key_id(OTHER.public_key()): OTHER.public_key(),
            key_id(KEY.public_key()): KEY.public_key(),
        },
        audience=API_AUDIENCE,
        issuer=ISSUER,
    )
    token = jwt.encode(claims(), KEY, algorithm="EdDSA")
    assert both.verify(token).org == "org-a"


def test_an_audience_list_that_holds_ours_is_accepted() -> None:
    token = signed(claims(aud=["vfund-web", API_AUDIENCE]))
    assert authenticator().verify(token).sub == "caseworker-a"


@pytest.mark.parametrize(
    "missing",
    [{"audience": None}, {"issuer": None}, {"audience": ""}, {"issuer": ""}, {"max_lifetime": 0}],
)
def test_a_verifier_without_audience_or_issuer_cannot_be_made(missing: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="VFUND_JWT"):
        authenticator(**missing)
    with pytest.raises(ValueError, match="VFUND_JWT_PUBLIC_KEYS"):
        Authenticator({}, audience=API_AUDIENCE, issuer=ISSUER)


def test_keys_load_from_pem_and_from_a_jwks(tmp_path: Path) -> None:
    pem = tmp_path / "key.pub.pem"
    pem.write_bytes(
        KEY.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    raw = OTHER.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    x = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    jwks = tmp_path / "provider.json"
    jwks.write_text(json.dumps({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "p1"}]}))
    keys = load_public_keys([pem, jwks])
    assert set(keys) == {key_id(KEY.public_key()), "p1"}
    verifier = Authenticator.from_files([pem, jwks], audience=API_AUDIENCE, issuer=ISSUER)
    provider_token = jwt.encode(claims(), OTHER, algorithm="EdDSA", headers={"kid": "p1"})
    assert verifier.verify(provider_token).sub == "caseworker-a"


def test_the_key_id_is_the_rfc7638_thumbprint() -> None:
    # RFC 8037 appendix A.3: the thumbprint of its example Ed25519 key.
    x = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
    raw = base64.urlsafe_b64decode(x + "=")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    assert key_id(Ed25519PublicKey.from_public_bytes(raw)) == (
        "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
    )
