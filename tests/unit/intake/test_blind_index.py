"""Unit tests for the keyed blind indexes behind duplicate detection."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import date

import pytest

from services.intake.blind_index import (
    DIGEST_BYTES,
    KIND_EMAIL,
    KIND_NAME,
    KIND_PHONE,
    KIND_PHONETIC_NAME_DOB,
    BlindIndexKeyError,
    VictimIdentity,
    blind_index_key_from_config,
    blind_tokens,
    emails_in,
    name_parts,
    phones_in,
)
from shared.crypto import MasterKeyring

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
DOB = date(1990, 1, 5)


def kinds_in_common(
    a: VictimIdentity, b: VictimIdentity, calling_code: str | None = None
) -> set[str]:
    first = set(blind_tokens(KEY, a, calling_code=calling_code))
    second = set(blind_tokens(KEY, b, calling_code=calling_code))
    return {kind for kind, _ in first & second}


# --- names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        "jose  perez",
        "PEREZ, Jose",
        "Pérez José",
        "  JOSÉ\tPÉREZ. ",
        "José-Pérez",
        "\uff2a\uff2f\uff33\uff25 \uff30\uff25\uff32\uff25\uff3a",  # full-width forms
    ],
)
def test_name_variants_match(variant: str) -> None:
    assert kinds_in_common(VictimIdentity("José Pérez"), VictimIdentity(variant)) == {KIND_NAME}


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("Doe John", ["doe", "john"]),
        ("John Doe", ["doe", "john"]),
        ("O\u2019Brien, Seán", ["obrien", "sean"]),
        ("O'Brien Sean", ["obrien", "sean"]),
        ("Łukasz Żółć", ["lukasz", "zolc"]),
        ("Straße", ["strasse"]),
        ("Søren Ærø", ["aero", "soren"]),
        ("", []),
        (" ,.- ", []),
    ],
)
def test_name_parts(name: str, parts: list[str]) -> None:
    assert name_parts(name) == parts


@pytest.mark.parametrize(
    "other",
    ["José Pereira", "Jose", "Jose Perez Garcia", "Josefa Perez"],
)
def test_different_names_do_not_match(other: str) -> None:
    assert not kinds_in_common(VictimIdentity("José Pérez", DOB), VictimIdentity(other, DOB))


def test_blank_name_yields_no_token() -> None:
    # Otherwise every record with an unreadable name would match every other one.
    assert blind_tokens(KEY, VictimIdentity(" - ", DOB)) == []


def test_non_latin_names_get_a_name_token_but_no_phonetic_one() -> None:
    result = {kind for kind, _ in blind_tokens(KEY, VictimIdentity("محمد علي", DOB))}
    assert result == {KIND_NAME}
    assert kinds_in_common(VictimIdentity("محمد علي"), VictimIdentity("علي محمد")) == {KIND_NAME}


# --- phonetic name with date of birth -------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Mohammed Ali", "Muhammad Ali"),
        ("Mohammed Ali", "ALI, Mohamed"),
        ("Youssef Hussein", "Yusuf Husain"),
        ("Katherine Smith", "Catherine Smith"),
    ],
)
def test_phonetic_variants_with_same_dob_match(first: str, second: str) -> None:
    common = kinds_in_common(VictimIdentity(first, DOB), VictimIdentity(second, DOB))
    assert common == {KIND_PHONETIC_NAME_DOB}


def test_phonetic_variants_with_different_dob_do_not_match() -> None:
    a = VictimIdentity("Mohammed Ali", DOB)
    b = VictimIdentity("Muhammad Ali", date(1990, 1, 6))
    assert not kinds_in_common(a, b)


def test_phonetic_token_needs_a_date_of_birth() -> None:
    assert not kinds_in_common(VictimIdentity("Mohammed Ali"), VictimIdentity("Muhammad Ali"))
    assert {kind for kind, _ in blind_tokens(KEY, VictimIdentity("Mohammed Ali"))} == {KIND_NAME}


def test_same_name_same_dob_matches_on_both_kinds() -> None:
    common = kinds_in_common(VictimIdentity("John Doe", DOB), VictimIdentity("doe john", DOB))
    assert common == {KIND_NAME, KIND_PHONETIC_NAME_DOB}


# --- phones and e-mails ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    [
        "0041791234567",
        "+41791234567",
        "+41 (0)79 123 45 67",
        "tel. +41-79-123.45.67, evenings",
        "call her sister: 0041 79 123 45 67",
    ],
)
def test_phone_variants_match(variant: str) -> None:
    a = VictimIdentity("A B", contact="+41 79 123 45 67")
    b = VictimIdentity("C D", contact=variant)
    assert kinds_in_common(a, b) == {KIND_PHONE}


def test_national_form_matches_only_with_a_calling_code() -> None:
    a = VictimIdentity("A B", contact="+41 79 123 45 67")
    b = VictimIdentity("C D", contact="079 123 45 67")
    assert not kinds_in_common(a, b)
    assert kinds_in_common(a, b, calling_code="41") == {KIND_PHONE}


def test_national_forms_match_each_other() -> None:
    a = VictimIdentity("A B", contact="079 123 45 67")
    b = VictimIdentity("C D", contact="(079) 123-4567")
    assert kinds_in_common(a, b) == {KIND_PHONE}


@pytest.mark.parametrize(
    ("contact", "numbers"),
    [
        ("+41 79 123 45 67", ["41791234567"]),
        ("0041791234567", ["41791234567"]),
        ("079 123 45 67", ["791234567"]),
        ("tel:+1 (212) 555-1234", ["12125551234"]),
        ("079/123 45 67 / 078 987 65 43", ["791234567", "789876543"]),
        ("0791234567/0789876543", ["791234567", "789876543"]),
        ("123 45", []),  # too short to be a phone number
        ("12 34 56", []),  # 6 digits
        ("born 05.01.1990, seen 2024-01-05", []),  # dates are not phone numbers
        ("jane1234567@example.org", []),  # digits inside an e-mail address
        ("079 123 45 67 078 987 65 43", []),  # two numbers only spaces apart: not guessed
        ("no phone", []),
    ],
)
def test_phones_in(contact: str, numbers: list[str]) -> None:
    assert phones_in(contact) == numbers


def test_phones_in_with_calling_code() -> None:
    assert phones_in("079 123 45 67", "41") == ["41791234567"]
    assert phones_in("0041 79 123 45 67", "41") == ["41791234567"]
    assert phones_in("212 555 1234", "41") == ["2125551234"]  # no trunk 0: left as written
    with pytest.raises(ValueError, match="calling_code"):
        phones_in("079 123 45 67", "+41")


def test_different_phones_do_not_match() -> None:
    a = VictimIdentity("A B", contact="+41 79 123 45 67")
    b = VictimIdentity("C D", contact="+41 79 123 45 68")
    assert not kinds_in_common(a, b)


def test_email_matches_case_insensitively() -> None:
    a = VictimIdentity("A B", contact="Jane.Doe@Example.org")
    b = VictimIdentity("C D", contact="write to jane.doe@example.ORG.")
    assert kinds_in_common(a, b) == {KIND_EMAIL}


def test_emails_in() -> None:
    assert emails_in("a@b.org; x.y+z@mail.example.com") == ["a@b.org", "x.y+z@mail.example.com"]
    assert emails_in("no address @ all") == []
    # No provider-specific guessing: a +tag or dots make a different address.
    assert emails_in("jane+x@example.org") != emails_in("jane@example.org")


def test_contact_with_phone_and_email_yields_both() -> None:
    victim = VictimIdentity("A B", contact="+41 79 123 45 67, a@b.org, again +41791234567")
    kinds = [kind for kind, _ in blind_tokens(KEY, victim)]
    assert kinds == [KIND_NAME, KIND_PHONE, KIND_EMAIL]  # the repeated number is one token


# --- keys, digests, domain separation -------------------------------------------------------


def test_digests_are_truncated_hmac_sha256_with_a_kind_prefix() -> None:
    [(kind, digest)] = blind_tokens(KEY, VictimIdentity("John Doe"))
    expected = hmac.new(KEY, b"vfund/blind-index/v1/name\x00doe john", hashlib.sha256).digest()
    assert kind == KIND_NAME
    assert len(digest) == DIGEST_BYTES == 16
    assert digest == expected[:16]


def test_different_key_gives_different_digests() -> None:
    victim = VictimIdentity("John Doe", DOB, "+41 79 123 45 67 j@d.org")
    mine = dict(blind_tokens(KEY, victim))
    theirs = dict(blind_tokens(OTHER_KEY, victim))
    assert mine.keys() == theirs.keys()
    assert all(mine[kind] != theirs[kind] for kind in mine)


def test_kinds_are_domain_separated() -> None:
    # A "name" of digits and a phone number normalise to the same string.
    by_name = dict(blind_tokens(KEY, VictimIdentity("41791234567")))
    by_phone = dict(blind_tokens(KEY, VictimIdentity("x y", contact="+41791234567")))
    assert by_name[KIND_NAME] != by_phone[KIND_PHONE]


def test_tokens_do_not_contain_the_plaintext() -> None:
    victim = VictimIdentity("John Doe", DOB, "+41 79 123 45 67")
    for _, digest in blind_tokens(KEY, victim):
        assert b"doe" not in digest
        assert b"4179" not in digest


def test_short_key_refused() -> None:
    with pytest.raises(BlindIndexKeyError):
        blind_tokens(b"k" * 16, VictimIdentity("John Doe"))


def test_victim_repr_hides_personal_data() -> None:
    victim = VictimIdentity("John Doe", DOB, "+41 79 123 45 67")
    for text in (repr(victim), str(victim), f"{victim!r}", repr([victim])):
        assert "John" not in text
        assert "1990" not in text
        assert "+41" not in text


def test_key_from_config() -> None:
    key = bytes(range(32, 64))
    assert blind_index_key_from_config(base64.b64encode(key).decode()) == key
    with pytest.raises(BlindIndexKeyError, match="base64"):
        blind_index_key_from_config("not base64!")
    with pytest.raises(BlindIndexKeyError, match="at least 32"):
        blind_index_key_from_config(base64.b64encode(b"x" * 31).decode())


def test_key_must_not_be_a_master_key() -> None:
    key = bytes(range(32))
    master = MasterKeyring({"mk-1": key}, "mk-1")
    encoded = base64.b64encode(key).decode()
    with pytest.raises(BlindIndexKeyError, match="master"):
        blind_index_key_from_config(encoded, master=master)
    other = base64.b64encode(OTHER_KEY).decode()
    assert blind_index_key_from_config(other, master=master) == OTHER_KEY
