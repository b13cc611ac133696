"""Events published by the intake service: case lifecycle, documents, personal-data access.

Every field is what intake knows to be true when it publishes: codes are closed lists, ids and
digests have their shape, lists are bounded and never empty where an empty one would be a lie."""

from typing import Annotated, Literal

from pydantic import Field

from shared.events.common import CountryCode, Id, Item, Urgency
from shared.events.envelope import EventData

WithdrawalReason = Literal[
    "no_longer_needed", "other_support_found", "victim_unreachable", "duplicate", "safety", "other"
]
MediaType = Literal["application/pdf", "image/jpeg", "image/png"]
DocumentPurpose = Literal["evidence", "information", "report"]
DuplicateRulingReason = Literal[
    "different_person", "same_person_other_need", "data_entry_error", "other"
]
ErasureBasis = Literal[
    "data_subject_request",
    "consent_withdrawn",
    "retention_expired",
    "legal_obligation",
    "safety_risk",
]
# The roles that may read a case's personal data.
ReaderRole = Literal["caseworker", "medical_assessor", "legal_assessor"]
# Why personal data was read: a code the reader chose ("case_review"), never free text.
AccessPurpose = Annotated[str, Field(pattern=r"^[a-z_]{3,40}$")]
Reference = Annotated[str, Field(min_length=1, max_length=32, examples=["VF-2026-000123"])]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
# How many items a case holds, documents an answer or report names, matches a suspicion names.
MAX_ITEMS = 20
MAX_DOCUMENT_IDS = 20
MAX_MATCHES = 50


class Needs(EventData):
    medical: bool
    legal: bool


class CaseSubmitted(EventData):
    case_id: Id
    reference: Reference
    org_id: Id
    country: CountryCode
    urgency: Urgency
    items: Annotated[list[Item], Field(min_length=1, max_length=MAX_ITEMS)]
    needs: Needs
    submitted_by: Id


class CaseInformationProvided(EventData):
    case_id: Id
    request_id: Id


class DocumentAttached(EventData):
    case_id: Id
    document_id: Id
    sha256: Sha256
    media_type: MediaType
    size_bytes: Annotated[int, Field(gt=0, le=MAX_DOCUMENT_BYTES)]
    purpose: DocumentPurpose


class CaseWithdrawn(EventData):
    case_id: Id
    reason: WithdrawalReason


class CaseDuplicateSuspected(EventData):
    case_id: Id
    matching_case_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_MATCHES)]


class CaseDuplicateCleared(EventData):
    case_id: Id
    matching_case_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_MATCHES)]
    ruled_by: Id
    reason_code: DuplicateRulingReason


class PersonalDataAccessed(EventData):
    case_id: Id
    actor: Id
    role: ReaderRole
    purpose: AccessPurpose


class PersonalDataErased(EventData):
    case_id: Id
    erased_by: Id
    legal_basis: ErasureBasis


class ReportSubmitted(EventData):
    case_id: Id
    document_ids: Annotated[list[Id], Field(min_length=1, max_length=MAX_DOCUMENT_IDS)]


class CaseClosed(EventData):
    case_id: Id
