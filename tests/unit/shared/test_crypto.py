"""Unit tests for envelope encryption, the master keyring and the Ed25519 helpers."""

from __future__ import annotations

import base64
import copy
import pickle
import uuid
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from hypothesis import given
from hypothesis import strategies as st

from shared import crypto
from shared.crypto import (
    DecryptionError,
    KeyringError,
    MasterKeyring,
    UnknownKeyError,
    WrappedKey,
    decrypt_field,
    encrypt_field,
    new_data_key,
    rewrap,
    unwrap,
    wrap,
)

CASE = "5b0f6a1e-0c4e-4a7e-9a57-0d3c8f0e2a11"
OTHER_CASE = "9d1c2b3a-4e5f-4a6b-8c7d-0e1f2a3b4c5d"
SECRET = b"Jane Doe, born 1990-01-05, +41 79 123 45 67"


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


# --- data keys and fields -------------------------------------------------------------------


def test_new_data_key_is_32_random_bytes() -> None:
    first, second = new_data_key(), new_data_key()
    assert len(first) == 32
    assert first != second


@given(plaintext=st.binary(max_size=2048), field=st.text(min_size=1, max_size=40))
def test_field_round_trip(plaintext: bytes, field: str) -> None:
    key = new_data_key()
    assert decrypt_field(key, CASE, field, encrypt_field(key, CASE, field, plaintext)) == plaintext


def test_field_format_is_version_nonce_ciphertext_tag() -> None:
    blob = encrypt_field(new_data_key(), CASE, "facts", b"abc")
    assert blob[0] == 0x01
    assert len(blob) == 1 + 12 + 3 + 16
    assert SECRET not in encrypt_field(new_data_key(), CASE, "facts", SECRET)


def test_same_plaintext_encrypts_differently_each_time() -> None:
    key = new_data_key()
    assert encrypt_field(key, CASE, "facts", b"x") != encrypt_field(key, CASE, "facts", b"x")


@pytest.mark.parametrize(
    ("case_id", "field"),
    [
        (OTHER_CASE, "victim"),  # ciphertext copied to another case's row
        (CASE, "facts"),  # ... or to another column of the same row
        (CASE + "x", "victim"),
        (CASE, "victim "),
    ],
)
def test_field_bound_to_case_and_field(case_id: str, field: str) -> None:
    key = new_data_key()
    blob = encrypt_field(key, CASE, "victim", SECRET)
    with pytest.raises(DecryptionError) as info:
        decrypt_field(key, case_id, field, blob)
    assert "Jane" not in str(info.value)


def test_field_aad_has_no_concatenation_ambiguity() -> None:
    # ("ab", "c") and ("a", "bc") must not authenticate each other.
    key = new_data_key()
    blob = encrypt_field(key, "ab", "c", b"data")
    with pytest.raises(DecryptionError):
        decrypt_field(key, "a", "bc", blob)


def test_wrong_data_key_fails() -> None:
    blob = encrypt_field(new_data_key(), CASE, "facts", SECRET)
    with pytest.raises(DecryptionError):
        decrypt_field(new_data_key(), CASE, "facts", blob)


@pytest.mark.parametrize("position", [1, 5, 12, 13, 20, -1])
def test_any_tampered_byte_fails(position: int) -> None:
    key = new_data_key()
    blob = bytearray(encrypt_field(key, CASE, "facts", SECRET))
    blob[position] ^= 0x01
    with pytest.raises(DecryptionError):
        decrypt_field(key, CASE, "facts", bytes(blob))


@pytest.mark.parametrize("blob", [b"", b"\x01", b"\x01" + b"\x00" * 27])
def test_truncated_blob_fails_cleanly(blob: bytes) -> None:
    with pytest.raises(DecryptionError, match="truncated"):
        decrypt_field(new_data_key(), CASE, "facts", blob)


def test_unknown_format_version_fails_cleanly() -> None:
    key = new_data_key()
    blob = encrypt_field(key, CASE, "facts", SECRET)
    with pytest.raises(DecryptionError, match="format version 2"):
        decrypt_field(key, CASE, "facts", b"\x02" + blob[1:])


def test_error_messages_carry_no_key_or_plaintext() -> None:
    key = new_data_key()
    blob = encrypt_field(key, CASE, "facts", SECRET)
    with pytest.raises(DecryptionError) as info:
        decrypt_field(key, OTHER_CASE, "facts", blob)
    message = str(info.value)
    assert key.hex() not in message
    assert b64(key) not in message
    assert "Jane" not in message
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__


@pytest.mark.parametrize("bad", [b"", b"short", b"\x00" * 31, b"\x00" * 33])
def test_data_key_length_is_checked(bad: bytes) -> None:
    with pytest.raises(crypto.CryptoError):
        encrypt_field(bad, CASE, "facts", b"x")


