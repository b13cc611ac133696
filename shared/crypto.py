"""Envelope encryption (a data key per case under rotating master keys) and Ed25519 key helpers."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import hmac
import os
import re
import secrets
import struct
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # 96-bit GCM nonce, random per encryption
TAG_BYTES = 16
# First byte of every blob; a new layout or algorithm gets a new byte, old blobs stay readable.
FORMAT_V1 = 0x01

# Key ids travel in the database next to wrapped keys; they must not contain the separators of
# the configuration format.
_KEY_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

_WRAP_DOMAIN = b"vfund/wrapped-data-key"
_FIELD_DOMAIN = b"vfund/field"


class CryptoError(Exception):
    """Base of this module's errors; messages never carry plaintext or key material."""


class KeyringError(CryptoError):
    """The master keyring configuration is missing or malformed."""


class UnknownKeyError(KeyringError):
    """A wrapped key names a master key that the keyring does not hold."""


class DecryptionError(CryptoError):
    """Authentication failed: wrong key, wrong case or field, or a tampered/truncated blob."""


class MasterKeyring:
    """Master keys by id: one active key wraps, every held key unwraps (for rotation).

    Configuration (``VFUND_MASTER_KEY``, or the file named by ``VFUND_MASTER_KEY_FILE``)::

        mk-2026-01:<base64 of 32 bytes>[,mk-2025-07:<base64 of 32 bytes>...]

    Entries are separated by commas or newlines; the first entry is the active key. In a file,
    blank lines and lines starting with ``#`` are ignored. A key id is 1-64 characters of
    ``[A-Za-z0-9._-]`` starting with a letter or digit. Base64 is the standard alphabet, padded.

    Rotation: put the new key first and keep the old ones after it until every wrapped key has
    been re-wrapped with :func:`rewrap`; only then drop the old entry.

    ``repr``/``str`` show key ids only; the key bytes never leave except via :meth:`to_config`.
    """

    __slots__ = ("_active_key_id", "_aead", "_keys")

    def __init__(self, keys: Mapping[str, bytes], active_key_id: str) -> None:
        if not keys:
            raise KeyringError("a master keyring needs at least one key")
        for key_id, key in keys.items():
            _check_key_id(key_id)
            if len(key) != KEY_BYTES:
                raise KeyringError(f"master key {key_id!r} must be {KEY_BYTES} bytes")
        if active_key_id not in keys:
            raise KeyringError(f"active master key {active_key_id!r} is not in the keyring")
        self._keys: dict[str, bytes] = {key_id: bytes(key) for key_id, key in keys.items()}
        self._aead = {key_id: AESGCM(key) for key_id, key in self._keys.items()}
        self._active_key_id = active_key_id

    @classmethod
    def generate(cls, key_id: str) -> MasterKeyring:
        """A fresh single-key keyring, for development and tests."""
        return cls({key_id: AESGCM.generate_key(bit_length=KEY_BYTES * 8)}, key_id)

    @classmethod
    def from_config(cls, value: str) -> MasterKeyring:
        """Parse the ``VFUND_MASTER_KEY`` format documented on the class."""
        entries = [
            entry.strip()
            for line in value.splitlines()
            if not line.strip().startswith("#")
            for entry in line.split(",")
            if entry.strip()
        ]
        if not entries:
            raise KeyringError("the master key configuration is empty")
        keys: dict[str, bytes] = {}
        for position, entry in enumerate(entries, start=1):
            key_id, sep, encoded = entry.partition(":")
            key_id = key_id.strip()
            if not sep:
                # Never echo the entry: it may be a bare key pasted without its id.
                raise KeyringError(f"master key entry {position} is not '<key_id>:<base64>'")
            _check_key_id(key_id)
            if key_id in keys:
                raise KeyringError(f"master key id {key_id!r} appears twice")
            try:
                keys[key_id] = base64.b64decode(encoded.strip(), validate=True)
            except binascii.Error:
                raise KeyringError(f"master key {key_id!r} is not valid base64") from None
        return cls(keys, next(iter(keys)))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> MasterKeyring:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise KeyringError(
                f"cannot read master key file {os.fspath(path)!r}: {reason}"
            ) from None
        return cls.from_config(text)

    def to_config(self) -> str:
        """The configuration string, active key first. Secret: write it only to a key file."""
        ordered = [self._active_key_id, *(k for k in self._keys if k != self._active_key_id)]
        return ",".join(f"{k}:{base64.b64encode(self._keys[k]).decode('ascii')}" for k in ordered)

    def rotated(self, new_key_id: str) -> MasterKeyring:
        """A copy with a fresh active key ``new_key_id``; the current keys stay for unwrap."""
        if new_key_id in self._keys:
            raise KeyringError(f"master key id {new_key_id!r} is already in the keyring")
        new_key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        return MasterKeyring({new_key_id: new_key, **self._keys}, new_key_id)

    @property
    def active_key_id(self) -> str:
        return self._active_key_id

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._keys)

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._keys

    def holds_key_material(self, key: bytes) -> bool:
        """Whether ``key`` equals one of the master keys (to refuse reusing one elsewhere)."""
        return any(hmac.compare_digest(key, held) for held in self._keys.values())

    def _aead_for(self, key_id: str) -> AESGCM:
        try:
            return self._aead[key_id]
        except KeyError:
            raise UnknownKeyError(
                f"master key {key_id!r} is not in the keyring (holds: {', '.join(self._keys)}); "
                "was it removed before every wrapped key was re-wrapped?"
            ) from None

    def __repr__(self) -> str:
        return f"MasterKeyring(active={self._active_key_id!r}, key_ids={list(self._keys)!r})"

    __str__ = __repr__

    def __reduce__(self) -> str | tuple[object, ...]:
        # Pickling would copy key material into caches, queues or crash dumps.
        raise TypeError("MasterKeyring cannot be pickled")


