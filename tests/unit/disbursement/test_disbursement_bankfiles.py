"""pain.001 and CSV exports: schema-valid, and their totals are the batch's."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path
from uuid import uuid4

import pytest
import sepaxml
import xmlschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.disbursement_mothers import IBAN_CH, IBAN_DE, IBAN_GB, NOW, TODAY

from services.disbursement.bankfiles import (
    DRAFT_MARK,
    PAIN001_SCHEMAS,
    DebtorAccount,
    export_csv,
    export_pain001,
    pain001_totals,
)
from services.disbursement.domain.batches import Batch, BatchLine
from services.disbursement.domain.payees import BankAccount
from shared.errors import DomainError
from shared.money import Money

DEBTOR = DebtorAccount.parse("Victims Fund", IBAN_CH, "UBSWCHZH80A")
ACCOUNTS = [BankAccount.parse(IBAN_DE), BankAccount.parse(IBAN_GB), BankAccount.parse(IBAN_CH)]


@cache
def xsd(schema: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(Path(sepaxml.__file__).parent / "schemas" / f"{schema}.xsd")


def batch_of(amounts: list[int], currency: str = "CHF", *, approved: bool = True) -> Batch:
    lines = tuple(
        BatchLine(uuid4(), uuid4(), uuid4(), f"Clinic Ñ{i}", ACCOUNTS[i % 3], Money(m, currency))
        for i, m in enumerate(amounts)
    )
    batch = Batch(uuid4(), currency, lines, "finance-1", NOW)
    return replace(batch, status="approved", approved_by="finance-2") if approved else batch


def export(batch: Batch, schema: str = "pain.001.001.09") -> bytes:
    return export_pain001(
        batch, DEBTOR, execution_date=TODAY + timedelta(days=1), created_at=NOW, schema=schema
    )


def header(xml: bytes) -> tuple[str, str, str]:
    root = ET.fromstring(xml)
    ns = {"p": root.tag[1:].partition("}")[0]}
    found = [root.findtext(f"p:CstmrCdtTrfInitn/p:GrpHdr/p:{tag}", "", ns) for tag in
             ("NbOfTxs", "CtrlSum", "MsgId")]  # fmt: skip
    return found[0], found[1], found[2]


@pytest.mark.parametrize("schema", PAIN001_SCHEMAS)
@pytest.mark.parametrize("currency", ["CHF", "EUR", "USD"])
def test_pain001_validates_and_carries_the_batch_totals(schema: str, currency: str) -> None:
    batch = batch_of([125000, 1, 99999], currency)
    xml = export(batch, schema)
    assert xsd(schema).is_valid(xml.decode())
    count, total, msg_id = header(xml)
    assert (int(count), Decimal(total)) == (3, Decimal("2250.00"))
    assert (int(count), Decimal(total)) == (batch.count, batch.total.decimal)
    assert msg_id == batch.batch_id.hex
    text = xml.decode()
    assert ("<Cd>SEPA</Cd>" in text) is (currency == "EUR")
    assert ("<ChrgBr>SHAR</ChrgBr>" in text) is (currency != "EUR")
    assert "Clinic N0" in text  # transliterated for banks that only take the Latin set


def test_pain001_is_reproducible_from_the_batch() -> None:
    batch = batch_of([500, 700])
    assert export(batch) == export(batch)


@pytest.mark.parametrize(
    ("batch", "code"),
    [
        (batch_of([100], approved=False), "batch_not_approved"),
        (batch_of([100], "JPY"), "pain001_currency_unsupported"),
        (batch_of([100], "KWD"), "pain001_currency_unsupported"),
    ],
)
def test_pain001_refuses(batch: Batch, code: str) -> None:
    with pytest.raises(DomainError) as err:
        export(batch)
    assert err.value.code == code


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("currency", ["CHF", "JPY", "KWD"])
def test_csv_totals_match_the_batch(currency: str) -> None:
    batch = batch_of([125000, 1, 99999], currency)
    *payments, total = rows(export_csv(batch))
    assert [r["record"] for r in payments] == ["payment"] * 3
    assert total["record"] == "total"
    assert sum(Money.parse(r["amount"], currency).minor for r in payments) == batch.total.minor
    assert Money.parse(total["amount"], currency) == batch.total
    assert int(total["count"]) == batch.count == len(payments)
    assert {r["batch_status"] for r in [*payments, total]} == {"APPROVED"}


def test_draft_csv_is_visibly_not_final() -> None:
    text = export_csv(batch_of([100], approved=False))
    assert {r["batch_status"] for r in rows(text)} == {DRAFT_MARK}


def test_csv_neutralises_formulas() -> None:
    batch = batch_of([100])
    batch = replace(batch, lines=(replace(batch.lines[0], creditor_name="=HYPERLINK(1)"),))
    assert rows(export_csv(batch))[0]["creditor_name"] == "'=HYPERLINK(1)"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    amounts=st.lists(st.integers(min_value=1, max_value=10**11), min_size=1, max_size=12),
    currency=st.sampled_from(["CHF", "EUR", "GBP"]),
)
def test_pain001_totals_property(amounts: list[int], currency: str) -> None:
    batch = batch_of(amounts, currency)
    xml = export(batch)
    assert xsd("pain.001.001.09").is_valid(xml.decode())
    assert pain001_totals(xml) == (batch.count, batch.total.decimal)
    *payments, total = rows(export_csv(batch))
    assert Money.parse(total["amount"], currency).minor == sum(amounts)
    assert len(payments) == len(amounts)


def test_debtor_account_is_validated() -> None:
    with pytest.raises(DomainError) as err:
        DebtorAccount.parse("Fund", "CH93 0076 2011 6238 5295 8")
    assert err.value.code == "invalid_iban"
