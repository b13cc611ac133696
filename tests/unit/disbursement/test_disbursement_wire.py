"""Donor-report shares by category add up to the amount exactly, whatever the weights."""

from __future__ import annotations

import sys
from decimal import Decimal
from uuid import uuid4

import orjson
import pytest
from support.disbursement_mothers import IBAN_GB, NOW, TODAY, case, grant, money, payee

from services.disbursement.domain.batches import (
    approve_batch,
    confirm_payment,
    create_batch,
    fail_payment,
    withdraw_case,
)
from services.disbursement.domain.common import DomainEvent
from services.disbursement.domain.fx import (
    confirm_rate,
    fx_rate,
    propose_rate,
    reject_rate,
    review,
)
from services.disbursement.domain.grants import adjust_grant, create_grant
from services.disbursement.domain.payees import change_bank_details, confirm_payee, register_payee
from services.disbursement.domain.payments import (
    SplitPart,
    cancel_payment,
    open_payment,
    set_payee,
    split_payment,
)
from services.disbursement.domain.reservations import reserve
from services.disbursement.domain.statements import (
    StatementEntryDismissed,
    StatementEntryMatched,
    StatementImported,
    StatusReportImported,
    return_payment,
)
from services.disbursement.wire import Cause, allocate, cloud_events, wire
from shared.events import CATALOGUE
from shared.events.envelope import EventData
from shared.money import Money


@pytest.mark.parametrize(
    ("amount", "weights", "expected"),
    [
        ("1200.00", [("medical", 1)], {"medical": "1200.00"}),
        ("1000.00", [("medical", 600), ("legal", 400)], {"medical": "600.00", "legal": "400.00"}),
        ("0.01", [("medical", 1), ("legal", 1)], {"legal": "0.01"}),
        (
            "100.00",
            [("social", 1), ("social", 1), ("legal", 1)],
            {"social": "66.67", "legal": "33.33"},
        ),
        ("10.00", [("medical", 0)], {}),
    ],
)
def test_allocate_is_exact(
    amount: str, weights: list[tuple[str, int]], expected: dict[str, str]
) -> None:
    shares = allocate(Money.parse(amount, "CHF"), weights)
    assert {s.category: s.amount for s in shares} == expected
    if shares:
        assert (
            sum(Money.parse(s.amount, "CHF").minor for s in shares)
            == Money.parse(amount, "CHF").minor
        )


# --- every domain event has a true, typed wire form -------------------------------------------


def _concrete(kind: type) -> set[type]:
    """The event classes as their modules define them (a slots dataclass replaces the class it
    was declared as, and the replaced one lingers among the subclasses)."""
    found: set[type] = set()
    for sub in kind.__subclasses__():
        if getattr(sys.modules[sub.__module__], sub.__name__, None) is not sub:
            continue
        found |= _concrete(sub) if sub.__subclasses__() else {sub}
    return found


def test_every_domain_event_has_its_own_wire_form() -> None:
    events = _concrete(DomainEvent)
    assert len(events) >= 20
    for kind in events:
        assert wire.dispatch(kind) is not wire.dispatch(DomainEvent), kind.__name__
    with pytest.raises(TypeError):
        wire(DomainEvent())