def test_empty_case_or_field_refused() -> None:
    key = new_data_key()
    with pytest.raises(crypto.CryptoError):
        encrypt_field(key, "", "facts", b"x")
    with pytest.raises(crypto.CryptoError):
        encrypt_field(key, CASE, "", b"x")


# --- wrapping ---------------------------------------------------------------------------------


def test_wrap_unwrap_round_trip() -> None:
    keyring = MasterKeyring.generate("mk-2026-01")
    data_key = new_data_key()
    wrapped = wrap(keyring, data_key, CASE)
    assert wrapped.key_id == "mk-2026-01"
    assert data_key not in wrapped.blob
    assert unwrap(keyring, wrapped, CASE) == data_key


def test_wrapped_key_bound_to_case() -> None:
    keyring = MasterKeyring.generate("mk-2026-01")
    wrapped = wrap(keyring, new_data_key(), CASE)
    with pytest.raises(DecryptionError):
        unwrap(keyring, wrapped, OTHER_CASE)


def test_wrapped_key_relabelled_with_another_key_id_fails() -> None:
    keyring = MasterKeyring.generate("mk-a").rotated("mk-b")
    wrapped = wrap(keyring, new_data_key(), CASE)
    with pytest.raises(DecryptionError):
        unwrap(keyring, WrappedKey(key_id="mk-a", blob=wrapped.blob), CASE)


def test_tampered_wrapped_key_fails() -> None:
    keyring = MasterKeyring.generate("mk-2026-01")
    wrapped = wrap(keyring, new_data_key(), CASE)
    blob = bytearray(wrapped.blob)
    blob[-3] ^= 0x80
    with pytest.raises(DecryptionError):
        unwrap(keyring, WrappedKey(wrapped.key_id, bytes(blob)), CASE)


def test_wrapped_key_from_another_keyring_with_same_id_fails() -> None:
    wrapped = wrap(MasterKeyring.generate("mk-1"), new_data_key(), CASE)
    with pytest.raises(DecryptionError):
        unwrap(MasterKeyring.generate("mk-1"), wrapped, CASE)


def test_unknown_key_id_is_a_clear_error() -> None:
    wrapped = wrap(MasterKeyring.generate("mk-2025-07"), new_data_key(), CASE)
    with pytest.raises(UnknownKeyError, match=r"'mk-2025-07' is not in the keyring.*mk-2026-01"):
        unwrap(MasterKeyring.generate("mk-2026-01"), wrapped, CASE)


def test_rotation_rewraps_and_old_field_ciphertexts_still_decrypt() -> None:
    old = MasterKeyring.generate("mk-2025-07")
    data_key = new_data_key()
    wrapped_old = wrap(old, data_key, CASE)
    field_blob = encrypt_field(data_key, CASE, "facts", SECRET)

    new = old.rotated("mk-2026-01")
    assert new.active_key_id == "mk-2026-01"
    assert new.key_ids == ("mk-2026-01", "mk-2025-07")

    wrapped_new = rewrap(new, wrapped_old, CASE)
    assert wrapped_new.key_id == "mk-2026-01"
    assert wrapped_new.blob != wrapped_old.blob

    # Once every key is re-wrapped the old master key can go; the data is untouched.
    only_new = MasterKeyring.from_config(new.to_config().split(",")[0])
    assert only_new.key_ids == ("mk-2026-01",)
    recovered = unwrap(only_new, wrapped_new, CASE)
    assert decrypt_field(recovered, CASE, "facts", field_blob) == SECRET
    with pytest.raises(UnknownKeyError):
        unwrap(only_new, wrapped_old, CASE)


def test_rewrap_under_active_key_is_a_no_op() -> None:
    keyring = MasterKeyring.generate("mk-2026-01")
    wrapped = wrap(keyring, new_data_key(), CASE)
    assert rewrap(keyring, wrapped, CASE) is wrapped


def test_rewrap_checks_the_case_binding() -> None:
    old = MasterKeyring.generate("mk-old")
    wrapped = wrap(old, new_data_key(), CASE)
    with pytest.raises(DecryptionError):
        rewrap(old.rotated("mk-new"), wrapped, OTHER_CASE)


def test_uuid_case_ids_bind_by_their_string_form() -> None:
    case = uuid.uuid4()
    keyring = MasterKeyring.generate("mk-1")
    data_key = new_data_key()
    assert unwrap(keyring, wrap(keyring, data_key, str(case)), str(case)) == data_key


# --- keyring configuration ----------------------------------------------------------------------


