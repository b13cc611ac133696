"""Bank files for tests: camt.053/.054 (.001.02 to .08) and pain.002 (.001.03 to .10), built
from vfund's own pain.001 exports or by hand in the shapes banks send.

Each builder writes the elements in the order its version's XSD requires; the unit tests check
every shape of every version against the official schemas, so a builder that drifts fails there.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from uuid import UUID

from shared.money import Money, from_minor

BOOKED_ON = date(2025, 3, 4)
CREATED_AT = datetime(2025, 3, 4, 18, 0, tzinfo=UTC)
FUND_IBAN = "CH9300762011623852957"
CAMT_VERSIONS = tuple(range(2, 9))
PAIN002_VERSIONS = tuple(range(3, 11))


def ref(value: UUID | str) -> str:
    """A vfund id as vfund writes it into pain.001 (EndToEndId, PmtInfId, MsgId): 32 hex digits."""
    return value.hex if isinstance(value, UUID) else value


@dataclass(frozen=True)
class Tx:
    """One `TxDtls`: the references and amounts a bank echoes for one transfer."""

    end_to_end_id: str | None = None
    amount: Money | None = None
    payment_info_id: str | None = None
    message_id: str | None = None
    bank_reference: str | None = None
    instructed: Money | None = None
    return_reason: str | None = None  # an ISO code such as AC04
    proprietary_reason: str | None = None
    returned: bool = False  # RtrInf without a reason code
    creditor_name: str | None = None  # RltdPties/Cdtr: who was paid (vfund never reads it)
    remittance: str | None = None  # RmtInf/Ustrd: free text (vfund never reads it)


@dataclass(frozen=True)
class BatchInfo:
    """`Btch`: how a bank describes a batch booked as one entry."""

    payment_info_id: str | None = None
    message_id: str | None = None
    count: int | None = None
    total: Money | None = None


@dataclass(frozen=True)
class Booking:
    """One `Ntry`."""

    amount: Money
    credit: bool = False
    status: str = "BOOK"
    booked_on: date | None = BOOKED_ON
    value_on: date | None = None
    bank_reference: str | None = None
    entry_reference: str | None = None
    reversal: bool = False
    batch: BatchInfo | None = None
    txs: tuple[Tx, ...] = ()
    code: tuple[str, str, str] = ("PMNT", "ICDT", "ESCT")
    note: str | None = None  # AddtlNtryInf: free text (vfund never reads it)


# --- the shapes banks send ----------------------------------------------------------------------


def booking(payment: UUID | str, amount: Money, *, bank_reference: str = "B-1",
            batch: UUID | str | None = None, booked_on: date = BOOKED_ON) -> Booking:  # fmt: skip
    """A single credit transfer booked on its own, with its EndToEndId."""
    tx = Tx(ref(payment), amount, ref(batch) if batch else None, bank_reference=bank_reference)
    return Booking(amount, bank_reference=bank_reference, booked_on=booked_on, txs=(tx,))


def batch_booking(batch: UUID | str, payments: Sequence[tuple[UUID | str, Money]], *,
                  bank_reference: str = "B-BATCH", details: bool = True,
                  count: int | None = None, total: Money | None = None) -> Booking:  # fmt: skip
    """A batch booked as one entry: Btch with PmtInfId, count and sum, and (when `details`) one
    TxDtls per transfer."""
    amount = Money(sum(m.minor for _, m in payments), payments[0][1].currency)
    info = BatchInfo(ref(batch), ref(batch), len(payments) if count is None else count,
                     total or amount)  # fmt: skip
    txs = tuple(Tx(ref(p), m, ref(batch)) for p, m in payments) if details else ()
    return Booking(amount, bank_reference=bank_reference, batch=info, txs=txs)


def return_of(payment: UUID | str, amount: Money, *, reason: str | None = "AC04",
              bank_reference: str = "R-1", batch: UUID | str | None = None) -> Booking:  # fmt: skip
    """A credit transfer returned by the creditor's bank (RtrInf with an ISO reason code)."""
    tx = Tx(ref(payment), amount, ref(batch) if batch else None, return_reason=reason,
            returned=reason is None)  # fmt: skip
    return Booking(amount, credit=True, bank_reference=bank_reference, txs=(tx,),
                   code=("PMNT", "ICDT", "RRTN"))  # fmt: skip


