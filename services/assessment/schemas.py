"""Request bodies of the assessment API: codes, item ids and amounts; notes are the only text.

Every field is bounded: texts in length and characters (shared.types.Text), lists in length,
each amount by the money type and the amounts of one list, summed per currency, by the largest
amount vfund accepts (shared.money.MAX_MINOR), so that a case's total is itself a valid amount.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.assessment.domain.codes import QuestionCategory, Recommendation, RejectionReason
from shared.money import MAX_MINOR, Currency, DecimalString, Money, MoneyError, from_minor
from shared.problems import Problem
from shared.types import Text, visible

ItemId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
MAX_ITEMS = 50  # a case never has more items than this is a request with mistakes in it


def _something_visible(value: str) -> str:
    if not visible(value):
        raise ValueError("must say something: it is blank once invisible characters are removed")
    return value


Notes = Annotated[Text, Field(max_length=10_000)]
Reason = Annotated[Text, Field(min_length=3, max_length=1_000), AfterValidator(_something_visible)]


class _In(BaseModel):
    # defer_build: validators are built on first use, as for EventData (shared/events/envelope.py).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class ItemAmountIn(_In):
    item_id: ItemId
    amount: DecimalString
    currency: Currency


def amounts_of(lines: list[ItemAmountIn], field: str) -> dict[str, Money]:
    """Item id → money; precision per currency, unique ids and the totals checked, naming the
    field of each fault."""
    out: dict[str, Money] = {}
    errors: list[dict[str, Any]] = []
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
    totals: dict[str, int] = defaultdict(int)
    for money in out.values():
        totals[money.currency] += money.minor
    for currency, total in sorted(totals.items()):
        if total > MAX_MINOR:
            largest = from_minor(MAX_MINOR, currency)
            errors.append(
                {
                    "field": field,
                    "code": "total_too_large",
                    "message": f"the {currency} amounts add up to more than {largest}",
                }
            )
    if errors:
        raise Problem(
            422, "the request has invalid or missing fields", code="validation-error", errors=errors
        )
    return out


class AssessmentIn(_In):
    recommendation: Recommendation
    recommended_items: Annotated[list[ItemAmountIn], Field(max_length=MAX_ITEMS)] = []
    notes: Notes = ""
    # Required to recommend more than was requested; checked like the notes.
    exceeding_reason: Reason | None = None


class ReviewRequestIn(_In):
    kind: Literal["medical", "legal"] | None = None


class InformationRequestIn(_In):
    question_category: QuestionCategory


class DecisionIn(_In):
    decision: Literal["approve", "reject"]
    approved_items: Annotated[list[ItemAmountIn], Field(max_length=MAX_ITEMS)] = []
    reason_code: RejectionReason | None = None
