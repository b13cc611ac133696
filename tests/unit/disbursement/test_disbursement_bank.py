"""What a bank file requires of a payee is checked when the payee is recorded: a name in the bank
character set, not empty, not too long; a valid IBAN and BIC; refusals in our own words."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.disbursement_mothers import IBAN_CH, NOW, TODAY, case, grant, payee

from services.disbursement.bankfiles import export_pain001, pain001_totals
from services.disbursement.domain.batches import approve_batch, create_batch
from services.disbursement.domain.payees import (
    BANK_CHARACTERS,
    BankAccount,
    DebtorAccount,
    Payee,
    bank_name,
    register_payee,
)
from services.disbursement.domain.payments import Payment, open_payment
from services.disbursement.domain.reservations import reserve
from shared.errors import DomainError

DEBTOR = DebtorAccount.parse("Victims Fund", IBAN_CH)


def refusal(call: object) -> DomainError:
    assert callable(call)
    with pytest.raises(DomainError) as err:
        call()
    return err.value


@pytest.mark.parametrize(
    ("name", "bank"),
    [
        ("Médecins du Monde", "Medecins du Monde"),
        ("Straße & Söhne", "Strasse + Sohne"),
        ("Ølstykke  Łódź\u00a0Clinic", "Olstykke Lodz Clinic"),
        ("\uff23\uff2c\uff29\uff2e\uff29\uff23 \uff21", "CLINIC A"),  # full-width letters
        ("O\u2019Brien \u2013 Legal", "O'Brien - Legal"),
        ("x" * 70, "x" * 70),
    ],
)
def test_names_are_transliterated_to_the_bank_set(name: str, bank: str) -> None:
    assert bank_name(name) == bank
    assert set(bank) <= BANK_CHARACTERS


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Клиника", "bank_name_characters"),  # another script: the Latin name the bank holds
        ("عيادة", "bank_name_characters"),
        ("Clinic 50%", "bank_name_characters"),
        ("Clinic_A", "bank_name_characters"),
        ("Clinic @ Home", "bank_name_characters"),
        ("\u200b\u200b", "bank_name_empty"),
        ("...", "bank_name_empty"),
        ("x" * 71, "bank_name_too_long"),
        ("ß" * 36, "bank_name_too_long"),  # 72 once spelt out
    ],
)
def test_a_name_no_bank_file_can_carry_is_refused_naming_the_field(name: str, code: str) -> None:
    err = refusal(
        lambda: register_payee(
            payee_id=uuid4(),
            org_id="org-a",
            kind="provider",
            name=name,
            iban=IBAN_CH,
            bic=None,
            is_default=False,
            requested_by="finance-1",
            at=NOW,
        )
    )
    assert err.code == code
    assert err.errors == [{"field": "body.name", "code": code, "message": err.detail}]
    assert name not in err.detail


@pytest.mark.parametrize(
    ("iban", "bic", "code", "field"),
    [
        ("DE89370400440532013001", None, "invalid_iban", "body.iban"),  # check digits
        ("XX89370400440532013000", None, "invalid_iban", "body.iban"),  # no such country
        ("DE8937040044053201300", None, "invalid_iban", "body.iban"),  # too short
        ("GB33BUKB2020155555555X", None, "invalid_iban", "body.iban"),  # structure
        ("DE89370400440532013000", "ABCDZZ22", "invalid_bic", "body.bic"),  # no country ZZ
        ("DE89370400440532013000", "1234567", "invalid_bic", "body.bic"),
    ],
)
def test_bank_detail_refusals_never_quote_the_library_or_the_account(
    iban: str, bic: str | None, code: str, field: str
) -> None:
    err = refusal(lambda: BankAccount.parse(iban, bic))
    assert err.code == code
    assert err.errors is not None and err.errors[0]["field"] == field
    for leaked in (iban, bic or iban, "BBAN", "schwifty", "Invalid", "doesn't match"):
        assert leaked not in err.detail


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=90))
def test_a_payee_recorded_can_always_be_paid_by_a_valid_pain001(name: str) -> None:
    """Whatever name an officer types: either a clear refusal, or a payee whose approved batch
    becomes a bank file (export_pain001 validates it against the XSD, or raises)."""
    try:
        recorded = payee(name=name)
    except DomainError as err:
        refused = err.code
    else:
        refused = None
    if refused is not None:
        assert refused.startswith(("bank_name_", "invalid_payee"))
        return
    payment = _scheduled_payment(recorded)
    made = create_batch(
        batch_id=uuid4(),
        currency="CHF",
        payments=[payment],
        payees={recorded.payee_id: recorded},
        created_by="finance-1",
        at=NOW,
    )
    batch = approve_batch(made.batch, approved_by="finance-2", at=NOW).state
    assert batch.lines[0].creditor_name == bank_name(name)
    xml = export_pain001(batch, DEBTOR, execution_date=TODAY + timedelta(days=1), created_at=NOW)
    assert pain001_totals(xml) == (1, Decimal("300.00"))
    assert bank_name(name).encode() in xml


def _scheduled_payment(recorded: Payee) -> Payment:
    reserved = reserve(case(("medical", "300.00", "CHF")), [grant()], [], today=TODAY, at=NOW)
    assert reserved.reservation is not None
    opened = open_payment(reserved.reservation, payment_id=uuid4(), default=recorded, at=NOW)
    assert opened.state.status == "scheduled"
    return opened.state
