"""Refused commands: a stable machine code per rule, grouped by the HTTP status it maps to."""

from __future__ import annotations

from enum import StrEnum


class ErrorCategory(StrEnum):
    CONFLICT = "conflict"
    UNPROCESSABLE = "unprocessable"
    FORBIDDEN = "forbidden"

    @property
    def http_status(self) -> int:
        return {"conflict": 409, "unprocessable": 422, "forbidden": 403}[self.value]


class ErrorCode(StrEnum):
    # 409: the request is fine, the case's state forbids it
    CASE_WITHDRAWN = "case_withdrawn"
    ALREADY_DECIDED = "already_decided"
    ASSESSMENT_MISSING = "assessment_missing"
    INFORMATION_PENDING = "information_pending"
    DECISION_PENDING = "decision_pending"
    NOT_REQUIRED = "not_required"
    ALREADY_REQUIRED = "already_required"
    NOTHING_TO_RATIFY = "nothing_to_ratify"
    AMOUNTS_DIFFER_FROM_FIRST_APPROVAL = "amounts_differ_from_first_approval"
    # 403: this person may not do this to this case
    WRONG_ROLE = "wrong_role"
    ASSESSOR_CANNOT_DECIDE = "assessor_cannot_decide"
    SAME_MANAGER = "same_manager"
    # 422: the request itself is wrong
    AMOUNT_ABOVE_REQUESTED = "amount_above_requested"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    NEGATIVE_AMOUNT = "negative_amount"
    CURRENCY_MISMATCH = "currency_mismatch"
    UNKNOWN_ITEM = "unknown_item"
    APPROVED_ITEMS_REQUIRED = "approved_items_required"
    REASON_CODE_REQUIRED = "reason_code_required"
    UNEXPECTED_FIELD = "unexpected_field"
    UNKNOWN_REASON_CODE = "unknown_reason_code"
    UNKNOWN_QUESTION_CATEGORY = "unknown_question_category"
    UNKNOWN_REQUEST = "unknown_request"
    INVALID_CASE = "invalid_case"
    PERSONAL_DATA_IN_NOTES = "personal_data_in_notes"

    @property
    def category(self) -> ErrorCategory:
        if self in _FORBIDDEN:
            return ErrorCategory.FORBIDDEN
        if self in _CONFLICT:
            return ErrorCategory.CONFLICT
        return ErrorCategory.UNPROCESSABLE


_CONFLICT = frozenset(
    {
        ErrorCode.CASE_WITHDRAWN,
        ErrorCode.ALREADY_DECIDED,
        ErrorCode.ASSESSMENT_MISSING,
        ErrorCode.INFORMATION_PENDING,
        ErrorCode.DECISION_PENDING,
        ErrorCode.NOT_REQUIRED,
        ErrorCode.ALREADY_REQUIRED,
        ErrorCode.NOTHING_TO_RATIFY,
        ErrorCode.AMOUNTS_DIFFER_FROM_FIRST_APPROVAL,
    }
)
_FORBIDDEN = frozenset(
    {ErrorCode.WRONG_ROLE, ErrorCode.ASSESSOR_CANNOT_DECIDE, ErrorCode.SAME_MANAGER}
)


class DomainError(Exception):
    """A refused command: a stable `code`, its `category`, a detail free of personal data."""

    def __init__(self, code: ErrorCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = code
        self.detail = detail or str(code).replace("_", " ")

    @property
    def category(self) -> ErrorCategory:
        return self.code.category

    @property
    def http_status(self) -> int:
        return self.code.category.http_status
