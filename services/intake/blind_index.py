"""Keyed blind indexes of a victim's identity, to find possible duplicates without decrypting."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import jellyfish

from shared.crypto import MasterKeyring

BLIND_INDEX_KEY_ENV = "VFUND_BLIND_INDEX_KEY"
MIN_KEY_BYTES = 32

# 128 bits: an accidental collision between two different values needs ~2**64 tokens, so every
# match is a real match of normalised values. Truncation is no privacy control: whoever holds the
# key can test guesses at any length, and whoever lacks it learns nothing at any length. Shorter
# digests would only add false "possible duplicate" alerts for assessors to clear.
DIGEST_BYTES = 16

KIND_NAME = "name"
KIND_PHONETIC_NAME_DOB = "phonetic_name_dob"
KIND_PHONE = "phone"
KIND_EMAIL = "email"

_DOMAIN = b"vfund/blind-index/v1/"

# Letters that NFKD does not decompose into a base letter plus a mark.
_FOLD = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "æ": "ae", "œ": "oe", "\u0131": "i"}
)
# Inside a name an apostrophe joins ("O'Brien" == "OBrien"); other punctuation separates parts.
_APOSTROPHES = re.compile("['`\u2018\u2019\u02bc\u00b4]")
_NON_WORD = re.compile(r"[\W_]+")

_EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)+")
# A phone candidate: optional "+", then digits with the separators people write.
_PHONE = re.compile(r"\+?\(?\d[\d\s().\-/]*\d")
# Dates are digit runs too; they must not become phone tokens ("2024-01-05", "05.01.2024").
_DATE = re.compile(r"\b(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{4})\b")
# A slash with a space beside it lists two numbers; a bare one sits inside one ("079/123 45 67").
_SPACED_SLASH = re.compile(r"\s+/\s*|\s*/\s+")
_TRUNK_ZERO_IN_BRACKETS = re.compile(r"\(\s*0\s*\)")  # "+41 (0)79 ..." means "+41 79 ..."
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 15  # E.164


class BlindIndexKeyError(ValueError):
    """The blind index key is missing, malformed, too short, or reuses a master key."""


@dataclass(frozen=True, slots=True)
class VictimIdentity:
    """The identifying fields of a victim that duplicate detection looks at (personal data)."""

    full_name: str
    date_of_birth: date | None = None
    contact: str | None = None

    def __repr__(self) -> str:
        # Personal data must never reach a log line through a repr.
        return "VictimIdentity(<redacted>)"


def blind_tokens(
    key: bytes, victim: VictimIdentity, *, calling_code: str | None = None
) -> list[tuple[str, bytes]]:
    """Deduplicated ``(kind, digest)`` pairs; two victims sharing any pair may be one person.

    The rule this encodes: same normalised name, or same phonetic name and date of birth, or
    same phone number, or same e-mail address. Digests are HMAC-SHA256 under ``key`` (never a
    master key), truncated to 16 bytes; compare them as ``(kind, digest)``.

    Kinds: ``name`` (normalised full name), ``phonetic_name_dob`` (metaphone of the name parts
    with the date of birth; only when the date is known), ``phone`` and ``email`` (each number or
    address found in ``contact``). ``calling_code`` (digits, e.g. "41"), when given, turns
    national numbers written with a trunk 0 into international form, so "079 123 45 67" matches
    "+41 79 123 45 67"; use it consistently for every record or not at all.
    """
    if len(key) < MIN_KEY_BYTES:
        raise BlindIndexKeyError(f"the blind index key must be at least {MIN_KEY_BYTES} bytes")
    values: list[tuple[str, str]] = []
    parts = name_parts(victim.full_name)
    if parts:
        values.append((KIND_NAME, " ".join(parts)))
        codes = sorted(jellyfish.metaphone(part) for part in parts)
        # A part without a code (a non-Latin script, digits) would make the token match on a
        # fragment of the name; skip it rather than widen the net.
        if victim.date_of_birth is not None and all(codes):
            values.append((KIND_PHONETIC_NAME_DOB, f"{' '.join(codes)}|{victim.date_of_birth}"))
    if victim.contact:
        values.extend((KIND_PHONE, phone) for phone in phones_in(victim.contact, calling_code))
        values.extend((KIND_EMAIL, email) for email in emails_in(victim.contact))
    seen: set[tuple[str, str]] = set()
    tokens: list[tuple[str, bytes]] = []
    for kind, value in values:
        if (kind, value) not in seen:
            seen.add((kind, value))
            tokens.append((kind, _digest(key, kind, value)))
    return tokens


def name_parts(full_name: str) -> list[str]:
    """Sorted name parts without case, diacritics or punctuation: "PEREZ, José" -> [jose, perez]."""
    # Apostrophes go first: NFKD turns an acute accent used as one into a space plus a mark.
    joined = _APOSTROPHES.sub("", full_name.casefold())
    decomposed = unicodedata.normalize("NFKD", joined)
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_FOLD)
    return sorted(part for part in _NON_WORD.split(text) if part)


def phones_in(contact: str, calling_code: str | None = None) -> list[str]:
    """Phone numbers in free text as digits: international ones with their country code.

    "+" or "00" marks an international number: the prefix goes, the rest stays. Otherwise one
    leading "0" is a national trunk prefix: dropped, or replaced by ``calling_code`` if given.
    Numbers without either are kept as written (we cannot tell a country code from an area code).
    Fewer than 7 or more than 15 digits is not a phone number we can match safely, so dates are
    removed first, and two numbers separated only by spaces are dropped rather than guessed at.
    """
    if calling_code is not None and not re.fullmatch(r"[1-9][0-9]{0,2}", calling_code):
        raise ValueError("calling_code must be 1-3 digits, e.g. '41'")
    text = _DATE.sub(" ; ", _EMAIL.sub(" ; ", contact))
    text = _TRUNK_ZERO_IN_BRACKETS.sub(" ", _SPACED_SLASH.sub(" ; ", text))
    numbers: list[str] = []
    for match in _PHONE.finditer(text):
        # Two numbers joined by a bare slash are too long for one; then try each side.
        raw = match.group()
        number = _phone_number(raw, calling_code)
        candidates = (
            [number] if number else [_phone_number(p, calling_code) for p in raw.split("/")]
        )
        numbers.extend(n for n in candidates if n)
    return numbers


def _phone_number(raw: str, calling_code: str | None) -> str | None:
    raw = raw.strip(" ()-.")
    digits = "".join(ch for ch in raw if ch.isdigit())
    if raw.startswith("+"):
        number = digits
    elif digits.startswith("00"):
        number = digits[2:]
    elif digits.startswith("0"):
        number = (calling_code or "") + digits[1:]
    else:
        number = digits
    return number if MIN_PHONE_DIGITS <= len(number) <= MAX_PHONE_DIGITS else None


def emails_in(contact: str) -> list[str]:
    """E-mail addresses in free text, case-folded; no provider rules (dots, +tags) are guessed."""
    text = unicodedata.normalize("NFKC", contact)
    return [match.group().strip(".").casefold() for match in _EMAIL.finditer(text)]


def blind_index_key_from_config(value: str, *, master: MasterKeyring | None = None) -> bytes:
    """Decode ``VFUND_BLIND_INDEX_KEY``: standard base64 of at least 32 random bytes.

    It must differ from every master key: the two are rotated and guarded separately, and
    rotating this one means recomputing every token (decrypting each case once).
    """
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except binascii.Error:
        raise BlindIndexKeyError(f"{BLIND_INDEX_KEY_ENV} is not valid base64") from None
    if len(key) < MIN_KEY_BYTES:
        raise BlindIndexKeyError(f"{BLIND_INDEX_KEY_ENV} must hold at least {MIN_KEY_BYTES} bytes")
    if master is not None and master.holds_key_material(key):
        raise BlindIndexKeyError(f"{BLIND_INDEX_KEY_ENV} must not be one of the master keys")
    return key


def _digest(key: bytes, kind: str, value: str) -> bytes:
    # The kind prefix keeps a phone number and a name that normalise alike from matching.
    message = _DOMAIN + kind.encode("ascii") + b"\x00" + value.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).digest()[:DIGEST_BYTES]