def test_from_config_first_entry_is_active() -> None:
    k1, k2 = new_data_key(), new_data_key()
    keyring = MasterKeyring.from_config(f"mk-2026-01:{b64(k1)}, mk-2025-07:{b64(k2)}")
    assert keyring.active_key_id == "mk-2026-01"
    assert keyring.key_ids == ("mk-2026-01", "mk-2025-07")
    assert "mk-2025-07" in keyring
    assert "mk-1999" not in keyring


def test_to_config_round_trips() -> None:
    keyring = MasterKeyring.generate("mk-a").rotated("mk-b")
    data_key = new_data_key()
    wrapped = wrap(keyring, data_key, CASE)
    again = MasterKeyring.from_config(keyring.to_config())
    assert again.key_ids == ("mk-b", "mk-a")
    assert unwrap(again, wrapped, CASE) == data_key


def test_from_file_ignores_comments_and_newlines(tmp_path: Path) -> None:
    k1, k2 = new_data_key(), new_data_key()
    path = tmp_path / "master.keys"
    path.write_text(f"# active first\nmk-2026-01:{b64(k1)}\n\nmk-2025-07:{b64(k2)}\n")
    keyring = MasterKeyring.from_file(path)
    assert keyring.key_ids == ("mk-2026-01", "mk-2025-07")


def test_missing_key_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="cannot read master key file"):
        MasterKeyring.from_file(tmp_path / "absent")


@pytest.mark.parametrize(
    "value",
    [
        "",
        " , ",
        "mk-1",  # no key
        "{key}",  # a bare key, no id
        "mk-1:not base64!",
        "mk-1:" + base64.b64encode(b"\x00" * 16).decode(),  # AES-128 is not accepted
        "mk 1:{key}",  # bad id
        ":{key}",
        "mk-1:{key},mk-1:{key}",  # duplicate id
    ],
)
def test_bad_config_is_refused_without_echoing_keys(value: str) -> None:
    key = b64(new_data_key())
    with pytest.raises(KeyringError) as info:
        MasterKeyring.from_config(value.format(key=key))
    assert key not in str(info.value)


def test_constructor_checks_active_id_and_sizes() -> None:
    with pytest.raises(KeyringError):
        MasterKeyring({}, "mk-1")
    with pytest.raises(KeyringError):
        MasterKeyring({"mk-1": new_data_key()}, "mk-2")
    with pytest.raises(KeyringError):
        MasterKeyring({"mk-1": b"short"}, "mk-1")


def test_rotated_refuses_an_existing_id() -> None:
    with pytest.raises(KeyringError):
        MasterKeyring.generate("mk-1").rotated("mk-1")


def test_repr_and_str_hide_key_material() -> None:
    key = new_data_key()
    keyring = MasterKeyring({"mk-2026-01": key}, "mk-2026-01")
    for text in (repr(keyring), str(keyring), f"{keyring}", repr([keyring])):
        assert "mk-2026-01" in text
        assert b64(key) not in text
        assert key.hex() not in text
        assert repr(key) not in text


def test_keyring_cannot_be_pickled_or_copied() -> None:
    keyring = MasterKeyring.generate("mk-1")
    with pytest.raises(TypeError):
        pickle.dumps(keyring)
    with pytest.raises(TypeError):
        copy.deepcopy(keyring)


def test_wrapped_key_repr_hides_blob() -> None:
    wrapped = wrap(MasterKeyring.generate("mk-1"), new_data_key(), CASE)
    assert repr(wrapped) == "WrappedKey(key_id='mk-1')"


def test_holds_key_material() -> None:
    key = new_data_key()
    keyring = MasterKeyring({"mk-1": key}, "mk-1")
    assert keyring.holds_key_material(key)
    assert not keyring.holds_key_material(new_data_key())


# --- Ed25519 ------------------------------------------------------------------------------------


def test_generated_keypair_loads_and_signs(tmp_path: Path) -> None:
    private_pem, public_pem = crypto.generate_ed25519_keypair_pem()
    assert private_pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert public_pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    (tmp_path / "priv.pem").write_bytes(private_pem)
    (tmp_path / "pub.pem").write_bytes(public_pem)

    private = crypto.load_private_key_pem(tmp_path / "priv.pem")
    public = crypto.load_public_key_pem(str(tmp_path / "pub.pem"))
    assert isinstance(private, Ed25519PrivateKey)
    assert isinstance(public, Ed25519PublicKey)
    public.verify(private.sign(b"tree head"), b"tree head")
    crypto.load_public_key_pem(public_pem).verify(
        crypto.load_private_key_pem(private_pem).sign(b"m"), b"m"
    )


def test_non_ed25519_keys_are_refused() -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP256R1())
    private_pem = other.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = other.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(crypto.CryptoError, match="Ed25519"):
        crypto.load_private_key_pem(private_pem)
    with pytest.raises(crypto.CryptoError, match="Ed25519"):
        crypto.load_public_key_pem(public_pem)
