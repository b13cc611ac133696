"""What happened to a case, as intake's rules say it: each carries all its wire form needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from shared.events.common import Category, Urgency
from shared.events.intake import (
    DocumentPurpose,
    DuplicateRulingReason,
    ErasureBasis,
    MediaType,
    ReaderRole,
    WithdrawalReason,
)


@dataclass(frozen=True, slots=True)
class RequestedItem:
    """A line of assistance asked for: exact minor units of its currency."""

    item_id: str
    category: Category
    amount_minor: int
    currency: str


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """Base of intake's own events. `in_timeline`: whether the caseworker's timeline shows it
    (a read of personal data is not a change of the case); `detail`: what the entry shows."""

    in_timeline: ClassVar[bool] = True

    case_id: str

    def detail(self) -> dict[str, str]:
        return {}


@dataclass(frozen=True, slots=True)
class Submitted(CaseEvent):
    reference: str
    org_id: str
    country: str
    urgency: Urgency
    items: tuple[RequestedItem, ...]
    needs_medical: bool
    needs_legal: bool
    submitted_by: str


@dataclass(frozen=True, slots=True)
class DuplicateSuspected(CaseEvent):
    matching_case_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DuplicateCleared(CaseEvent):
    matching_case_ids: tuple[str, ...]
    ruled_by: str
    reason_code: DuplicateRulingReason


@dataclass(frozen=True, slots=True)
class DocumentAttached(CaseEvent):
    document_id: str
    sha256: str
    media_type: MediaType
    size_bytes: int
    purpose: DocumentPurpose

    def detail(self) -> dict[str, str]:
        return {"document_id": self.document_id, "purpose": self.purpose}


@dataclass(frozen=True, slots=True)
class InformationProvided(CaseEvent):
    request_id: str


@dataclass(frozen=True, slots=True)
class Withdrawn(CaseEvent):
    reason: WithdrawalReason


@dataclass(frozen=True, slots=True)
class ReportSubmitted(CaseEvent):
    document_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Closed(CaseEvent):
    pass


@dataclass(frozen=True, slots=True)
class PersonalDataAccessed(CaseEvent):
    in_timeline: ClassVar[bool] = False

    actor: str
    role: ReaderRole
    purpose: str


@dataclass(frozen=True, slots=True)
class PersonalDataErased(CaseEvent):
    erased_by: str
    legal_basis: ErasureBasis
