"""The intake API's request and response bodies."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Literal

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from services.intake.domain import bounds
from shared.events.common import Category, Urgency
from shared.events.intake import (
    MAX_DOCUMENT_IDS,
    MAX_ITEMS,
    DuplicateRulingReason,
    WithdrawalReason,
)
from shared.money import MINOR_UNITS, Currency, DecimalString, MoneyError, to_minor
from shared.types import IsoDate, Line, Name, Text

Day = date  # ConsentIn's field `date` hides the type's name inside that class


def _iso_country(code: str) -> str:
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError("not an ISO 3166-1 alpha-2 country code")
    return code


Country = Annotated[
    str, Field(pattern=r"^[A-Z]{2}$", examples=["SY"]), AfterValidator(_iso_country)
]


def places(amount: str) -> int:
    """The decimal places an amount is written with ("1250.50" has 2)."""
    _, _, fraction = amount.partition(".")
    return len(fraction)


def _checked(problem: str | None, code: str) -> None:
    """A bound's problem as a validation error whose code names it (clients translate codes)."""
    if problem is not None:
        raise PydanticCustomError(code, problem)


class _In(BaseModel):
    # defer_build: validators are built on first use, as for EventData (shared/events/envelope.py).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class VictimIn(_In):
    full_name: Annotated[Name, Field(min_length=1, max_length=200)]
    date_of_birth: IsoDate | None = None
    sex: Literal["female", "male", "other", "undisclosed"] | None = None
    nationality: Country | None = None
    contact: Annotated[Text, Field(max_length=500)] | None = None

    @field_validator("date_of_birth")
    @classmethod
    def _plausible_birth(cls, born: date | None) -> date | None:
        if born is not None:
            _checked(bounds.birth_date_problem(born, datetime.now(UTC)), "birth_date_implausible")
        return born


class ItemIn(_In):
    category: Category
    description: Annotated[Text, Field(min_length=1, max_length=2000)]
    amount: DecimalString
    currency: Currency

    @model_validator(mode="after")
    def _exact_positive(self) -> ItemIn:
        # Codes a client can translate: pydantic's own for too many decimals and not positive.
        if places(self.amount) > MINOR_UNITS[self.currency]:
            raise PydanticCustomError(
                "decimal_max_places",
                "{currency} has {places} decimal places at most",
                {"currency": self.currency, "places": MINOR_UNITS[self.currency]},
            )
        try:
            minor = to_minor(self.amount, self.currency)
        except MoneyError as exc:
            raise PydanticCustomError("amount_too_large", str(exc)) from exc
        if minor <= 0:
            raise PydanticCustomError("greater_than", "amount must be greater than zero")
        return self


class ConsentIn(_In):
    given: Literal[True]
    date: IsoDate

    @field_validator("date")
    @classmethod
    def _plausible(cls, given: Day) -> Day:
        _checked(bounds.consent_date_problem(given, datetime.now(UTC)), "consent_date_invalid")
        return given


class CaseIn(_In):
    victim: VictimIn
    country: Country
    urgency: Urgency
    items: Annotated[list[ItemIn], Field(min_length=1, max_length=MAX_ITEMS)]
    facts: Annotated[Text, Field(min_length=1, max_length=20_000)]
    no_other_support: Literal[True] = Field(
        description="the caseworker confirms no other support is reachable; must be true"
    )
    consent: ConsentIn

    @field_validator("items")
    @classmethod
    def _totals_bounded(cls, items: list[ItemIn]) -> list[ItemIn]:
        totals = ((to_minor(i.amount, i.currency), i.currency) for i in items)
        _checked(bounds.totals_problem(totals), "total_too_large")
        return items


class _Out(BaseModel):
    model_config = ConfigDict(defer_build=True)  # as _In's


class CaseCreated(_Out):
    case_id: str
    reference: str
    status: str


class ItemOut(_Out):
    item_id: str
    category: Category
    amount: str
    currency: str
    description: str | None = None
    # Once the case is approved: what the approval granted of this item (zero if nothing).
    approved_amount: str | None = None
    approved_currency: str | None = None


class HistoryEntry(_Out):
    at: str
    kind: str
    actor: str | None = None
    detail: dict[str, object] = {}


class CaseSummary(_Out):
    case_id: str
    reference: str
    org_id: str
    status: str
    urgency: Urgency
    country: str
    submitted_at: str
    possible_duplicate: bool
    version: int
    # What needs the case's caseworkers now: an answer to the fund's question, or the
    # use-of-funds report after payment.
    awaiting_caseworker: list[Literal["answer_information", "submit_report"]] = []


class CaseList(_Out):
    items: list[CaseSummary]
    next_cursor: str | None


class DocumentOut(_Out):
    document_id: str
    purpose: str
    media_type: str
    size_bytes: int
    sha256: str
    uploaded_at: str
    stored: bool


class InformationRequestOut(_Out):
    request_id: str
    question_category: str
    requested_at: str
    status: Literal["open", "answered"]
    document_ids: list[str]
    answer: str | None = None


class PaymentOut(_Out):
    payment_id: str
    status: Literal["awaiting_payee", "scheduled", "batched", "sent", "failed", "cancelled"]
    amount: str
    currency: str


CaseAction = Literal["attach_document", "answer_information", "withdraw", "submit_report"]


class CaseOut(CaseSummary):
    items: list[ItemOut]
    needs: dict[str, bool]
    history: list[HistoryEntry]
    duplicate_of: list[str] = []
    documents: list[DocumentOut] = []
    information_requests: list[InformationRequestOut] = []
    payments: list[PaymentOut] = []
    # The changes the reader may make now (the owning organisation's caseworkers).
    actions: list[CaseAction] = []
    personal_data: Literal["included", "withheld", "erased"]
    victim: dict[str, object] | None = None
    facts: str | None = None


DocumentIds = Annotated[list[uuid.UUID], Field(max_length=MAX_DOCUMENT_IDS)]


class InformationIn(_In):
    request_id: Annotated[Line, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
    answer: Annotated[Text, Field(min_length=1, max_length=20_000)]
    document_ids: DocumentIds = []


class WithdrawIn(_In):
    reason: WithdrawalReason


class ReportIn(_In):
    document_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=MAX_DOCUMENT_IDS)]


class DuplicateRulingIn(_In):
    reason_code: DuplicateRulingReason


class ChangeOut(_Out):
    case_id: str
    status: str
    version: int
