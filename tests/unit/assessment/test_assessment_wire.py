"""Domain events onto the wire: each has its own form, none is guessed, all are the catalogue's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from support.assessment_mother import (
    FX,
    MANAGER,
    MEDICAL,
    POLICY,
    T0,
    approve,
    assess,
    assessed,
    hours,
    item,
    new_case,
    reject,
)

from services.assessment import domain, wire
from services.assessment.domain import events as d
from services.assessment.domain.codes import AssessmentKind, Recommendation
from shared.events import CATALOGUE


def _leaves(cls: type[d.DomainEvent]) -> set[type[d.DomainEvent]]:
    """The concrete kinds of domain event the service defines (not those a test makes up, nor
    the classes @dataclass(slots=True) replaced)."""
    subs = {c for c in cls.__subclasses__() if getattr(d, c.__name__, None) is c}
    return {c for c in subs if not _leaves(c)} | {leaf for c in subs for leaf in _leaves(c)}


def _every_event() -> list[d.DomainEvent]:
    """One of each kind of domain event, made by the rules themselves."""
    two = new_case(item("i1", "medical", "4000.00"), item("i2", "legal", "2500.00"))
    social = new_case(item("i1", "social", "1500.00"), urgency="emergency")
    events: list[d.DomainEvent] = []
    events += assess(two, AssessmentKind.MEDICAL).events
    events += assess(two, AssessmentKind.LEGAL).events
    events += domain.request_review(
        social, kind=AssessmentKind.MEDICAL, assessor="medical-1", roles=MEDICAL, now=T0
    ).events
    events += domain.request_information(
        two, assessor="medical-1", roles=MEDICAL, category_code="cost_estimate", now=T0
    ).events
    pending = approve(assessed(two))
    events += pending.events
    events += approve(pending.case, "manager-2").events
    events += reject(assessed(two)).events
    fast = approve(social, at=T0).case
    events += domain.ratify(fast, manager="manager-2", roles=MANAGER, now=T0 + hours(1)).events
    events += domain.check_deadlines(fast, now=T0 + timedelta(days=8), policy=POLICY).events
    events += domain.check_deadlines(
        two, now=T0 + timedelta(days=19, hours=13), policy=POLICY
    ).events
    events += domain.check_deadlines(two, now=T0 + timedelta(days=40), policy=POLICY).events
    assert FX  # the approvals above used the mother's rates
    return events


def test_every_domain_event_has_its_own_wire_form() -> None:
    made = {type(e) for e in _every_event()}
    assert made == _leaves(d.DomainEvent), "a kind of event is not exercised here"
    published = dict(wire.PUBLISHES)
    for event in _every_event():
        subject, data = wire.to_wire(event)
        assert published[subject] is type(data)
        assert CATALOGUE[subject] is type(data)
        again = CATALOGUE[subject].model_validate(data.model_dump(mode="json"))
        assert again == data
    assert {wire.to_wire(e)[0] for e in _every_event()} == set(published)


def test_an_event_without_a_wire_form_is_refused_not_guessed() -> None:
    @dataclass(frozen=True, slots=True, kw_only=True)
    class Unknown(d.DomainEvent):
        pass

    with pytest.raises(TypeError, match="no wire form for Unknown"):
        wire.to_wire(Unknown(case_id="case-1", occurred_at=T0))
    base = d.AssessmentCompleted(
        case_id="case-1",
        occurred_at=T0,
        assessor="medical-1",
        recommendation=Recommendation.SUPPORT,
        recommended_items=(),
        has_reason_for_exceeding=False,
    )
    with pytest.raises(TypeError):  # neither medical nor legal: no subject to guess
        wire.to_wire(base)