@dataclasses.dataclass(frozen=True, slots=True)
class WrappedKey:
    """A case's data key encrypted under the master key ``key_id`` (stored with the case)."""

    key_id: str
    blob: bytes = dataclasses.field(repr=False)


def new_data_key() -> bytes:
    """A fresh random 256-bit data key; one per case, never stored unwrapped."""
    return secrets.token_bytes(KEY_BYTES)


def wrap(keyring: MasterKeyring, data_key: bytes, case_id: str) -> WrappedKey:
    """Encrypt ``data_key`` under the active master key, bound to ``case_id``."""
    _check_data_key(data_key)
    key_id = keyring.active_key_id
    # Random nonces are safe for up to ~2**32 wraps per master key; rotation keeps us far below.
    nonce = secrets.token_bytes(NONCE_BYTES)
    aad = _aad(_WRAP_DOMAIN, bytes([FORMAT_V1]), key_id.encode(), _case(case_id))
    ciphertext = keyring._aead_for(key_id).encrypt(nonce, data_key, aad)
    return WrappedKey(key_id=key_id, blob=bytes([FORMAT_V1]) + nonce + ciphertext)


def unwrap(keyring: MasterKeyring, wrapped: WrappedKey, case_id: str) -> bytes:
    """The data key of ``case_id``; raises UnknownKeyError or DecryptionError."""
    aead = keyring._aead_for(wrapped.key_id)
    nonce, ciphertext = _split(wrapped.blob, KEY_BYTES, what="wrapped data key")
    aad = _aad(_WRAP_DOMAIN, bytes([FORMAT_V1]), wrapped.key_id.encode(), _case(case_id))
    try:
        return aead.decrypt(nonce, ciphertext, aad)
    except InvalidTag:
        raise DecryptionError(
            f"wrapped data key (master key {wrapped.key_id!r}) failed authentication: "
            "wrong case, wrong master key or tampered blob"
        ) from None


def rewrap(keyring: MasterKeyring, wrapped: WrappedKey, case_id: str) -> WrappedKey:
    """Re-encrypt a wrapped key under the active master key; field ciphertexts stay as they are.

    A key already under the active master key is returned unchanged, so a rotation job can run
    again after a crash and skip the work already done.
    """
    if wrapped.key_id == keyring.active_key_id:
        return wrapped
    return wrap(keyring, unwrap(keyring, wrapped, case_id), case_id)


