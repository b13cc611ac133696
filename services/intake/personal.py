"""Sealing and opening a case's personal data: a data key per case, fields bound by AAD."""

from __future__ import annotations

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