def reversal_of(payment: UUID | str, amount: Money, *, bank_reference: str = "V-1",
                reason: str | None = None) -> Booking:  # fmt: skip
    """The bank undoes its own booking of a transfer (RvslInd), credited back."""
    tx = Tx(ref(payment), amount, return_reason=reason)
    return Booking(amount, credit=True, reversal=True, bank_reference=bank_reference, txs=(tx,))


def in_other_currency(payment: UUID | str, booked: Money, instructed: Money, *,
                      bank_reference: str = "FX-1") -> Booking:  # fmt: skip
    """A transfer instructed in one currency, debited from the account in another."""
    tx = Tx(ref(payment), booked, instructed=instructed, bank_reference=bank_reference)
    return Booking(booked, bank_reference=bank_reference, txs=(tx,))


# --- vfund's own pain.001 -----------------------------------------------------------------------


@dataclass(frozen=True)
class Pain001:
    message_id: str
    debtor_iban: str
    currency: str
    payment_info_id: str
    transfers: tuple[tuple[str, Money], ...] = field(default=())  # (EndToEndId, amount)


def read_pain001(xml: bytes) -> Pain001:
    """What a bank reads in vfund's pain.001 (our own export, so ElementTree is safe here)."""
    root = ET.fromstring(xml)
    ns = {"p": root.tag[1:].partition("}")[0]}
    initiation = root.find("p:CstmrCdtTrfInitn", ns)
    assert initiation is not None
    info = initiation.find("p:PmtInf", ns)
    assert info is not None
    transfers = []
    for tx in info.iterfind("p:CdtTrfTxInf", ns):
        amount = tx.find("p:Amt/p:InstdAmt", ns)
        assert amount is not None and amount.text
        money = Money.parse(amount.text, amount.get("Ccy", ""))
        transfers.append((tx.findtext("p:PmtId/p:EndToEndId", "", ns), money))
    iban = info.findtext("p:DbtrAcct/p:Id/p:IBAN", "", ns)
    return Pain001(initiation.findtext("p:GrpHdr/p:MsgId", "", ns), iban,
                   transfers[0][1].currency, info.findtext("p:PmtInfId", "", ns),
                   tuple(transfers))  # fmt: skip


def bookings_from_pain001(pain: Pain001, *, batch_booking_: bool = False,
                          bank_reference: str = "B") -> list[Booking]:  # fmt: skip
    """What the debtor's bank books when it executes the file: one entry per transfer, or one
    for the whole batch (batch booking)."""
    if batch_booking_:
        return [batch_booking(pain.payment_info_id, pain.transfers, bank_reference=bank_reference)]
    return [
        booking(e2e, amount, bank_reference=f"{bank_reference}-{i}", batch=pain.payment_info_id)
        for i, (e2e, amount) in enumerate(pain.transfers, 1)
    ]


def statement_from_pain001(xml: bytes, *, kind: str = "camt.053", version: int = 8,
                           batch_booking_: bool = False, statement_id: str = "STMT-1") -> bytes:  # fmt: skip
    pain = read_pain001(xml)
    entries = bookings_from_pain001(pain, batch_booking_=batch_booking_,
                                    bank_reference=f"{statement_id}-B")  # fmt: skip
    return camt(kind, version, entries, account=pain.debtor_iban, currency=pain.currency,
                statement_id=statement_id)  # fmt: skip


# --- XML ----------------------------------------------------------------------------------------


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    node = ET.SubElement(parent, tag, attrs)
    if text is not None:
        node.text = text
    return node


def _amount(parent: ET.Element, tag: str, money: Money) -> None:
    _add(parent, tag, from_minor(money.minor, money.currency), Ccy=money.currency)


def _day(parent: ET.Element, tag: str, day: date) -> None:
    _add(_add(parent, tag), "Dt", day.isoformat())


