"""The tree-head protocol the service signs with and the verifier checks, and its event."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pydantic import ValidationError
from support.audit_exports import KEY, OTHER_KEY, PEM, STAMP

from services.audit.domain.heads import (
    key_id,
    load_private_key,
    load_public_key,
    sign_tree_head,
    signature_problem,
)
from shared.events.audit import TreeHeadSigned

PRIVATE_PEM = KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
)
OTHER_PEM = OTHER_KEY.public_key().public_bytes(
    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
)


def test_a_signed_head_is_a_valid_event_and_verifies() -> None:
    head = sign_tree_head(KEY, 7, "ab" * 32, STAMP)
    assert TreeHeadSigned(**head).model_dump() == head
    assert head["key_id"] == key_id(load_public_key(PEM))
    assert signature_problem(head, load_public_key(PEM)) is None
    assert "cannot be checked without a public key" in (signature_problem(head, None) or "")
    problem = signature_problem(head, load_public_key(OTHER_PEM)) or ""
    assert f"it names key {head['key_id']}, not {key_id(load_public_key(OTHER_PEM))}" in problem


@pytest.mark.parametrize(
    "change",
    [
        {"tree_size": 0},
        {"tree_size": -1},
        {"root_hash": "AB" * 32},
        {"root_hash": "ab" * 31},
        {"timestamp": "2026-11-22T15:30:00Z"},
        {"signature": "not base64"},
        {"key_id": "x"},
    ],
)
def test_the_event_refuses_a_head_that_is_not_well_formed(change: dict[str, object]) -> None:
    head = sign_tree_head(KEY, 7, "ab" * 32, STAMP)
    with pytest.raises(ValidationError):
        TreeHeadSigned(**(head | change))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "head",
    [
        "a string",
        {"tree_size": True, "root_hash": "ab" * 32, "timestamp": STAMP, "signature": "AA=="},
        {"tree_size": 1, "root_hash": 5, "timestamp": STAMP, "signature": "AA=="},
        {"tree_size": 1, "root_hash": "ab" * 32, "timestamp": None, "signature": "AA=="},
        {"tree_size": 1, "root_hash": "ab" * 32, "timestamp": STAMP, "signature": "!!"},
    ],
)
def test_a_malformed_head_is_named_not_raised(head: object) -> None:
    assert signature_problem(head, load_public_key(PEM))


def test_the_signing_key_must_be_ed25519_and_match_its_public_key() -> None:
    assert key_id(load_private_key(PRIVATE_PEM, PEM).public_key()) == key_id(load_public_key(PEM))
    with pytest.raises(ValueError, match="does not match"):
        load_private_key(PRIVATE_PEM, OTHER_PEM)
    p256 = ec.generate_private_key(ec.SECP256R1())
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    with pytest.raises(TypeError):
        load_public_key(p256.public_key().public_bytes(serialization.Encoding.PEM, spki))
    pkcs8 = serialization.PrivateFormat.PKCS8
    with pytest.raises(TypeError):
        load_private_key(
            p256.private_bytes(serialization.Encoding.PEM, pkcs8, serialization.NoEncryption())
        )
