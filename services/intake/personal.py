"""Sealing and opening a case's personal data: a data key per case, fields bound by AAD."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import orjson

from shared.crypto import (
    MasterKeyring,
    WrappedKey,
    decrypt_field,
    encrypt_field,
    new_data_key,
    unwrap,
    wrap,
)

VICTIM = "victim"
FACTS = "facts"
ITEM_DESCRIPTIONS = "item_descriptions"
INFORMATION_PREFIX = "information:"


def seal(
    keyring: MasterKeyring, case_id: str, fields: dict[str, Any]
) -> tuple[WrappedKey, dict[str, bytes]]:
    data_key = new_data_key()
    blobs = {
        name: encrypt_field(data_key, case_id, name, orjson.dumps(value))
        for name, value in fields.items()
    }
    return wrap(keyring, data_key, case_id), blobs


def open_sealed(
    keyring: MasterKeyring, case_id: str, wrapped: WrappedKey, blobs: dict[str, bytes]
) -> dict[str, Any]:
    data_key = unwrap(keyring, wrapped, case_id)
    return {
        name: orjson.loads(decrypt_field(data_key, case_id, name, blob))
        for name, blob in blobs.items()
    }


def information_field(request_id: str) -> str:
    return f"information:{request_id}"


def document_field(document_id: str) -> str:
    return f"document:{document_id}"


def seal_with(
    keyring: MasterKeyring, case_id: str, wrapped: WrappedKey, field: str, plaintext: bytes
) -> bytes:
    """One more ciphertext under the case's existing data key (answers, documents)."""
    return encrypt_field(unwrap(keyring, wrapped, case_id), case_id, field, plaintext)


def open_one(
    keyring: MasterKeyring, case_id: str, wrapped: WrappedKey, field: str, blob: bytes
) -> bytes:
    return decrypt_field(unwrap(keyring, wrapped, case_id), case_id, field, blob)


def fingerprint(key: bytes, payload: Any) -> dict[str, str]:
    """What the idempotency table keeps of a body with personal data: a keyed digest of it."""
    raw = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
    digest = hmac.new(key, b"vfund/idempotency/v1\x00" + raw, hashlib.sha256).hexdigest()
    return {"hmac": digest}
