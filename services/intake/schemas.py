"""The intake API's request and response bodies."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

import pycountry
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from shared.events.common import Category, Urgency
from shared.events.intake import WithdrawalReason
from shared.money import Currency, DecimalString, to_minor
from shared.types import IsoDate


def _iso_country(code: str) -> str:
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError("not an ISO 3166-1 alpha-2 country code")
    return code


Country = Annotated[str, Field(pattern=r"^[A-Z]{2}$", examples=["SY"]),
                    AfterValidator(_iso_country)]
Text = Annotated[str, Field(min_length=1, max_length=500)]


class _In(BaseModel):
    # defer_build: validators are built on first use, as for EventData (shared/events/envelope.py).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class VictimIn(_In):
    full_name: Annotated[str, Field(min_length=1, max_length=200)]
    date_of_birth: IsoDate | None = None
    sex: Literal["female", "male", "other", "undisclosed"] | None = None
    nationality: Country | None = None
    contact: Annotated[str, Field(max_length=500)] | None = None

    @model_validator(mode="after")
    def _plausible_birth(self) -> VictimIn:
        if self.date_of_birth is not None and not (
            date(1900, 1, 1) <= self.date_of_birth <= date.today()
        ):
            raise ValueError("date_of_birth must be between 1900-01-01 and today")
        return self


class ItemIn(_In):
    category: Category
    description: Annotated[str, Field(min_length=1, max_length=2000)]
    amount: DecimalString
    currency: Currency

    @model_validator(mode="after")
    def _exact_positive(self) -> ItemIn:
        if to_minor(self.amount, self.currency) <= 0:
            raise ValueError("amount must be greater than zero")
        return self


class ConsentIn(_In):
    given: Literal[True]
    date: IsoDate


class CaseIn(_In):
    victim: VictimIn
    country: Country
    urgency: Urgency
    items: Annotated[list[ItemIn], Field(min_length=1, max_length=20)]
    facts: Annotated[str, Field(min_length=1, max_length=20_000)]
    no_other_support: Literal[True] = Field(
        description="the caseworker confirms no other support is reachable; must be true"
    )
    consent: ConsentIn


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


class CaseOut(CaseSummary):
    items: list[ItemOut]
    needs: dict[str, bool]
    history: list[HistoryEntry]
    duplicate_of: list[str] = []
    documents: list[DocumentOut] = []
    information_requests: list[InformationRequestOut] = []
    personal_data: Literal["included", "withheld", "erased"]
    victim: dict[str, object] | None = None
    facts: str | None = None


DocumentIds = Annotated[list[uuid.UUID], Field(max_length=20)]


class InformationIn(_In):
    request_id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
    answer: Annotated[str, Field(min_length=1, max_length=20_000)]
    document_ids: DocumentIds = []


class WithdrawIn(_In):
    reason: WithdrawalReason


class ReportIn(_In):
    document_ids: Annotated[list[uuid.UUID], Field(min_length=1, max_length=20)]


DuplicateRulingReason = Literal[
    "different_person", "same_person_other_need", "data_entry_error", "other"
]


class DuplicateRulingIn(_In):
    reason_code: DuplicateRulingReason


ErasureBasis = Literal[
    "data_subject_request", "consent_withdrawn", "retention_expired", "legal_obligation",
    "safety_risk",
]


class ChangeOut(_Out):
    case_id: str
    status: str
    version: int
