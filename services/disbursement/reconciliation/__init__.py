"""Bank reconciliation (CONTRACT section 8), pure and synchronous: ISO 20022 camt.053/.054 and
pain.002 files read safely and checked against their official XSDs (xsd/), and the matching rules
that turn their entries into payment confirmations and failures. No I/O beyond reading the XSDs
shipped with this package; the wiring (routes, repository, events) lives outside it.
"""

from services.disbursement.reconciliation.files import (
    BankFile,
    read_bank_file,
    read_statement,
    read_status_report,
)
from services.disbursement.reconciliation.model import (
    SUPPORTED,
    BatchBooking,
    Entry,
    EntryTransaction,
    MessageType,
    ReturnInfo,
    Statement,
    StatementFile,
    StatementKey,
    StatusReason,
    StatusReport,
    TransactionStatus,
    vfund_id,
)
from services.disbursement.reconciliation.validation import MAX_BYTES, preload

__all__ = [
    "MAX_BYTES",
    "SUPPORTED",
    "BankFile",
    "BatchBooking",
    "Entry",
    "EntryTransaction",
    "MessageType",
    "ReturnInfo",
    "Statement",
    "StatementFile",
    "StatementKey",
    "StatusReason",
    "StatusReport",
    "TransactionStatus",
    "preload",
    "read_bank_file",
    "read_statement",
    "read_status_report",
    "vfund_id",
]
