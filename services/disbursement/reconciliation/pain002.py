"""pain.002 customer payment status reports (.001.03 to .001.10) as values.

A status is given at three levels: the group (the whole pain.001), a payment information block (one
vfund batch: PmtInfId) and a transaction (one payment: OrgnlEndToEndId). A lower level overrides a
higher one for what it names; this module lists every status given, the matcher applies them.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

from services.disbursement.reconciliation.model import (
    MessageType,
    StatusReason,
    StatusReport,
    TransactionStatus,
)
from services.disbursement.reconciliation.values import Node


def _reason(node: Node) -> StatusReason | None:
    """The first reason given (banks give one; the schema allows several)."""
    for info in node.children("StsRsnInf"):
        code = info.text("Rsn/Cd")
        if code is not None:
            return StatusReason(code)
        proprietary = info.text("Rsn/Prtry")
        if proprietary is not None:
            return StatusReason(proprietary, proprietary=True)
    return None


def status_report(message: MessageType, root: ET.Element) -> StatusReport:
    body = Node(root, message.namespace, "/Document").at("CstmrPmtStsRpt")
    assert body is not None  # the schema requires it
    group = body.at("OrgnlGrpInfAndSts")
    assert group is not None  # the schema requires it
    group_status = group.text("GrpSts")
    group_reason = _reason(group)
    statuses: list[TransactionStatus] = []
    if group_status is not None:
        statuses.append(TransactionStatus(0, group_status, group_reason, None, None))
    for block in body.children("OrgnlPmtInfAndSts"):
        info_id = block.required("OrgnlPmtInfId")
        block_status = block.text("PmtInfSts")
        if block_status is not None:
            statuses.append(
                TransactionStatus(len(statuses), block_status, _reason(block), info_id, None)
            )
        for tx in block.children("TxInfAndSts"):
            status = tx.text("TxSts")
            if status is None:
                continue  # a transaction listed without a status of its own: its block's holds
            statuses.append(
                TransactionStatus(
                    len(statuses),
                    status,
                    _reason(tx),
                    info_id,
                    tx.text("OrgnlEndToEndId"),
                    tx.money("OrgnlTxRef/Amt/InstdAmt"),
                )
            )
    return StatusReport(
        message=message,
        message_id=body.required("GrpHdr/MsgId"),
        created_at=body.moment("GrpHdr/CreDtTm"),
        original_message_id=group.required("OrgnlMsgId"),
        original_message_type=group.required("OrgnlMsgNmId"),
        group_status=group_status,
        group_reason=group_reason,
        statuses=tuple(statuses),
    )
