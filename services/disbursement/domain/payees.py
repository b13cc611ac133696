"""Payees under four eyes, and what a bank file requires of the account they are paid on."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal
from uuid import UUID

from schwifty import BIC, IBAN
from schwifty import exceptions as bank

from services.disbursement.domain.common import DomainEvent, Outcome, conflict, invalid
from shared.errors import DomainError

PayeeKind = Literal["organisation", "provider"]

# The Latin character set every SEPA bank takes (EPC guidance), and the length of a name that
# every pain.001 version carries whole (Max70Text in pain.001.001.03).
BANK_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ "
)
BANK_NAME_LENGTH = 70
# Letters that carry no diacritic to strip, spelt as banks spell them; '&' as EPC suggests.
_LATIN = str.maketrans(
    {
        "ß": "ss",
        "Æ": "AE",
        "æ": "ae",
        "Œ": "OE",
        "œ": "oe",
        "Ø": "O",
        "ø": "o",
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "Þ": "TH",
        "þ": "th",
        "Ð": "D",
        "ð": "d",
        "\u0131": "i",
        "&": "+",
        "\u2019": "'",
        "\u2018": "'",
        "\u2013": "-",
        "\u2014": "-",
    }
)
_IBAN_REFUSALS: tuple[tuple[type[Exception], str], ...] = (
    (bank.InvalidCountryCode, "the IBAN's country code is not one that issues IBANs"),
    (bank.InvalidLength, "the IBAN has the wrong length for its country"),
    (bank.InvalidChecksumDigits, "the IBAN's check digits do not match: a typing error?"),
    (bank.InvalidBBANChecksum, "the IBAN's national check digits do not match"),
)


def bank_name(name: str, *, field: str = "name") -> str:
    """The name as a bank file carries it: transliterated to the SEPA Latin set (diacritics
    dropped, a few letters spelt out), single spaces, at most 70 characters. Refused when
    something outside that set remains (another script: give the Latin name the bank holds)
    or nothing is left."""
    decomposed = unicodedata.normalize("NFKD", name.translate(_LATIN))
    latin = "".join(c for c in decomposed if not unicodedata.combining(c))
    text = " ".join(latin.split())
    if not any(c.isalnum() for c in text):
        raise invalid(
            "bank_name_empty", "the name has no letter or digit a bank can carry", field=field
        )
    if not set(text) <= BANK_CHARACTERS:
        detail = (
            "a bank file carries only Latin letters, digits, spaces and / - ? : ( ) . , ' +"
            " (accents are dropped): give the name in Latin letters, as the bank holds it"
        )
        raise invalid("bank_name_characters", detail, field=field)
    if len(text) > BANK_NAME_LENGTH:
        detail = f"a bank file carries at most {BANK_NAME_LENGTH} characters of a name"
        raise invalid("bank_name_too_long", detail, field=field)
    return text


@dataclass(frozen=True, slots=True)
class BankAccount:
    """A validated IBAN and, when the officer gave one, BIC (both compact).

    No BIC is ever guessed from the IBAN: the account paid is exactly what one officer entered and
    a second confirmed. (A registry lookup would also cost every disbursement process ~5 MB for a
    table of mostly SEPA banks, where an IBAN alone routes the payment.) The refusals are in our
    words: a library's message would quote the account and name its own internals."""

    iban: str
    bic: str | None = None

    @classmethod
    def parse(cls, iban: str, bic: str | None = None) -> BankAccount:
        try:
            parsed = IBAN(iban)
        except (bank.SchwiftyException, ValueError) as exc:
            detail = next((d for kind, d in _IBAN_REFUSALS if isinstance(exc, kind)), None)
            raise invalid(
                "invalid_iban", detail or "this is not a valid IBAN", field="iban"
            ) from exc
        if not bic:
            return cls(parsed.compact, None)
        try:
            return cls(parsed.compact, BIC(bic).compact)
        except (bank.SchwiftyException, ValueError) as exc:
            raise invalid(
                "invalid_bic",
                "this is not a valid BIC (8 or 11 characters: bank,"
                " country, location, optional branch)",
                field="bic",
            ) from exc


