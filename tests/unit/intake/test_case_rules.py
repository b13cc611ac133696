"""Unit tests for the changes a case takes at intake and who may make them (pure rules)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from services.intake.domain import access
from services.intake.domain import case as rules
from services.intake.domain import status as s
from services.intake.domain.bounds import MAX_DOCUMENTS_PER_CASE, MAX_DUPLICATE_MATCHES
from services.intake.domain.events import (
    Closed,
    DocumentAttached,
    DuplicateCleared,
    DuplicateSuspected,
    InformationProvided,
    PersonalDataAccessed,
    PersonalDataErased,
    ReportSubmitted,
    RequestedItem,
    Withdrawn,
)
from shared.errors import DomainError, Refusal

CASE = rules.Case(case_id="c-1", org_id="org-a", status=s.SUBMITTED, version=3)
SHA = "ab" * 32


@dataclass(frozen=True)
class Who:
    sub: str
    roles: frozenset[str]
    org: str | None = None


def who(*roles: str, org: str | None = None) -> Who:
    return Who(f"{roles[0]}-1", frozenset(roles), org)


def refused(call: object, refusal: Refusal, code: str) -> DomainError:
    assert callable(call)
    with pytest.raises(DomainError) as caught:
        call()
    assert (caught.value.refusal, caught.value.code) == (refusal, code)
    return caught.value


def test_a_submission_numbers_its_items_and_derives_the_needs() -> None:
    submitted = rules.submit(
        case_id="c-1",
        reference="VF-2026-000001",
        org_id="org-a",
        country="LB",
        urgency="emergency",
        items=[
            rules.NewItem("psychological", 100, "CHF"),
            rules.NewItem("legal", 5, "JPY"),
            rules.NewItem("social", 7, "EUR"),
        ],
        submitted_by="cw-1",
    )
    assert submitted.items == (
        RequestedItem("item-1", "psychological", 100, "CHF"),
        RequestedItem("item-2", "legal", 5, "JPY"),
        RequestedItem("item-3", "social", 7, "EUR"),
    )
    assert (submitted.needs_medical, submitted.needs_legal) == (True, True)


@pytest.mark.parametrize(
    ("categories", "medical", "legal"),
    [
        (["social"], False, False),
        (["medical"], True, False),
        (["legal", "relocation"], False, True),
    ],
)
def test_needs_follow_the_categories(categories: list[str], medical: bool, legal: bool) -> None:
    submitted = rules.submit(
        case_id="c",
        reference="r",
        org_id="o",
        country="LB",
        urgency="standard",
        items=[rules.NewItem(c, 1, "CHF") for c in categories],  # type: ignore[arg-type]
        submitted_by="cw",
    )
    assert (submitted.needs_medical, submitted.needs_legal) == (medical, legal)


def test_duplicates_are_suspected_only_on_a_match_and_name_a_bounded_list() -> None:
    assert rules.suspect_duplicates("c-1", []) is None
    many = [f"c-{n:04d}" for n in range(MAX_DUPLICATE_MATCHES + 7)]
    suspected = rules.suspect_duplicates("c-1", many)
    assert suspected == DuplicateSuspected("c-1", tuple(many[:MAX_DUPLICATE_MATCHES]))


def test_withdrawal_says_why_and_ends_the_case() -> None:
    assert rules.withdraw(CASE, reason="safety") == rules.Outcome(
        s.WITHDRAWN, (Withdrawn("c-1", "safety"),)
    )
    refused(
        lambda: rules.withdraw(replace(CASE, status=s.PAID), reason="safety"),
        Refusal.CONFLICT,
        "not-withdrawable",
    )


def test_a_report_closes_a_paid_case_and_names_only_its_documents() -> None:
    paid = replace(CASE, status=s.PAID)
    assert rules.submit_report(paid, document_ids=["d-1"], unknown_documents=[]) == rules.Outcome(
        s.CLOSED, (ReportSubmitted("c-1", ("d-1",)), Closed("c-1"))
    )
    problem = refused(
        lambda: rules.submit_report(paid, document_ids=["d-1", "d-2"], unknown_documents=["d-2"]),
        Refusal.INVALID,
        "unknown-documents",
    )
    assert problem.errors == [
        {
            "field": "document_ids",
            "code": "unknown_document",
            "message": "not a document of this case: d-2",
        }
    ]
    # The status is refused first: an unpaid case's report is a conflict whatever it names.
    refused(
        lambda: rules.submit_report(CASE, document_ids=["d-2"], unknown_documents=["d-2"]),
        Refusal.CONFLICT,
        "not-paid",
    )


def _answer(case: rules.Case, request: rules.InformationRequest | None) -> rules.Outcome:
    return rules.provide_information(case, request, unknown_documents=[])


def test_answering_the_last_open_request_returns_the_case_to_assessment() -> None:
    asked = replace(CASE, status=s.INFORMATION_REQUESTED)
    last = rules.InformationRequest("r-1", answered=False, open_requests=1)
    assert _answer(asked, last) == rules.Outcome(
        s.IN_ASSESSMENT, (InformationProvided("c-1", "r-1"),)
    )
    one_of_two = rules.InformationRequest("r-1", answered=False, open_requests=2)
    assert _answer(asked, one_of_two).status == s.INFORMATION_REQUESTED


@pytest.mark.parametrize(
    ("case", "asked", "refusal", "code"),
    [
        (CASE, None, Refusal.NOT_FOUND, "request-not-found"),
        (CASE, rules.InformationRequest("r-1", True, 0), Refusal.CONFLICT, "already-answered"),
        (
            replace(CASE, status=s.APPROVED),
            rules.InformationRequest("r-1", False, 1),
            Refusal.CONFLICT,
            "assessment-over",
        ),
        (
            replace(CASE, erased=True),
            rules.InformationRequest("r-1", False, 1),
            Refusal.CONFLICT,
            "personal-data-erased",
        ),
    ],
)
def test_answers_are_refused_when_they_cannot_apply(
    case: rules.Case, asked: rules.InformationRequest | None, refusal: Refusal, code: str
) -> None:
    refused(lambda: _answer(case, asked), refusal, code)


def _attach(case: rules.Case, held: int = 0) -> rules.Outcome:
    return rules.attach_document(
        case,
        documents_held=held,
        document_id="d-1",
        sha256=SHA,
        media_type="application/pdf",
        size_bytes=10,
        purpose="evidence",
    )


def test_a_document_keeps_the_status_and_shows_in_the_timeline() -> None:
    outcome = _attach(CASE)
    assert outcome.status == s.SUBMITTED
    [attached] = outcome.events
    assert attached == DocumentAttached("c-1", "d-1", SHA, "application/pdf", 10, "evidence")
    assert attached.in_timeline and attached.detail() == {
        "document_id": "d-1",
        "purpose": "evidence",
    }


@pytest.mark.parametrize(
    ("case", "held", "code"),
    [
        (replace(CASE, status=s.WITHDRAWN), 0, "case-final"),
        (CASE, MAX_DOCUMENTS_PER_CASE, "too-many-documents"),
        (replace(CASE, erased=True), 0, "personal-data-erased"),
    ],
)
def test_documents_are_refused_when_they_cannot_apply(
    case: rules.Case, held: int, code: str
) -> None:
    refused(lambda: _attach(case, held), Refusal.CONFLICT, code)


def test_a_duplicate_ruling_clears_a_flagged_case_and_names_its_matches() -> None:
    flagged = replace(CASE, possible_duplicate=True, duplicate_of=("c-0",))
    outcome = rules.clear_duplicate(flagged, ruled_by="legal-1", reason_code="different_person")
    assert outcome == rules.Outcome(
        s.SUBMITTED, (DuplicateCleared("c-1", ("c-0",), "legal-1", "different_person"),)
    )
    refused(
        lambda: rules.clear_duplicate(CASE, ruled_by="legal-1", reason_code="other"),
        Refusal.CONFLICT,
        "not-flagged",
    )


def test_erasure_is_once() -> None:
    outcome = rules.erase(CASE, erased_by="admin-1", legal_basis="safety_risk")
    assert outcome.events == (PersonalDataErased("c-1", "admin-1", "safety_risk"),)
    refused(
        lambda: rules.erase(replace(CASE, erased=True), erased_by="a", legal_basis="safety_risk"),
        Refusal.CONFLICT,
        "already-erased",
    )


@pytest.mark.parametrize(
    ("actor", "role"),
    [
        (who("caseworker", org="org-a"), "caseworker"),
        (who("medical_assessor"), "medical_assessor"),
        (who("medical_assessor", "legal_assessor"), "legal_assessor"),
    ],
)
def test_a_read_of_personal_data_names_the_role_and_stays_out_of_the_timeline(
    actor: Who, role: str
) -> None:
    accessed = rules.read_personal("c-1", actor, purpose="case_review")
    assert accessed == PersonalDataAccessed("c-1", actor.sub, role, "case_review")  # type: ignore[arg-type]
    assert not accessed.in_timeline


# Who sees what: (actor, sees org-a's case, reads its personal data, lists which org)
ACCESS = [
    (who("caseworker", org="org-a"), True, True, "org-a"),
    (who("caseworker", org="org-b"), False, False, "org-b"),
    (who("org_admin", org="org-a"), True, False, "org-a"),
    (who("org_admin", org="org-b"), False, False, "org-b"),
    (who("medical_assessor"), True, True, None),
    (who("legal_assessor"), True, True, None),
    (who("fund_manager"), True, False, None),
    (who("admin"), True, False, None),
    (who("finance"), False, False, "forbidden"),
    (who("donor"), False, False, "forbidden"),
]


@pytest.mark.parametrize(
    ("actor", "sees", "reads", "scope"), ACCESS, ids=[str(a[0]) for a in ACCESS]
)
def test_who_sees_reads_and_lists_what(actor: Who, sees: bool, reads: bool, scope: str) -> None:
    assert access.sees(actor, "org-a") is sees
    assert access.reads_personal(actor, "org-a") is reads
    if scope == "forbidden":
        refused(lambda: access.scope_of(actor), Refusal.FORBIDDEN, "no-org")
    else:
        assert access.scope_of(actor) == scope


def test_a_member_without_an_organisation_sees_nothing() -> None:
    for role in ("caseworker", "org_admin"):
        nobody = who(role)
        assert not access.sees(nobody, "org-a")
        refused(lambda n=nobody: access.scope_of(n), Refusal.FORBIDDEN, "no-org")  # type: ignore[misc]
        refused(lambda n=nobody: access.own_org(n), Refusal.FORBIDDEN, "no-org")  # type: ignore[misc]


def test_changes_are_for_the_owning_organisation_unless_said_otherwise() -> None:
    access.check_change(who("caseworker", org="org-a"), "org-a", owner_only=True)
    access.check_change(who("legal_assessor"), "org-a", owner_only=False)
    for actor, owner_only in (
        (who("caseworker", org="org-b"), True),
        (who("legal_assessor"), True),
        (who("finance"), False),
    ):
        refused(
            lambda a=actor, o=owner_only: access.check_change(a, "org-a", owner_only=o),  # type: ignore[misc]
            Refusal.NOT_FOUND,
            "case-not-found",
        )