def _tx(parent: ET.Element, version: int, tx: Tx, credit: bool) -> None:
    node = _add(parent, "TxDtls")
    refs = _add(node, "Refs")
    for tag, value in (("MsgId", tx.message_id), ("AcctSvcrRef", tx.bank_reference),
                       ("PmtInfId", tx.payment_info_id), ("EndToEndId", tx.end_to_end_id)):  # fmt: skip
        if value is not None:
            _add(refs, tag, value)
    if version >= 3 and tx.amount is not None:
        _amount(node, "Amt", tx.amount)
        _add(node, "CdtDbtInd", "CRDT" if credit else "DBIT")
    if tx.instructed is not None or (version == 2 and tx.amount is not None):
        details = _add(node, "AmtDtls")
        if tx.instructed is not None:
            _amount(_add(details, "InstdAmt"), "Amt", tx.instructed)
        if version == 2 and tx.amount is not None:
            _amount(_add(details, "TxAmt"), "Amt", tx.amount)
    if tx.creditor_name is not None:
        creditor = _add(_add(node, "RltdPties"), "Cdtr")
        _add(_add(creditor, "Pty") if version >= 7 else creditor, "Nm", tx.creditor_name)
    if tx.remittance is not None:
        _add(_add(node, "RmtInf"), "Ustrd", tx.remittance)
    if tx.return_reason or tx.proprietary_reason or tx.returned:
        info = _add(node, "RtrInf")
        if tx.return_reason:
            _add(_add(info, "Rsn"), "Cd", tx.return_reason)
        elif tx.proprietary_reason:
            _add(_add(info, "Rsn"), "Prtry", tx.proprietary_reason)
        else:
            _add(info, "AddtlInf", "returned")


def _entry(parent: ET.Element, version: int, b: Booking) -> None:
    node = _add(parent, "Ntry")
    if b.entry_reference:
        _add(node, "NtryRef", b.entry_reference)
    _amount(node, "Amt", b.amount)
    _add(node, "CdtDbtInd", "CRDT" if b.credit else "DBIT")
    if b.reversal:
        _add(node, "RvslInd", "true")
    status = _add(node, "Sts")
    if version >= 7:
        _add(status, "Cd", b.status)
    else:
        status.text = b.status
    if b.booked_on:
        _day(node, "BookgDt", b.booked_on)
    value_on = b.value_on or b.booked_on
    if value_on:
        _day(node, "ValDt", value_on)
    if b.bank_reference:
        _add(node, "AcctSvcrRef", b.bank_reference)
    domain = _add(_add(node, "BkTxCd"), "Domn")
    _add(domain, "Cd", b.code[0])
    family = _add(domain, "Fmly")
    _add(family, "Cd", b.code[1])
    _add(family, "SubFmlyCd", b.code[2])
    if b.batch is not None or b.txs:
        _details(node, version, b)
    if b.note is not None:
        _add(node, "AddtlNtryInf", b.note)


def _details(node: ET.Element, version: int, b: Booking) -> None:
    details = _add(node, "NtryDtls")
    if b.batch is not None:
        batch = _add(details, "Btch")
        for tag, value in (("MsgId", b.batch.message_id), ("PmtInfId", b.batch.payment_info_id),
                           ("NbOfTxs", None if b.batch.count is None else str(b.batch.count))):  # fmt: skip
            if value is not None:
                _add(batch, tag, value)
        if b.batch.total is not None:
            _amount(batch, "TtlAmt", b.batch.total)
        _add(batch, "CdtDbtInd", "CRDT" if b.credit else "DBIT")
    for tx in b.txs:
        _tx(details, version, tx, b.credit)


def _balance(parent: ET.Element, code: str, money: Money, day: date) -> None:
    node = _add(parent, "Bal")
    _add(_add(_add(node, "Tp"), "CdOrPrtry"), "Cd", code)
    _amount(node, "Amt", Money(abs(money.minor), money.currency))
    _add(node, "CdtDbtInd", "CRDT" if money.minor >= 0 else "DBIT")
    _day(node, "Dt", day)


