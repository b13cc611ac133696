"""camt.053 (statement) and camt.054 (debit/credit notification), .001.02 to .001.08, as values.

The versions differ in a few places this module reads: the entry status is a code up to .06 and a
choice (`Sts/Cd`) from .07; a transaction's own amount is `AmtDtls/TxAmt/Amt` in .02 and `Amt` from
.03. Everything else vfund needs sits at the same path in every version.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from services.disbursement.reconciliation.model import (
    BatchBooking,
    Direction,
    Entry,
    EntryTransaction,
    MessageType,
    ReturnInfo,
    Statement,
    StatementFile,
)
from services.disbursement.reconciliation.values import Node

_ROOTS = {"camt.053": ("BkToCstmrStmt", "Stmt"), "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}


def statement_file(message: MessageType, root: ET.Element) -> StatementFile:
    document, part = _ROOTS[message.kind]
    body = Node(root, message.namespace, "/Document").at(document)
    assert body is not None  # the schema requires it
    message_id = body.required("GrpHdr/MsgId")
    statements = tuple(_statement(message, message_id, node) for node in body.children(part))
    return StatementFile(message, message_id, body.moment("GrpHdr/CreDtTm"), statements)


def _statement(message: MessageType, message_id: str, node: Node) -> Statement:
    account = node.text("Acct/Id/IBAN") or node.required("Acct/Id/Othr/Id")
    entries = tuple(_entry(message, i, e) for i, e in enumerate(node.children("Ntry")))
    return Statement(
        message,
        message_id,
        node.required("Id"),
        account,
        node.text("Acct/Ccy"),
        node.moment("CreDtTm"),
        entries,
    )


def _direction(node: Node, dotted: str) -> Direction | None:
    code = node.text(dotted)
    return None if code is None else ("credit" if code == "CRDT" else "debit")


def _status(message: MessageType, node: Node) -> str:
    if message.version <= 6:
        return node.required("Sts")
    return node.text("Sts/Cd") or node.required("Sts/Prtry")


def _bank_transaction_code(node: Node) -> str | None:
    domain = node.text("BkTxCd/Domn/Cd")
    if domain is not None:
        family = node.text("BkTxCd/Domn/Fmly/Cd")
        sub = node.text("BkTxCd/Domn/Fmly/SubFmlyCd")
        return "/".join(x for x in (domain, family, sub) if x)
    return node.text("BkTxCd/Prtry/Cd")


def _entry(message: MessageType, index: int, node: Node) -> Entry:
    amount = node.money("Amt")
    assert amount is not None  # the schema requires it
    details = node.children("NtryDtls")
    batches = [b for b in (d.child("Btch") for d in details) if b is not None]
    batch = _batch(batches[0]) if len(batches) == 1 else None
    transactions = tuple(_transaction(message, tx) for d in details for tx in d.children("TxDtls"))
    return Entry(
        index=index,
        amount=amount,
        direction=_direction(node, "CdtDbtInd") or "debit",
        status=_status(message, node),
        booking_date=node.day("BookgDt"),
        value_date=node.day("ValDt"),
        reversal=node.flag("RvslInd"),
        entry_reference=node.text("NtryRef"),
        bank_reference=node.text("AcctSvcrRef"),
        bank_transaction_code=_bank_transaction_code(node),
        batch=batch,
        transactions=transactions,
    )


def _batch(node: Node) -> BatchBooking:
    return BatchBooking(
        message_id=node.text("MsgId"),
        payment_info_id=node.text("PmtInfId"),
        count=node.count("NbOfTxs"),
        total=node.money("TtlAmt"),
    )


def _transaction(message: MessageType, node: Node) -> EntryTransaction:
    amount = node.money("AmtDtls/TxAmt/Amt") if message.version == 2 else node.money("Amt")
    rtr = node.child("RtrInf")
    return_info = None
    if rtr is not None:
        code = rtr.text("Rsn/Cd")
        return_info = ReturnInfo(code or rtr.text("Rsn/Prtry"), proprietary=code is None)
        if return_info.code is None:
            return_info = ReturnInfo(None)
    return EntryTransaction(
        end_to_end_id=node.text("Refs/EndToEndId"),
        payment_info_id=node.text("Refs/PmtInfId"),
        message_id=node.text("Refs/MsgId"),
        bank_reference=node.text("Refs/AcctSvcrRef"),
        amount=amount,
        instructed_amount=node.money("AmtDtls/InstdAmt/Amt"),
        direction=_direction(node, "CdtDbtInd"),
        return_info=return_info,
    )