def _story() -> list[DomainEvent]:
    """Every kind of fact, as the service produces them: grants, a rate proposed, confirmed and
    another rejected, a converted reservation, payees, a payment scheduled on confirmation,
    split, batched, approved, sent, failed, cancelled, a withdrawal, a case left waiting."""
    out: list[DomainEvent] = []
    g = create_grant(
        grant_id=uuid4(), donor="D", name="N", amount=money("5000.00"),
        valid_from=TODAY, valid_to=TODAY, created_at=NOW,
    )  # fmt: skip
    out += g.events
    adjusted = adjust_grant(g.state, Money(-100, "CHF"), "donor_cut")
    out += adjusted.events
    rate = fx_rate(base="EUR", quote="CHF", rate=Decimal("0.95"), as_of=TODAY, today=TODAY)
    found = review(rate, [], Decimal("0.25"))
    entry = propose_rate(rate_id=uuid4(), rate=rate, proposed_by="finance-1", at=NOW, review=found)
    out += entry.events
    out += confirm_rate(entry.state, confirmed_by="finance-2", at=NOW, review=found).events
    out += reject_rate(entry.state, rejected_by="finance-1", at=NOW, review=found).events
    c = case(("medical", "100.00", "EUR"), ("legal", "50.00", "CHF"))
    reserved = reserve(c, [adjusted.state], [rate], today=TODAY, at=NOW)
    assert reserved.reservation is not None and reserved.grant is not None
    out += reserved.events
    out += reserve(case(country="KE"), [], [], today=TODAY, at=NOW).events  # insufficient
    pending = payee(confirmed=False)
    out += register_payee(
        payee_id=pending.payee_id, org_id="org-a", kind="organisation", name="NGO",
        iban=IBAN_GB, bic=None, is_default=True, requested_by="finance-1", at=NOW,
    ).events  # fmt: skip
    active = confirm_payee(pending, confirmed_by="finance-2")
    out += active.events
    out += change_bank_details(active.state, iban=IBAN_GB, bic=None, requested_by="f-1").events
    opened = open_payment(reserved.reservation, payment_id=uuid4(), default=None, at=NOW)
    out += opened.events
    scheduled = set_payee(opened.state, active.state)  # what a payee confirmation does
    out += scheduled.events
    pieces, split = split_payment(
        scheduled.state, [SplitPart(money("90.00")), SplitPart(money("55.00"), None, frozenset({1}))],
        reservation=reserved.reservation, new_ids=[uuid4()],
        payees={active.state.payee_id: active.state}, at=NOW,
    )  # fmt: skip
    out += split
    first = set_payee(pieces[0], active.state).state
    second = set_payee(pieces[1], active.state).state
    made = create_batch(
        batch_id=uuid4(), currency="CHF", payments=[first, second],
        payees={active.state.payee_id: active.state}, created_by="finance-1", at=NOW,
    )  # fmt: skip
    out += made.events
    approved = approve_batch(made.batch, approved_by="finance-2", at=NOW)
    out += approved.events
    sent = confirm_payment(
        made.payments[0], batch=approved.state, reservation=reserved.reservation,
        grant=reserved.grant, bank_reference="BANK-1", paid_on=TODAY,
    )  # fmt: skip
    out += sent.events
    failed = fail_payment(
        made.payments[1], batch=approved.state, reservation=sent.reservation, grant=sent.grant,
        reason="AC04",
    )  # fmt: skip
    out += failed.events
    out += cancel_payment(
        failed.payment, reservation=failed.reservation, grant=failed.grant, reason="closed"
    ).events
    # The bank gives the paid one back (a statement's return), and what imports report.
    out += return_payment(
        sent.payment, reservation=sent.reservation, grant=sent.grant, reason="AC04",
        returned_on=TODAY,
    ).events  # fmt: skip
    statement = uuid4()
    out += [
        StatementImported(statement, "CH9300762011623852957", "camt.053.001.08", 3, 1, 1, "f-1"),
        StatusReportImported(uuid4(), "pain.002.001.10", 2, 1, 0, "finance-1"),
        StatementEntryMatched(statement, 2, "matched", (sent.payment.payment_id,), "finance-2"),
        StatementEntryDismissed(statement, 1, "bank_charges", "finance-2"),
    ]
    other = reserve(case(), [grant()], [], today=TODAY, at=NOW)
    assert other.reservation is not None and other.grant is not None
    waiting = open_payment(other.reservation, payment_id=uuid4(), default=None, at=NOW).state
    out += withdraw_case(
        other.reservation, grant=other.grant, payments=[waiting], batches={}
    ).events
    return out


def _nulls(data: dict[str, object], model: type[EventData]) -> list[str]:
    """Required fields (by the catalogue) that are null, and strings that say "None"."""
    found = [f"{name}: null" for name, field in model.model_fields.items()
             if field.is_required() and data.get(name) is None]  # fmt: skip
    found += [f"{name}: 'None'" for name, value in data.items() if value == "None"]
    return found


def test_every_event_of_a_story_is_true_and_typed() -> None:
    story = _story()
    cause = Cause("finance-1", "request-1", "story-1")
    published = cloud_events(story, cause)
    assert {type(e) for e in story} == _concrete(DomainEvent)  # the story covers them all
    for (subject, event), domain_event in zip(published, story, strict=True):
        model = CATALOGUE[subject]
        data = orjson.loads(event.to_json())["data"]
        model.model_validate(data)  # the catalogue's own model accepts what we publish
        assert not _nulls(data, model), (subject, _nulls(data, model))
        for shares in (data.get("by_category"),):
            if shares is not None:
                assert shares, subject
                assert sum(Money.parse(s["amount"], data["currency"]).minor for s in shares) == (
                    Money.parse(data["amount"], data["currency"]).minor
                )
        case = getattr(domain_event, "case", None) or getattr(
            getattr(domain_event, "payment", None) or getattr(domain_event, "reservation", None),
            "case",
            None,
        )
        expected = case.correlation_id if case is not None else "story-1"
        assert event.correlationid == expected, subject
