"""Unit tests for intake's domain events on the wire: every one has its catalogue form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from services.intake import wire
from services.intake.domain import events as d
from shared.events import CATALOGUE

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ITEMS = (
    d.RequestedItem("item-1", "medical", 120050, "CHF"),
    d.RequestedItem("item-2", "legal", 7, "JPY"),
)
EXAMPLES: list[d.CaseEvent] = [
    d.Submitted("c-1", "VF-2026-000001", "org-a", "LB", "emergency", ITEMS, True, True, "cw-1"),
    d.DuplicateSuspected("c-1", ("c-0",)),
    d.DuplicateCleared("c-1", ("c-0",), "legal-1", "different_person"),
    d.DocumentAttached("c-1", "d-1", "ab" * 32, "image/png", 10, "information"),
    d.InformationProvided("c-1", "r-1"),
    d.Withdrawn("c-1", "safety"),
    d.ReportSubmitted("c-1", ("d-1",)),
    d.Closed("c-1"),
    d.PersonalDataAccessed("c-1", "medical-1", "medical_assessor", "case_review"),
    d.PersonalDataErased("c-1", "admin-1", "consent_withdrawn"),
]  # fmt: skip


def test_every_domain_event_type_has_an_example_here() -> None:
    declared = {
        v
        for v in vars(d).values()
        if isinstance(v, type) and issubclass(v, d.CaseEvent) and v is not d.CaseEvent
    }
    assert {type(e) for e in EXAMPLES} == declared


@pytest.mark.parametrize("event", EXAMPLES, ids=[type(e).__name__ for e in EXAMPLES])
def test_each_event_becomes_its_catalogue_event_with_every_value_kept(event: d.CaseEvent) -> None:
    subject, data = wire.to_wire(event)
    model = CATALOGUE[subject]
    assert isinstance(data, model)
    dumped = data.model_dump(mode="json")
    assert model.model_validate(dumped).model_dump(mode="json") == dumped
    assert dumped["case_id"] == event.case_id


def test_a_submission_carries_exact_amounts() -> None:
    _, data = wire.to_wire(EXAMPLES[0])
    dumped = data.model_dump(mode="json")
    assert [(i["amount"], i["currency"]) for i in dumped["items"]] == [
        ("1200.50", "CHF"),
        ("7", "JPY"),
    ]
    assert dumped["needs"] == {"medical": True, "legal": True}


def test_an_event_type_without_a_wire_form_is_an_error_not_a_guess() -> None:
    @dataclass(frozen=True, slots=True)
    class Unmapped(d.CaseEvent):
        pass

    with pytest.raises(TypeError, match="no wire form for Unmapped"):
        wire.to_wire(Unmapped("c-1"))


def test_envelopes_continue_the_story_or_start_it() -> None:
    started = wire.envelopes(
        [EXAMPLES[0]], actor="cw-1", causation_id="req-1", correlation_id=None, now=AT
    )
    [(subject, first)] = started
    assert subject == "vfund.intake.case.submitted"
    assert first.correlationid == first.id and first.causationid == "req-1"
    assert (first.source, first.subject, first.actor) == ("/vfund/intake", "c-1", "cw-1")
    continued = wire.envelopes(
        EXAMPLES[6:8], actor="cw-1", causation_id="req-2", correlation_id=first.id, now=AT
    )
    assert [s for s, _ in continued] == [
        "vfund.intake.case.report_submitted",
        "vfund.intake.case.closed",
    ]
    assert {e.correlationid for _, e in continued} == {first.id}
    assert wire.timeline_kind(continued[1][0]) == "case.closed"
