"""Events published by the intake service: case lifecycle, documents, personal-data access."""

from typing import Literal

from shared.events.common import CountryCode, Id, Item, Urgency
from shared.events.envelope import EventData

WithdrawalReason = Literal[
    "no_longer_needed", "other_support_found", "victim_unreachable", "duplicate", "safety", "other"
]


class Needs(EventData):
    medical: bool
    legal: bool


class CaseSubmitted(EventData):
    case_id: Id
    reference: str
    org_id: Id
    country: CountryCode
    urgency: Urgency
    items: list[Item]
    needs: Needs
    submitted_by: Id


class CaseInformationProvided(EventData):
    case_id: Id
    request_id: Id


class DocumentAttached(EventData):
    case_id: Id
    document_id: Id
    sha256: str
    media_type: str
    size_bytes: int
    purpose: Literal["evidence", "information", "report"] = "evidence"


class CaseWithdrawn(EventData):
    case_id: Id
    reason: WithdrawalReason


class CaseDuplicateSuspected(EventData):
    case_id: Id
    matching_case_ids: list[Id]


class CaseDuplicateCleared(EventData):
    case_id: Id
    matching_case_ids: list[Id]
    ruled_by: Id
    reason_code: str


class PersonalDataAccessed(EventData):
    case_id: Id
    actor: Id
    role: str
    purpose: str


class PersonalDataErased(EventData):
    case_id: Id
    erased_by: Id
    legal_basis: str


class ReportSubmitted(EventData):
    case_id: Id
    document_ids: list[Id]


class CaseClosed(EventData):
    case_id: Id