def encrypt_field(data_key: bytes, case_id: str, field: str, plaintext: bytes) -> bytes:
    """``0x01 || nonce(12) || AES-256-GCM(plaintext) || tag(16)``, bound to case id and field."""
    _check_data_key(data_key)
    # A data key encrypts a handful of fields of one case, far below the random-nonce limit.
    nonce = secrets.token_bytes(NONCE_BYTES)
    ciphertext = AESGCM(data_key).encrypt(nonce, plaintext, _field_aad(case_id, field))
    return bytes([FORMAT_V1]) + nonce + ciphertext


def decrypt_field(data_key: bytes, case_id: str, field: str, blob: bytes) -> bytes:
    """The plaintext of ``field`` of ``case_id``; raises DecryptionError if anything differs."""
    _check_data_key(data_key)
    nonce, ciphertext = _split(blob, 0, what=f"field {field!r}")
    try:
        return AESGCM(data_key).decrypt(nonce, ciphertext, _field_aad(case_id, field))
    except InvalidTag:
        raise DecryptionError(
            f"field {field!r} failed authentication: wrong data key, a ciphertext copied from "
            "another case or field, or a tampered blob"
        ) from None


def load_private_key_pem(source: bytes | str | os.PathLike[str]) -> Ed25519PrivateKey:
    """An unencrypted PKCS#8 Ed25519 private key: PEM bytes, or a path (``str`` is a path)."""
    key = serialization.load_pem_private_key(_pem_bytes(source), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise CryptoError("the private key is not an Ed25519 key")
    return key


def load_public_key_pem(source: bytes | str | os.PathLike[str]) -> Ed25519PublicKey:
    """A SubjectPublicKeyInfo Ed25519 public key: PEM bytes, or a path (``str`` is a path)."""
    key = serialization.load_pem_public_key(_pem_bytes(source))
    if not isinstance(key, Ed25519PublicKey):
        raise CryptoError("the public key is not an Ed25519 key")
    return key


def generate_ed25519_keypair_pem() -> tuple[bytes, bytes]:
    """(PKCS#8 private PEM, SubjectPublicKeyInfo public PEM), unencrypted; for development."""
    private = Ed25519PrivateKey.generate()
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def _pem_bytes(source: bytes | str | os.PathLike[str]) -> bytes:
    if isinstance(source, bytes):
        return source
    return Path(source).read_bytes()


def _check_key_id(key_id: str) -> None:
    if not _KEY_ID_RE.fullmatch(key_id):
        raise KeyringError(f"invalid master key id {key_id[:64]!r}: use [A-Za-z0-9._-], max 64")


def _check_data_key(data_key: bytes) -> None:
    if len(data_key) != KEY_BYTES:
        raise CryptoError(f"a data key must be {KEY_BYTES} bytes")


def _case(case_id: str) -> bytes:
    if not case_id:
        raise CryptoError("a case id is required to bind the ciphertext")
    return case_id.encode("utf-8")


def _field_aad(case_id: str, field: str) -> bytes:
    if not field:
        raise CryptoError("a field name is required to bind the ciphertext")
    return _aad(_FIELD_DOMAIN, bytes([FORMAT_V1]), _case(case_id), field.encode("utf-8"))


def _aad(*parts: bytes) -> bytes:
    # Length-prefixed so that no two different (case, field) pairs give the same bytes.
    return b"".join(struct.pack(">I", len(part)) + part for part in parts)


def _split(blob: bytes, plaintext_bytes: int, *, what: str) -> tuple[bytes, bytes]:
    if len(blob) < 1 + NONCE_BYTES + plaintext_bytes + TAG_BYTES:
        raise DecryptionError(f"{what}: blob is truncated")
    if blob[0] != FORMAT_V1:
        raise DecryptionError(f"{what}: unknown format version {blob[0]}")
    return blob[1 : 1 + NONCE_BYTES], blob[1 + NONCE_BYTES :]
