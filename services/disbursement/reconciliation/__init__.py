"""Bank reconciliation (CONTRACT section 8), pure and synchronous: ISO 20022 camt.053/.054 and
pain.002 files read safely and checked against their official XSDs (xsd/), and the matching rules
that turn their entries into payment confirmations and failures. No I/O beyond reading the XSDs
shipped with this package; the wiring (routes, repository, events) lives outside it.
"""

from services.disbursement.reconciliation.decisions import (
    DISMISS_REASONS,
    Confirm,
    Decision,
    Dismissed,
    DismissReason,
    Effect,
    Fail,
    KnownPayment,
    Matched,
    MatchedBy,
    PaymentStatus,
    Reconciliation,
    Rejected,
    Returned,
    Unchanged,
    Unmatched,
    UnmatchedReason,
    apply,
)
from services.disbursement.reconciliation.files import (
    BankFile,
    read_bank_file,
    read_statement,
    read_status_report,
)
from services.disbursement.reconciliation.manual import dismiss, match_by_hand
from services.disbursement.reconciliation.matching import (
    bank_reference_of,
    check_account,
    check_not_imported,
    match_statement,
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
from services.disbursement.reconciliation.status import match_status_report
from services.disbursement.reconciliation.validation import MAX_BYTES, preload

__all__ = [
    "DISMISS_REASONS",
    "MAX_BYTES",
    "SUPPORTED",
    "BankFile",
    "BatchBooking",
    "Confirm",
    "Decision",
    "DismissReason",
    "Dismissed",
    "Effect",
    "Entry",
    "EntryTransaction",
    "Fail",
    "KnownPayment",
    "Matched",
    "MatchedBy",
    "MessageType",
    "PaymentStatus",
    "Reconciliation",
    "Rejected",
    "ReturnInfo",
    "Returned",
    "Statement",
    "StatementFile",
    "StatementKey",
    "StatusReason",
    "StatusReport",
    "TransactionStatus",
    "Unchanged",
    "Unmatched",
    "UnmatchedReason",
    "apply",
    "bank_reference_of",
    "check_account",
    "check_not_imported",
    "dismiss",
    "match_by_hand",
    "match_statement",
    "match_status_report",
    "preload",
    "read_bank_file",
    "read_statement",
    "read_status_report",
    "vfund_id",
]
