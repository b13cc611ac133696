"""Refused commands: a stable machine code per rule, each of one kind of refusal (shared.errors)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from shared.errors import DomainError, Refusal


class ErrorCode(StrEnum):
    """The API shows each as its problem type (`case_withdrawn` -> `case-withdrawn`): stable."""

    # conflict (409): the request is fine, the case's state forbids it
    CASE_WITHDRAWN = "case_withdrawn"
    ALREADY_DECIDED = "already_decided"
    ASSESSMENT_MISSING = "assessment_missing"
    INFORMATION_PENDING = "information_pending"
    DECISION_PENDING = "decision_pending"
    NOT_REQUIRED = "not_required"
    ALREADY_REQUIRED = "already_required"
    NOTHING_TO_RATIFY = "nothing_to_ratify"
    AMOUNTS_DIFFER_FROM_FIRST_APPROVAL = "amounts_differ_from_first_approval"
    # forbidden (403): this person may not do this to this case
    WRONG_ROLE = "wrong_role"
    ASSESSOR_CANNOT_DECIDE = "assessor_cannot_decide"
    SAME_MANAGER = "same_manager"
    # invalid (422): the request itself is wrong
    AMOUNT_ABOVE_REQUESTED = "amount_above_requested"
    AMOUNT_NOT_POSITIVE = "amount_not_positive"
    NEGATIVE_AMOUNT = "negative_amount"
    CURRENCY_MISMATCH = "currency_mismatch"
    TOTAL_TOO_LARGE = "total_too_large"
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
    def refusal(self) -> Refusal:
        return _REFUSAL.get(self, Refusal.INVALID)


_REFUSAL: dict[ErrorCode, Refusal] = {
    **dict.fromkeys(
        (
            ErrorCode.CASE_WITHDRAWN,
            ErrorCode.ALREADY_DECIDED,
            ErrorCode.ASSESSMENT_MISSING,
            ErrorCode.INFORMATION_PENDING,
            ErrorCode.DECISION_PENDING,
            ErrorCode.NOT_REQUIRED,
            ErrorCode.ALREADY_REQUIRED,
            ErrorCode.NOTHING_TO_RATIFY,
            ErrorCode.AMOUNTS_DIFFER_FROM_FIRST_APPROVAL,
        ),
        Refusal.CONFLICT,
    ),
    **dict.fromkeys(
        (ErrorCode.WRONG_ROLE, ErrorCode.ASSESSOR_CANNOT_DECIDE, ErrorCode.SAME_MANAGER),
        Refusal.FORBIDDEN,
    ),
}


def refused(
    code: ErrorCode, detail: str = "", *, errors: list[dict[str, Any]] | None = None
) -> DomainError:
    """The refusal to raise for `code`: its kind follows from the code, the detail is free of
    personal data."""
    return DomainError(code.refusal, code, detail, errors=errors)
