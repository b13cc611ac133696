"""Every supported version of camt.053, camt.054 and pain.002 is read into the same values."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest
from support.disbursement_mothers import IBAN_CH, IBAN_DE, IBAN_GB, NOW, TODAY
from support.statements import (
    BOOKED_ON,
    CAMT_VERSIONS,
    FUND_IBAN,
    PAIN002_VERSIONS,
    Booking,
    Tx,
    TxStatus,
    batch_booking,
    booking,
    camt,
    in_other_currency,
    pain002,
    return_of,
    reversal_of,
    statement_from_pain001,
)

from services.disbursement.bankfiles import DebtorAccount, export_pain001
from services.disbursement.domain.batches import Batch, BatchLine
from services.disbursement.domain.payees import BankAccount
from services.disbursement.reconciliation import (
    BatchBooking,
    ReturnInfo,
    StatementFile,
    StatementKey,
    StatusReason,
    StatusReport,
    read_bank_file,
    read_statement,
    read_status_report,
    vfund_id,
)
from shared.errors import DomainError, Refusal
from shared.money import Money

KINDS = ("camt.053", "camt.054")
CAMT = [(k, v) for k in KINDS for v in CAMT_VERSIONS]
P, Q, B = UUID(int=1), UUID(int=2), UUID(int=3)
CHF = Money(125_000, "CHF")
EUR = Money(99_50, "EUR")


def shapes() -> list[Booking]:
    return [
        booking(P, CHF, bank_reference="B-1", batch=B),
        batch_booking(B, [(P, CHF), (Q, CHF)], bank_reference="B-2"),
        batch_booking(B, [(P, CHF), (Q, CHF)], bank_reference="B-3", details=False),
        return_of(P, CHF, reason="AC04", bank_reference="R-1"),
        reversal_of(Q, CHF, bank_reference="V-1"),
        in_other_currency(P, Money(9_800, "CHF"), EUR, bank_reference="FX-1"),
        Booking(CHF, status="PDNG", bank_reference="P-1"),
        Booking(Money(500, "CHF"), credit=True, bank_reference="C-1", entry_reference="7"),
        Booking(CHF, txs=(Tx(P.hex, CHF, proprietary_reason="X99"),), credit=True),
    ]


def read(kind: str, version: int, bookings: list[Booking], **kw: object) -> StatementFile:
    found = read_bank_file(camt(kind, version, bookings, **kw))  # type: ignore[arg-type]
    assert isinstance(found, StatementFile)
    return found


@pytest.mark.parametrize(("kind", "version"), CAMT)
def test_every_camt_version_reads_the_same_values(kind: str, version: int) -> None:
    file = read(kind, version, shapes(), statement_id="S-2025-03-04", message_id="M-1")
    assert file.message.name == f"{kind}.001.{version:02d}"
    assert file.message_id == "M-1"
    (statement,) = file.statements
    assert statement.key == StatementKey(FUND_IBAN, "S-2025-03-04")
    assert statement.account_currency == "CHF"
    single, batch, bare, ret, rev, fx, pending, credit, prtry = statement.entries
    assert [e.index for e in statement.entries] == list(range(9))
    assert (single.amount, single.direction, single.status, single.booked) == (
        CHF, "debit", "BOOK", True)  # fmt: skip
    assert (single.booking_date, single.value_date, single.bank_reference) == (
        BOOKED_ON, BOOKED_ON, "B-1")  # fmt: skip
    assert single.bank_transaction_code == "PMNT/ICDT/ESCT"
    (tx,) = single.transactions
    assert (vfund_id(tx.end_to_end_id), vfund_id(tx.payment_info_id), tx.amount) == (P, B, CHF)
    assert batch.batch == BatchBooking(B.hex, B.hex, 2, Money(250_000, "CHF"))
    assert [vfund_id(t.end_to_end_id) for t in batch.transactions] == [P, Q]
    assert bare.batch == batch.batch and bare.transactions == ()
    assert (ret.direction, ret.is_return, ret.reversal) == ("credit", True, False)
    assert ret.return_info == ReturnInfo("AC04")
    assert ret.bank_transaction_code == "PMNT/ICDT/RRTN"
    assert (rev.is_return, rev.reversal, rev.return_info) == (True, True, None)
    assert (fx.amount, fx.transactions[0].instructed_amount) == (Money(9_800, "CHF"), EUR)
    assert (pending.status, pending.booked) == ("PDNG", False)
    assert (credit.direction, credit.is_return, credit.entry_reference) == ("credit", False, "7")
    assert prtry.return_info == ReturnInfo("X99", proprietary=True)


@pytest.mark.parametrize("version", CAMT_VERSIONS)
def test_a_statement_made_from_vfunds_own_pain001_names_its_payments(version: int) -> None:
    accounts = [BankAccount.parse(IBAN_DE), BankAccount.parse(IBAN_GB)]
    lines = tuple(
        BatchLine(uuid4(), uuid4(), uuid4(), f"Clinic {i}", accounts[i % 2], Money(m, "EUR"))
        for i, m in enumerate([12_000, 3_050, 99_999])
    )
    batch = replace(Batch(uuid4(), "EUR", lines, "finance-1", NOW), status="approved")
    debtor = DebtorAccount.parse("Victims Fund", IBAN_CH)
    pain = export_pain001(batch, debtor, execution_date=TODAY + timedelta(days=1), created_at=NOW)
    for batched in (False, True):
        data = statement_from_pain001(pain, version=version, batch_booking_=batched)
        (statement,) = read_statement(data).statements
        assert statement.account == debtor.account.iban
        named = [vfund_id(t.end_to_end_id) for e in statement.entries for t in e.transactions]
        assert named == [line.payment_id for line in lines]
        assert sum(e.amount.minor for e in statement.entries) == batch.total.minor
        if batched:
            (entry,) = statement.entries
            assert entry.batch is not None
            assert vfund_id(entry.batch.payment_info_id) == batch.batch_id
            assert entry.batch.count == 3


@pytest.mark.parametrize("version", PAIN002_VERSIONS)
def test_every_pain002_version_reads_group_block_and_transaction_statuses(version: int) -> None:
    data = pain002(
        version=version, original_message_id=B.hex, payment_info_id=B.hex, group_status="PART",
        block_status="PART", statuses=[
            TxStatus(P.hex, "RJCT", "AC04", amount=CHF), TxStatus(Q.hex, "ACSC", None),
        ], message_id="STS-9",
    )  # fmt: skip
    report = read_status_report(data)
    assert isinstance(report, StatusReport)
    assert report.message.name == f"pain.002.001.{version:02d}"
    assert (report.key, report.original_message_id, report.group_status) == ("STS-9", B.hex, "PART")
    group, block, p, q = report.statuses
    assert (group.payment_info_id, group.end_to_end_id, group.status) == (None, None, "PART")
    assert (block.payment_info_id, block.end_to_end_id) == (B.hex, None)
    assert (p.status, p.rejected, p.reason, p.instructed_amount) == (
        "RJCT", True, StatusReason("AC04"), CHF)  # fmt: skip
    assert (vfund_id(p.end_to_end_id), p.payment_info_id) == (P, B.hex)
    assert (q.status, q.rejected, q.reason) == ("ACSC", False, None)
    assert [s.index for s in report.statuses] == [0, 1, 2, 3]


def test_a_group_rejection_without_blocks_is_one_status_for_the_whole_file() -> None:
    data = pain002(original_message_id=B.hex, group_status="RJCT", group_reason="FF01")
    (line,) = read_status_report(data).statuses
    assert (line.status, line.reason, line.payment_info_id) == ("RJCT", StatusReason("FF01"), None)


def test_several_statements_in_one_file_are_each_read_with_their_account() -> None:
    first = ET.fromstring(camt("camt.053", 5, [booking(P, CHF)], statement_id="A"))
    second = ET.fromstring(
        camt("camt.053", 5, [booking(Q, EUR)], statement_id="B", account=IBAN_DE.replace(" ", ""))
    )
    ns = {"d": "urn:iso:std:iso:20022:tech:xsd:camt.053.001.05"}
    body = first.find("d:BkToCstmrStmt", ns)
    assert body is not None
    body.extend(second.findall("d:BkToCstmrStmt/d:Stmt", ns))
    file = read_statement(ET.tostring(first))
    assert [s.key for s in file.statements] == [
        StatementKey(FUND_IBAN, "A"),
        StatementKey(IBAN_DE.replace(" ", ""), "B"),
    ]
    assert [vfund_id(s.entries[0].transactions[0].end_to_end_id) for s in file.statements] == [P, Q]


def refusal(data: bytes) -> DomainError:
    with pytest.raises(DomainError) as caught:
        read_bank_file(data)
    assert caught.value.refusal is Refusal.INVALID
    return caught.value


@pytest.mark.parametrize(
    ("amount", "currency", "says"),
    [
        ("12.345", "CHF", "more decimals than CHF"),
        ("12.5", "JPY", "more decimals than JPY"),
        ("10", "XAU", "not an active ISO 4217 currency"),
        ("9999999999999999", "CHF", "out of the range"),
    ],
)
def test_an_amount_vfund_cannot_hold_exactly_is_refused_naming_its_element(
    amount: str, currency: str, says: str
) -> None:
    data = camt("camt.054", 8, [booking(P, CHF)]).replace(
        b'<Amt Ccy="CHF">1250.00</Amt>', f'<Amt Ccy="{currency}">{amount}</Amt>'.encode(), 1
    )
    error = refusal(data)
    assert error.code == "bank_file_invalid"
    assert says in error.detail
    assert error.errors is not None
    assert error.errors[0]["field"] == "/Document/BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry/Amt"


def test_a_statement_read_as_a_status_report_and_back_is_refused() -> None:
    statement = camt("camt.053", 8, [booking(P, CHF)])
    report = pain002(original_message_id=B.hex, group_status="ACCP")
    with pytest.raises(DomainError) as caught:
        read_status_report(statement)
    assert caught.value.code == "bank_file_not_a_status_report"
    with pytest.raises(DomainError) as caught:
        read_statement(report)
    assert caught.value.code == "bank_file_not_a_statement"


def test_dates_are_calendar_days_whatever_the_choice_of_date_or_date_time() -> None:
    data = camt("camt.053", 8, [Booking(CHF, booked_on=date(2025, 1, 31), bank_reference="X")])
    data = data.replace(
        b"<BookgDt><Dt>2025-01-31</Dt>", b"<BookgDt><DtTm>2025-01-31T23:59:59.1234567+01:00</DtTm>"
    )
    (statement,) = read_statement(data).statements
    assert statement.entries[0].booking_date == date(2025, 1, 31)
