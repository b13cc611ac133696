"""Reading an uploaded bank file: schema-checked first, then read as the message it is."""

from __future__ import annotations

from services.disbursement.reconciliation.camt import statement_file
from services.disbursement.reconciliation.model import StatementFile, StatusReport
from services.disbursement.reconciliation.pain002 import status_report
from services.disbursement.reconciliation.validation import MAX_BYTES, invalid, validate

BankFile = StatementFile | StatusReport


def read_bank_file(data: bytes, *, max_bytes: int = MAX_BYTES) -> BankFile:
    """A camt.053, camt.054 or pain.002 file, whichever it is. Refuses (422, naming what is
    wrong) anything empty, oversized, unsafe, malformed, of another message or version, or not
    conforming to its official XSD. CPU-bound: call it off the event loop."""
    message, root = validate(data, max_bytes=max_bytes)
    if message.kind == "pain.002":
        return status_report(message, root)
    return statement_file(message, root)


def read_statement(data: bytes, *, max_bytes: int = MAX_BYTES) -> StatementFile:
    """A camt.053 or camt.054 file; a pain.002 is refused here (422)."""
    found = read_bank_file(data, max_bytes=max_bytes)
    if not isinstance(found, StatementFile):
        raise invalid(
            "bank_file_not_a_statement",
            f"{found.message.name} is not a bank statement or notification (camt.053 or camt.054)",
        )
    return found


def read_status_report(data: bytes, *, max_bytes: int = MAX_BYTES) -> StatusReport:
    """A pain.002 file; a statement is refused here (422)."""
    found = read_bank_file(data, max_bytes=max_bytes)
    if not isinstance(found, StatusReport):
        raise invalid(
            "bank_file_not_a_status_report",
            f"{found.message.name} is not a payment status report (pain.002)",
        )
    return found