def camt(kind: str, version: int, bookings: Sequence[Booking], *, account: str = FUND_IBAN,
         currency: str | None = None, statement_id: str = "STMT-1", message_id: str | None = None,
         created_at: datetime = CREATED_AT, opening: int = 100_000_000) -> bytes:  # fmt: skip
    """A camt.053 (with opening and closing balances) or camt.054 document."""
    if kind not in ("camt.053", "camt.054") or version not in CAMT_VERSIONS:
        raise ValueError(f"no builder for {kind}.001.{version:02d}")
    currency = currency or (bookings[0].amount.currency if bookings else "CHF")
    root = ET.Element("Document", xmlns=f"urn:iso:std:iso:20022:tech:xsd:{kind}.001.{version:02d}")
    document, part = (("BkToCstmrStmt", "Stmt") if kind == "camt.053"
                      else ("BkToCstmrDbtCdtNtfctn", "Ntfctn"))  # fmt: skip
    body = _add(root, document)
    header = _add(body, "GrpHdr")
    _add(header, "MsgId", message_id or f"MSG-{statement_id}")
    _add(header, "CreDtTm", created_at.isoformat())
    statement = _add(body, part)
    _add(statement, "Id", statement_id)
    _add(statement, "CreDtTm", created_at.isoformat())
    acct = _add(statement, "Acct")
    _add(_add(acct, "Id"), "IBAN", account)
    _add(acct, "Ccy", currency)
    if kind == "camt.053":
        day = created_at.date()
        moved = sum(b.amount.minor * (1 if b.credit else -1) for b in bookings
                    if b.status == "BOOK" and b.amount.currency == currency)  # fmt: skip
        _balance(statement, "OPBD", Money(opening, currency), day)
        _balance(statement, "CLBD", Money(opening + moved, currency), day)
    for b in bookings:
        _entry(statement, version, b)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def camt053(bookings: Sequence[Booking], *, version: int = 8, **kw: object) -> bytes:
    return camt("camt.053", version, bookings, **kw)  # type: ignore[arg-type]


def camt054(bookings: Sequence[Booking], *, version: int = 8, **kw: object) -> bytes:
    return camt("camt.054", version, bookings, **kw)  # type: ignore[arg-type]


# --- pain.002 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TxStatus:
    end_to_end_id: str
    status: str = "RJCT"
    reason: str | None = "AC04"
    amount: Money | None = None


def _reasoned(parent: ET.Element, status_tag: str, status: str | None, reason: str | None) -> None:
    if status is not None:
        _add(parent, status_tag, status)
    if reason is not None:
        _add(_add(_add(parent, "StsRsnInf"), "Rsn"), "Cd", reason)


def pain002(*, version: int = 10, original_message_id: str, payment_info_id: str | None = None,
            statuses: Sequence[TxStatus] = (), group_status: str | None = None,
            group_reason: str | None = None, block_status: str | None = None,
            block_reason: str | None = None, message_id: str = "STS-1",
            original_message_type: str = "pain.001.001.09",
            created_at: datetime = CREATED_AT) -> bytes:  # fmt: skip
    """A customer payment status report about one of vfund's pain.001 files."""
    if version not in PAIN002_VERSIONS:
        raise ValueError(f"no builder for pain.002.001.{version:02d}")
    root = ET.Element(
        "Document", xmlns=f"urn:iso:std:iso:20022:tech:xsd:pain.002.001.{version:02d}"
    )
    body = _add(root, "CstmrPmtStsRpt")
    header = _add(body, "GrpHdr")
    _add(header, "MsgId", message_id)
    _add(header, "CreDtTm", created_at.isoformat())
    group = _add(body, "OrgnlGrpInfAndSts")
    _add(group, "OrgnlMsgId", original_message_id)
    _add(group, "OrgnlMsgNmId", original_message_type)
    _reasoned(group, "GrpSts", group_status, group_reason)
    if payment_info_id is None:
        return ET.tostring(root, encoding="utf-8", xml_declaration=True)
    block = _add(body, "OrgnlPmtInfAndSts")
    _add(block, "OrgnlPmtInfId", payment_info_id)
    _reasoned(block, "PmtInfSts", block_status, block_reason)
    for status in statuses:
        tx = _add(block, "TxInfAndSts")
        _add(tx, "OrgnlEndToEndId", status.end_to_end_id)
        _reasoned(tx, "TxSts", status.status, status.reason)
        if status.amount is not None:
            _amount(_add(_add(tx, "OrgnlTxRef"), "Amt"), "InstdAmt", status.amount)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
