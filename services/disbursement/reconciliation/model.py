"""What a bank file says, as frozen values: camt.053/.054 statements and pain.002 status reports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from shared.money import Money

MessageKind = Literal["camt.053", "camt.054", "pain.002"]
Direction = Literal["credit", "debit"]
ISO_PREFIX = "urn:iso:std:iso:20022:tech:xsd:"
# The versions vfund reads: camt .001.02 to .001.08 (CONTRACT section 8), pain.002 .001.03 to .10.
VERSIONS: dict[MessageKind, range] = {
    "camt.053": range(2, 9),
    "camt.054": range(2, 9),
    "pain.002": range(3, 11),
}


@dataclass(frozen=True, slots=True, order=True)
class MessageType:
    """One ISO 20022 message definition, e.g. camt.053.001.08."""

    kind: MessageKind
    version: int

    @property
    def name(self) -> str:
        return f"{self.kind}.001.{self.version:02d}"

    @property
    def namespace(self) -> str:
        return ISO_PREFIX + self.name

    def __str__(self) -> str:
        return self.name


SUPPORTED: tuple[MessageType, ...] = tuple(
    MessageType(kind, version) for kind, versions in VERSIONS.items() for version in versions
)


@dataclass(frozen=True, slots=True)
class ReturnInfo:
    """`RtrInf`: why a payment came back. `code` is an ISO ExternalReturnReason1Code (AC04,
    AM04, ...) or, when `proprietary`, the bank's own code."""

    code: str | None
    proprietary: bool = False


@dataclass(frozen=True, slots=True)
class EntryTransaction:
    """`TxDtls`: one transaction booked inside an entry, with the references vfund wrote."""

    end_to_end_id: str | None = None
    payment_info_id: str | None = None
    message_id: str | None = None
    bank_reference: str | None = None  # Refs/AcctSvcrRef
    amount: Money | None = None  # TxDtls/Amt (.03 on) or AmtDtls/TxAmt/Amt
    instructed_amount: Money | None = None  # AmtDtls/InstdAmt/Amt: what the debtor instructed
    direction: Direction | None = None
    return_info: ReturnInfo | None = None


@dataclass(frozen=True, slots=True)
class BatchBooking:
    """`Btch`: several credit transfers booked as one entry (batch booking)."""

    message_id: str | None = None
    payment_info_id: str | None = None
    count: int | None = None
    total: Money | None = None  # TtlAmt


@dataclass(frozen=True, slots=True)
class Entry:
    """`Ntry`: one booking (or a pending or informational one) on the account."""

    index: int  # 0-based position in its statement: the entry's identity within the statement
    amount: Money
    direction: Direction
    status: str  # BOOK, PDNG, INFO (and FUTR, ... from .07 on, or a proprietary code)
    booking_date: date | None = None
    value_date: date | None = None
    reversal: bool = False  # RvslInd: this entry undoes an earlier one
    entry_reference: str | None = None  # NtryRef
    bank_reference: str | None = None  # AcctSvcrRef
    bank_transaction_code: str | None = None  # Domn/Fmly/SubFmly, e.g. PMNT/ICDT/ESCT
    batch: BatchBooking | None = None
    transactions: tuple[EntryTransaction, ...] = ()

    @property
    def booked(self) -> bool:
        return self.status == "BOOK"

    @property
    def return_info(self) -> ReturnInfo | None:
        return next((t.return_info for t in self.transactions if t.return_info), None)

    @property
    def is_return(self) -> bool:
        return self.reversal or any(t.return_info is not None for t in self.transactions)


@dataclass(frozen=True, slots=True, order=True)
class StatementKey:
    """What makes a statement a duplicate: the same account and statement id (CONTRACT 8)."""

    account: str
    statement_id: str


@dataclass(frozen=True, slots=True)
class Statement:
    """`Stmt` of a camt.053 or `Ntfctn` of a camt.054: the entries of one account."""

    message: MessageType
    message_id: str  # GrpHdr/MsgId
    statement_id: str
    account: str  # the IBAN, or Othr/Id for an account without one
    account_currency: str | None
    created_at: datetime | None
    entries: tuple[Entry, ...]

    @property
    def key(self) -> StatementKey:
        return StatementKey(self.account, self.statement_id)


@dataclass(frozen=True, slots=True)
class StatementFile:
    """A camt.053 or camt.054 document: usually one statement, one per account when several."""

    message: MessageType
    message_id: str
    created_at: datetime | None
    statements: tuple[Statement, ...]


@dataclass(frozen=True, slots=True)
class StatusReason:
    """`StsRsnInf/Rsn`: an ISO ExternalStatusReason1Code (AC04, AM05, ...) or a bank's own."""

    code: str | None
    proprietary: bool = False


@dataclass(frozen=True, slots=True)
class TransactionStatus:
    """A status line: `TxInfAndSts` (one payment: `end_to_end_id`), `PmtInfSts` (every payment of
    one payment information block, i.e. one vfund batch: `payment_info_id` only) or `GrpSts`
    (every payment of the original message: neither). The most specific line wins."""

    index: int  # 0-based position among the report's statuses
    status: str  # RJCT, ACCP, ACSC, ACSP, ACTC, ACWC, PDNG, RCVD, PART, ...
    reason: StatusReason | None
    payment_info_id: str | None
    end_to_end_id: str | None
    instructed_amount: Money | None = None  # OrgnlTxRef/Amt/InstdAmt

    @property
    def rejected(self) -> bool:
        return self.status == "RJCT"


@dataclass(frozen=True, slots=True)
class StatusReport:
    """A pain.002 customer payment status report about one pain.001 vfund sent."""

    message: MessageType
    message_id: str
    created_at: datetime | None
    original_message_id: str
    original_message_type: str
    group_status: str | None
    group_reason: StatusReason | None
    statuses: tuple[TransactionStatus, ...]

    @property
    def key(self) -> str:
        """A status report is imported once: its message id is unique for its bank."""
        return self.message_id


def vfund_id(reference: str | None) -> UUID | None:
    """The payment or batch id behind an EndToEndId, PmtInfId or MsgId vfund wrote (a UUID as 32
    hex digits, see bankfiles.end_to_end_id; banks may echo it in upper case or with dashes)."""
    if reference is None:
        return None
    text = reference.strip()
    if len(text) not in (32, 36) or not all(c in "0123456789abcdefABCDEF-" for c in text):
        return None
    try:
        return UUID(text)
    except ValueError:
        return None