@dataclass(frozen=True, slots=True)
class DebtorAccount:
    """The fund's own account that a batch is paid from (configuration, checked at startup as a
    payee's account is when recorded)."""

    name: str
    account: BankAccount

    @classmethod
    def parse(cls, name: str, iban: str, bic: str | None = None) -> DebtorAccount:
        if not name.strip():
            raise invalid("invalid_debtor", "the debtor name must not be blank")
        return cls(bank_name(name), BankAccount.parse(iban, bic))


@dataclass(frozen=True, slots=True)
class Payee:
    """Who is paid. Only `account` (confirmed by a second officer) is ever paid; while a change
    is pending the payee is not active, so nobody is paid on unconfirmed details."""

    payee_id: UUID
    org_id: str
    kind: PayeeKind
    name: str
    account: BankAccount | None
    pending_account: BankAccount | None
    pending_by: str | None
    is_default: bool
    created_at: datetime

    @property
    def active(self) -> bool:
        return self.account is not None and self.pending_account is None

    @property
    def status(self) -> Literal["active", "pending"]:
        return "active" if self.active else "pending"

    @property
    def bankable(self) -> bool:
        """Whether its name can go into a bank file (always, for payees recorded since the
        check; one recorded before it may need a new name)."""
        try:
            bank_name(self.name)
        except DomainError:
            return False
        return True


@dataclass(frozen=True, slots=True)
class PayeeRegistered(DomainEvent):
    payee_id: UUID
    org_id: str
    kind: PayeeKind
    is_default: bool
    requested_by: str


@dataclass(frozen=True, slots=True)
class PayeeBankDetailsChanged(DomainEvent):
    payee_id: UUID
    org_id: str
    requested_by: str


@dataclass(frozen=True, slots=True)
class PayeeConfirmed(DomainEvent):
    payee_id: UUID
    org_id: str
    confirmed_by: str


def register_payee(
    *,
    payee_id: UUID,
    org_id: str,
    kind: PayeeKind,
    name: str,
    iban: str,
    bic: str | None,
    is_default: bool,
    requested_by: str,
    at: datetime,
) -> Outcome[Payee]:
    """A payee as a bank file will need it: a name in the bank character set, a valid IBAN and
    BIC; pending until a second officer confirms it."""
    if kind not in ("organisation", "provider"):
        raise invalid("invalid_payee_kind", "must be organisation or provider", field="kind")
    if not name.strip() or not org_id.strip():
        raise invalid("invalid_payee", "name and org_id must not be blank")
    bank_name(name)
    account = BankAccount.parse(iban, bic)
    payee = Payee(payee_id, org_id, kind, name.strip(), None, account, requested_by, is_default, at)
    return Outcome(payee, (PayeeRegistered(payee_id, org_id, kind, is_default, requested_by),))


def change_bank_details(
    payee: Payee, *, iban: str, bic: str | None, requested_by: str
) -> Outcome[Payee]:
    changed = replace(payee, pending_account=BankAccount.parse(iban, bic), pending_by=requested_by)
    return Outcome(changed, (PayeeBankDetailsChanged(payee.payee_id, payee.org_id, requested_by),))


def confirm_payee(payee: Payee, *, confirmed_by: str) -> Outcome[Payee]:
    """The four-eyes step for new payees and for every change of bank details."""
    if payee.pending_account is None:
        raise conflict("payee_nothing_pending", "no bank details wait for confirmation")
    if confirmed_by == payee.pending_by:
        raise conflict("payee_same_officer", "a second finance officer must confirm")
    confirmed = replace(payee, account=payee.pending_account, pending_account=None, pending_by=None)
    return Outcome(confirmed, (PayeeConfirmed(payee.payee_id, payee.org_id, confirmed_by),))


def default_payee(org_id: str, payees: Sequence[Payee]) -> Payee | None:
    """The org's active default payee (the newest if several are flagged), else None."""
    found = [p for p in payees if p.org_id == org_id and p.is_default and p.active]
    return max(found, key=lambda p: p.created_at) if found else None
