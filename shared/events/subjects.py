"""NATS subject constants of every vfund event; the single source of the channel names."""

from typing import Final

STREAM: Final = "VFUND"
ALL: Final = "vfund.>"

# intake
CASE_SUBMITTED: Final = "vfund.intake.case.submitted"
CASE_INFORMATION_PROVIDED: Final = "vfund.intake.case.information_provided"
DOCUMENT_ATTACHED: Final = "vfund.intake.document.attached"
CASE_WITHDRAWN: Final = "vfund.intake.case.withdrawn"
CASE_DUPLICATE_SUSPECTED: Final = "vfund.intake.case.duplicate_suspected"
CASE_DUPLICATE_CLEARED: Final = "vfund.intake.case.duplicate_cleared"
PERSONAL_DATA_ACCESSED: Final = "vfund.intake.case.personal_data_accessed"
PERSONAL_DATA_ERASED: Final = "vfund.intake.case.personal_data_erased"
REPORT_SUBMITTED: Final = "vfund.intake.case.report_submitted"
CASE_CLOSED: Final = "vfund.intake.case.closed"

# assessment
INFORMATION_REQUESTED: Final = "vfund.assessment.case.information_requested"
MEDICAL_COMPLETED: Final = "vfund.assessment.medical.completed"
LEGAL_COMPLETED: Final = "vfund.assessment.legal.completed"
REVIEW_REQUESTED: Final = "vfund.assessment.case.review_requested"
APPROVAL_PENDING: Final = "vfund.assessment.case.approval_pending"
CASE_APPROVED: Final = "vfund.assessment.case.approved"
CASE_REJECTED: Final = "vfund.assessment.case.rejected"
APPROVAL_RATIFIED: Final = "vfund.assessment.case.ratified"
RATIFICATION_MISSED: Final = "vfund.assessment.case.ratification_missed"
DEADLINE_MISSED: Final = "vfund.assessment.case.deadline_missed"
DEADLINE_APPROACHING: Final = "vfund.assessment.case.deadline_approaching"

# disbursement
BUDGET_RESERVED: Final = "vfund.disbursement.budget.reserved"
BUDGET_INSUFFICIENT: Final = "vfund.disbursement.budget.insufficient"
BUDGET_RELEASED: Final = "vfund.disbursement.budget.released"
PAYMENT_AWAITING_PAYEE: Final = "vfund.disbursement.payment.awaiting_payee"
PAYMENT_SCHEDULED: Final = "vfund.disbursement.payment.scheduled"
PAYMENT_BATCHED: Final = "vfund.disbursement.payment.batched"
PAYMENT_SENT: Final = "vfund.disbursement.payment.sent"
PAYMENT_FAILED: Final = "vfund.disbursement.payment.failed"
PAYMENT_CANCELLED: Final = "vfund.disbursement.payment.cancelled"
PAYMENT_SPLIT: Final = "vfund.disbursement.payment.split"
GRANT_CREATED: Final = "vfund.disbursement.grant.created"
GRANT_ADJUSTED: Final = "vfund.disbursement.grant.adjusted"
FX_RATE_RECORDED: Final = "vfund.disbursement.fx.rate_recorded"
FX_RATE_PROPOSED: Final = "vfund.disbursement.fx.rate_proposed"
FX_RATE_REJECTED: Final = "vfund.disbursement.fx.rate_rejected"
PAYEE_REGISTERED: Final = "vfund.disbursement.payee.registered"
PAYEE_CONFIRMED: Final = "vfund.disbursement.payee.confirmed"
PAYEE_BANK_DETAILS_CHANGED: Final = "vfund.disbursement.payee.bank_details_changed"
BATCH_CREATED: Final = "vfund.disbursement.batch.created"
BATCH_APPROVED: Final = "vfund.disbursement.batch.approved"
STATEMENT_IMPORTED: Final = "vfund.disbursement.statement.imported"
STATEMENT_ENTRY_MATCHED: Final = "vfund.disbursement.statement.entry_matched"
STATEMENT_ENTRY_DISMISSED: Final = "vfund.disbursement.statement.entry_dismissed"
STATUS_REPORT_IMPORTED: Final = "vfund.disbursement.status_report.imported"

# audit
TREE_HEAD_SIGNED: Final = "vfund.audit.tree_head.signed"

# web
ORGANISATION_REGISTERED: Final = "vfund.web.organisation.registered"
ORGANISATION_UPDATED: Final = "vfund.web.organisation.updated"
ORGANISATION_SUSPENDED: Final = "vfund.web.organisation.suspended"
ORGANISATION_REINSTATED: Final = "vfund.web.organisation.reinstated"
USER_INVITED: Final = "vfund.web.user.invited"
USER_ACTIVATED: Final = "vfund.web.user.activated"
USER_ROLES_CHANGED: Final = "vfund.web.user.roles_changed"
USER_DISABLED: Final = "vfund.web.user.disabled"
USER_ENABLED: Final = "vfund.web.user.enabled"
USER_MFA_RESET: Final = "vfund.web.user.mfa_reset"
USER_LOCKED: Final = "vfund.web.user.locked"
USER_UNLOCKED: Final = "vfund.web.user.unlocked"
USER_IDENTITY_LINKED: Final = "vfund.web.user.identity_linked"
USER_SIGNED_IN: Final = "vfund.web.user.signed_in"


def deadletter(service: str) -> str:
    """Where a service's undeliverable events end: counted, kept, never dropped."""
    return f"vfund.deadletter.{service}"
