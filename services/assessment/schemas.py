"""Request bodies of the assessment API: codes, item ids and amounts; notes are the only text."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from services.assessment.domain.codes import QuestionCategory, Recommendation, RejectionReason
from shared.money import Currency, DecimalString, Money, MoneyError
from shared.problems import Problem

ItemId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]


class _In(BaseModel):
    # defer_build: validators are built on first use, as for EventData (shared/events/envelope.py).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class ItemAmountIn(_In):
    item_id: ItemId
    amount: DecimalString
    currency: Currency


def amounts_of(lines: list[ItemAmountIn], field: str) -> dict[str, Money]:
    """Item id → money; precision per currency and unique ids checked, naming the field."""
    out: dict[str, Money] = {}
    errors = []
    for n, line in enumerate(lines):
        if line.item_id in out:
            errors.append(
                {"field": f"{field}.{n}.item_id", "code": "duplicate", "message": "each item once"}
            )
            continue
        try:
            out[line.item_id] = Money.parse(line.amount, line.currency)
        except MoneyError as exc:
            errors.append(
                {"field": f"{field}.{n}.amount", "code": "precision", "message": str(exc)}
            )
    if errors:
        raise Problem(
            422, "the request has invalid or missing fields", code="validation-error", errors=errors
        )
    return out


class AssessmentIn(_In):
    recommendation: Recommendation
    recommended_items: Annotated[list[ItemAmountIn], Field(max_length=50)] = []
    notes: Annotated[str, Field(max_length=10_000)] = ""
    # Required to recommend more than was requested; checked like the notes.
    exceeding_reason: Annotated[str | None, Field(min_length=3, max_length=1_000)] = None


class ReviewRequestIn(_In):
    kind: Literal["medical", "legal"] | None = None


class InformationRequestIn(_In):
    question_category: QuestionCategory


class DecisionIn(_In):
    decision: Literal["approve", "reject"]
    approved_items: Annotated[list[ItemAmountIn], Field(max_length=50)] = []
    reason_code: RejectionReason | None = None
