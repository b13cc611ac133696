"""The tree-head protocol, for the service that signs heads and the verifier that checks them.

A signed tree head is `{tree_size, root_hash, timestamp, signature, key_id}`: `signature` is the
base64 Ed25519 signature over the RFC 8785 bytes of `{"root_hash", "timestamp", "tree_size"}`,
`key_id` the lowercase hex SHA-256 of the public key's DER SubjectPublicKeyInfo.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from typing_extensions import TypedDict  # pydantic (FastAPI's answers) needs it before 3.12

from services.audit.domain.canonical import canonical_json

HEX64 = re.compile(r"[0-9a-f]{64}")
MAX_TREE_SIZE = 2**53 - 1  # RFC 8785 (the signed bytes) writes integers exactly up to here
# Tree head timestamps are RFC 3339 in UTC with exactly three fractional digits and "Z": one
# spelling per instant, so the signed bytes never depend on who formatted the time.
_TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


class TreeHead(TypedDict):
    """A signed tree head as the contract serves it (and the tree_head.signed event carries)."""

    tree_size: int
    root_hash: str
    timestamp: str
    signature: str
    key_id: str


def format_timestamp(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds, e.g. "2026-11-22T15:30:00.123Z"."""
    utc = moment.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def tree_head_message(tree_size: int, root_hash_hex: str, timestamp: str) -> bytes:
    """The bytes a tree head signature covers: RFC 8785 JSON of root_hash, timestamp, tree_size."""
    return canonical_json(
        {"root_hash": root_hash_hex, "timestamp": timestamp, "tree_size": tree_size}
    )


def key_id(public_key: Ed25519PublicKey) -> str:
    """Lowercase hex SHA-256 of the key's DER SubjectPublicKeyInfo."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()


def sign_tree_head(
    private_key: Ed25519PrivateKey, tree_size: int, root_hash_hex: str, timestamp: str
) -> TreeHead:
    """A signed tree head as the contract serves it: {tree_size, root_hash, timestamp, ...}."""
    if type(tree_size) is not int or tree_size < 0:
        raise ValueError(f"tree_size must be a non-negative integer, not {tree_size!r}")
    if not HEX64.fullmatch(root_hash_hex):
        raise ValueError("root_hash must be 64 lowercase hex digits")
    if not _TIMESTAMP.fullmatch(timestamp):
        raise ValueError(f"timestamp must look like 2026-11-22T15:30:00.123Z, not {timestamp!r}")
    signature = private_key.sign(tree_head_message(tree_size, root_hash_hex, timestamp))
    return {
        "tree_size": tree_size,
        "root_hash": root_hash_hex,
        "timestamp": timestamp,
        "signature": base64.b64encode(signature).decode("ascii"),
        "key_id": key_id(private_key.public_key()),
    }


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """An Ed25519 SubjectPublicKeyInfo PEM; ValueError or TypeError for anything else."""
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise TypeError("the public key is not an Ed25519 key")
    return key


def load_private_key(pem: bytes, public_pem: bytes | None = None) -> Ed25519PrivateKey:
    """An Ed25519 PKCS#8 PEM, checked against its public key's PEM when one is given."""
    key = serialization.load_pem_private_key(pem, None)
    if not isinstance(key, Ed25519PrivateKey):
        raise TypeError("the audit signing key is not an Ed25519 key")
    if public_pem is not None and key_id(load_public_key(public_pem)) != key_id(key.public_key()):
        raise ValueError("the audit public key does not match the signing key")
    return key


def signature_problem(head: object, public_key: Ed25519PublicKey | None) -> str | None:
    """Why `head` is not a well-formed tree head signed by public_key, or None when it is."""
    if not isinstance(head, dict):
        return "not a JSON object"
    size, root, timestamp, signature = (
        head.get(k) for k in ("tree_size", "root_hash", "timestamp", "signature")
    )
    if type(size) is not int or not 0 <= size <= MAX_TREE_SIZE:
        return f"tree_size {size!r} is not a non-negative integer JSON holds exactly"
    if not isinstance(root, str) or not HEX64.fullmatch(root):
        return f"(tree_size {size}) root_hash {root!r} is not 64 lowercase hex digits"
    if not isinstance(timestamp, str) or not isinstance(signature, str):
        return f"(tree_size {size}) timestamp and signature must be strings"
    if public_key is None:
        return f"{head_label(head)} cannot be checked without a public key"
    try:
        public_key.verify(
            base64.b64decode(signature, validate=True), tree_head_message(size, root, timestamp)
        )
    except (InvalidSignature, binascii.Error):
        named = head.get("key_id")
        ours = key_id(public_key)
        hint = f" (it names key {named}, not {ours})" if named != ours else ""
        return f"{head_label(head)} signature does not verify with the public key{hint}"
    return None


def head_label(head: dict[str, object]) -> str:
    """How a verdict names a head: "(tree_size 12, timestamp 2026-…Z)"."""
    return f"(tree_size {head.get('tree_size')}, timestamp {head.get('timestamp')})"
