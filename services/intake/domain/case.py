"""The changes a case takes at intake: each checks the rules and says what happened."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from services.intake.domain import status as s
from services.intake.domain.access import Actor, reading_role
from services.intake.domain.bounds import MAX_DOCUMENTS_PER_CASE, MAX_DUPLICATE_MATCHES
from services.intake.domain.events import (
    CaseEvent,
    Closed,
    DocumentAttached,
    DuplicateCleared,
    DuplicateSuspected,
    InformationProvided,
    PersonalDataAccessed,
    PersonalDataErased,
    ReportSubmitted,
    RequestedItem,
    Submitted,
    Withdrawn,
)
from shared.errors import DomainError, Refusal
from shared.events.common import Category, Urgency
from shared.events.intake import (
    DocumentPurpose,
    DuplicateRulingReason,
    ErasureBasis,
    MediaType,
    WithdrawalReason,
)

NEEDS_MEDICAL = frozenset({"medical", "psychological"})


@dataclass(frozen=True, slots=True)
class Case:
    """What the rules look at of a stored case."""

    case_id: str
    org_id: str
    status: str
    version: int
    possible_duplicate: bool = False
    duplicate_of: tuple[str, ...] = ()
    erased: bool = False


@dataclass(frozen=True, slots=True)
class Outcome:
    """A change's result: the case's status after it, and what happened."""

    status: str
    events: tuple[CaseEvent, ...]


@dataclass(frozen=True, slots=True)
class InformationRequest:
    """An assessor's request as intake holds it, with how many of the case's are open."""

    request_id: str
    answered: bool
    open_requests: int


@dataclass(frozen=True, slots=True)
class NewItem:
    category: Category
    amount_minor: int
    currency: str


def submit(
    *,
    case_id: str,
    reference: str,
    org_id: str,
    country: str,
    urgency: Urgency,
    items: Sequence[NewItem],
    submitted_by: str,
) -> Submitted:
    """A new case: its items numbered in order, the assessments its categories need."""
    numbered = tuple(
        RequestedItem(f"item-{n}", i.category, i.amount_minor, i.currency)
        for n, i in enumerate(items, start=1)
    )
    categories = {i.category for i in items}
    return Submitted(
        case_id=case_id,
        reference=reference,
        org_id=org_id,
        country=country,
        urgency=urgency,
        items=numbered,
        needs_medical=bool(categories & NEEDS_MEDICAL),
        needs_legal="legal" in categories,
        submitted_by=submitted_by,
    )


def suspect_duplicates(case_id: str, matches: Sequence[str]) -> DuplicateSuspected | None:
    """Other cases sharing a blind token; the event names at most MAX_DUPLICATE_MATCHES."""
    if not matches:
        return None
    return DuplicateSuspected(case_id, tuple(matches[:MAX_DUPLICATE_MATCHES]))


def withdraw(case: Case, *, reason: WithdrawalReason) -> Outcome:
    return Outcome(s.withdraw(case.status), (Withdrawn(case.case_id, reason),))


def submit_report(
    case: Case, *, document_ids: Sequence[str], unknown_documents: Sequence[str]
) -> Outcome:
    closed = s.submit_report(case.status)
    _known_documents(unknown_documents)
    return Outcome(
        closed, (ReportSubmitted(case.case_id, tuple(document_ids)), Closed(case.case_id))
    )


def provide_information(
    case: Case, request: InformationRequest | None, *, unknown_documents: Sequence[str]
) -> Outcome:
    if request is None:
        raise DomainError(
            Refusal.NOT_FOUND, "request-not-found", "no such information request on this case"
        )
    if request.answered:
        raise DomainError(
            Refusal.CONFLICT, "already-answered", "this information request is already answered"
        )
    s.may_answer(case.status)
    _known_documents(unknown_documents)
    _not_erased(case)
    after = s.after_information_provided(case.status, open_requests_left=request.open_requests - 1)
    return Outcome(after, (InformationProvided(case.case_id, request.request_id),))


def attach_document(
    case: Case,
    *,
    documents_held: int,
    document_id: str,
    sha256: str,
    media_type: MediaType,
    size_bytes: int,
    purpose: DocumentPurpose,
) -> Outcome:
    s.may_attach(case.status)
    if documents_held >= MAX_DOCUMENTS_PER_CASE:
        raise DomainError(
            Refusal.CONFLICT,
            "too-many-documents",
            f"a case holds at most {MAX_DOCUMENTS_PER_CASE} documents",
        )
    _not_erased(case)
    attached = DocumentAttached(case.case_id, document_id, sha256, media_type, size_bytes, purpose)
    return Outcome(case.status, (attached,))


def clear_duplicate(case: Case, *, ruled_by: str, reason_code: DuplicateRulingReason) -> Outcome:
    if not case.possible_duplicate:
        raise DomainError(
            Refusal.CONFLICT, "not-flagged", "the case is not flagged as a possible duplicate"
        )
    cleared = DuplicateCleared(case.case_id, case.duplicate_of, ruled_by, reason_code)
    return Outcome(case.status, (cleared,))


def erase(case: Case, *, erased_by: str, legal_basis: ErasureBasis) -> Outcome:
    if case.erased:
        raise DomainError(
            Refusal.CONFLICT, "already-erased", "the case's personal data is already erased"
        )
    return Outcome(case.status, (PersonalDataErased(case.case_id, erased_by, legal_basis),))


def read_personal(case_id: str, actor: Actor, *, purpose: str) -> PersonalDataAccessed:
    """Every read of decrypted personal data is said, with who, in which role, and why."""
    return PersonalDataAccessed(case_id, actor.sub, reading_role(actor), purpose)


def _not_erased(case: Case) -> None:
    if case.erased:
        raise DomainError(
            Refusal.CONFLICT, "personal-data-erased", "the case's personal data was erased"
        )


def _known_documents(unknown: Sequence[str]) -> None:
    if unknown:
        raise DomainError(
            Refusal.INVALID,
            "unknown-documents",
            "some documents are not attached to this case",
            errors=[
                {
                    "field": "document_ids",
                    "code": "unknown_document",
                    "message": f"not a document of this case: {d}",
                }
                for d in unknown
            ],
        )
