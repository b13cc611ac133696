"""Duplicate, late and out-of-order delivery change nothing: the final state is the in-order one."""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from chaos import Client, drive_case, pay_everything, setup_funding
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, precondition, rule
from support import Api, make_stack, publish, query, stream_messages, wait_for, wait_quiet
from support.factories import case_body, item

from dev.stack import Stack


@pytest.fixture(scope="module")
def quiet_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = make_stack(
        tmp_path_factory.mktemp("redelivery"),
        own_servers=True,
        extra_env={"VFUND_LOG_LEVEL": "WARNING"},
    )
    try:
        stack.start_services()
        yield stack
    finally:
        stack.stop()


def snapshot(stack: Stack) -> dict[str, list[str]]:
    """Every row of every table of every service database, as text, sorted."""
    out: dict[str, list[str]] = {}
    for service, dsn in stack.owner_dsns.items():
        tables = [
            r[0]
            for r in query(
                dsn,
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
            )
        ]
        for table in tables:
            rows = query(dsn, f'SELECT t::text FROM "{table}" t')
            out[f"{service}.{table}"] = sorted(r[0] for r in rows)
    return out


def stable_snapshot(stack: Stack) -> dict[str, list[str]]:
    """A snapshot that no longer moves: the audit's last tree head and its event are in."""
    previous = snapshot(stack)
    for _ in range(10):
        time.sleep(6.0)  # more than the audit's head interval
        wait_quiet(stack.nats_url or "")
        current = snapshot(stack)
        if current == previous:
            return current
        previous = current
    raise AssertionError("the databases never settled")


def test_every_event_delivered_again_one_to_three_times_changes_nothing(
    quiet_stack: Stack,
) -> None:
    api = Api(quiet_stack)
    client = Client(api)
    setup_funding(client, "org-a", "100000.00")
    case_ids = [drive_case(client, case_body(items=[item(amount="150.00")])) for _ in range(12)]
    pay_everything(client, quiet_stack, len(case_ids))
    wait_for(
        lambda: (
            query(
                quiet_stack.service_dsns["intake"],
                "SELECT count(*) FROM cases WHERE status = 'paid'",
            )[0][0]
            == 12
        ),
        timeout=60,
        what="all paid",
    )
    wait_quiet(quiet_stack.nats_url or "")
    before = stable_snapshot(quiet_stack)

    rng = random.Random(20261122)
    events = [
        (s, d, h)
        for s, d, h in stream_messages(quiet_stack.nats_url or "")
        if not s.startswith("vfund.deadletter.")
    ]
    for subject, data, headers in events:
        for copy in range(rng.randint(1, 3)):
            # The same Nats-Msg-Id is dropped by JetStream inside its window; a new one is what
            # a re-send after the window looks like: only the inboxes stand between it and a
            # second effect.
            msg_id = headers.get("Nats-Msg-Id") if copy == 0 else f"late-{uuid.uuid4()}"
            publish(quiet_stack.nats_url or "", subject, data, msg_id)
    wait_quiet(quiet_stack.nats_url or "", timeout=120)
    after = stable_snapshot(quiet_stack)
    changed = [t for t in before if before[t] != after.get(t)]
    assert changed == [], f"redelivery changed {changed}"
    assert stream_messages(quiet_stack.nats_url or "", "vfund.deadletter.>") == []


def _event(subject: str, data: dict[str, Any], *, case_id: str, source: str) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": f"/vfund/{source}",
        "type": "org.vfund." + subject.removeprefix("vfund.") + ".v1",
        "subject": case_id,
        "time": datetime.now(UTC).isoformat(),
        "datacontenttype": "application/json",
        "data": data,
        "correlationid": str(uuid.uuid4()),
        "causationid": str(uuid.uuid4()),
        "actor": source,
    }


def story(case_id: str) -> list[tuple[str, dict[str, Any]]]:
    """What the other services tell intake about a case, in the order they would."""
    items = [{"item_id": "item-1", "category": "medical", "amount": "150.00", "currency": "CHF"}]
    money = {
        "case_id": case_id,
        "grant_id": str(uuid.uuid4()),
        "amount": "150.00",
        "currency": "CHF",
        "country": "LB",
    }
    payment = money | {
        "payment_id": str(uuid.uuid4()),
        "payee_id": str(uuid.uuid4()),
        "by_category": [{"category": "medical", "amount": "150.00"}],
    }
    return [
        (
            "vfund.assessment.medical.completed",
            {
                "case_id": case_id,
                "assessor": "medical-1",
                "recommendation": "support",
                "recommended_items": items,
            },
        ),
        (
            "vfund.assessment.case.approval_pending",
            {"case_id": case_id, "first_decider": "m1", "approved_items": items},
        ),
        (
            "vfund.disbursement.budget.reserved",
            money
            | {
                "reservation_id": str(uuid.uuid4()),
                "fx_rate": "1",
                "by_category": [{"category": "medical", "amount": "150.00"}],
                "conversions": [
                    {
                        "item_id": "item-1",
                        "category": "medical",
                        "amount": "150.00",
                        "currency": "CHF",
                        "converted": "150.00",
                        "rate": "1",
                        "as_of": "2026-11-20",
                        "base": "CHF",
                        "quote": "CHF",
                    }
                ],
            },
        ),
        ("vfund.disbursement.payment.scheduled", payment),
        (
            "vfund.disbursement.payment.sent",
            payment | {"paid_on": "2026-11-22", "bank_reference": "BR-1", "batch_id": "batch-1"},
        ),
    ]


class OutOfOrder(RuleBasedStateMachine):
    """One case's events reach intake in any order, some twice; a twin case gets them in order.
    Both must end the same: same status, same timeline, same number of changes."""

    stack: Stack
    api: Api

    @initialize()
    def start(self) -> None:
        self.shuffled = self._new_case()
        self.in_order = self._new_case()
        self.pending = story(self.shuffled)
        self.reference = story(self.in_order)
        self.sent: list[tuple[str, bytes]] = []
        for subject, data in self.reference:
            self._send(
                subject, _event(subject, data, case_id=self.in_order, source=subject.split(".")[1])
            )

    def _new_case(self) -> str:
        # No birth date and a unique name: the twins must not look like duplicates of anyone.
        victim = {"full_name": f"Twin {uuid.uuid4().hex}", "contact": "through the partner"}
        r = self.api.post("intake", "/cases", user="caseworker-a", json=case_body(victim=victim))
        assert r.status_code == 201
        return str(r.json()["case_id"])

    def _send(self, subject: str, event: dict[str, Any]) -> None:
        payload = orjson.dumps(event)
        self.sent.append((subject, payload))
        publish(self.stack.nats_url or "", subject, payload, f"m-{uuid.uuid4()}")

    @precondition(lambda self: bool(self.pending))
    @rule(data=st.data())
    def deliver_any_pending(self, data: st.DataObject) -> None:
        index = data.draw(st.integers(0, len(self.pending) - 1))
        subject, payload = self.pending.pop(index)
        self._send(
            subject, _event(subject, payload, case_id=self.shuffled, source=subject.split(".")[1])
        )

    @precondition(lambda self: any(self.shuffled.encode() in p for _, p in self.sent))
    @rule(data=st.data())
    def deliver_again(self, data: st.DataObject) -> None:
        mine = [(s, p) for s, p in self.sent if self.shuffled.encode() in p]
        subject, payload = data.draw(st.sampled_from(mine))
        publish(self.stack.nats_url or "", subject, payload, f"again-{uuid.uuid4()}")

    def teardown(self) -> None:
        for subject, payload in self.pending:  # whatever the run left undelivered
            self._send(
                subject,
                _event(subject, payload, case_id=self.shuffled, source=subject.split(".")[1]),
            )
        wait_quiet(self.stack.nats_url or "")
        intake = self.stack.service_dsns["intake"]

        def view(case_id: str) -> tuple[Any, ...]:
            case = query(
                intake, "SELECT status, version FROM cases WHERE case_id = $1::uuid", case_id
            )[0]
            kinds = Counter(
                r[0]
                for r in query(
                    intake, "SELECT kind FROM case_history WHERE case_id = $1::uuid", case_id
                )
            )
            return case[0], case[1], kinds

        assert view(self.shuffled) == view(self.in_order)
        assert view(self.shuffled)[0] == "paid"


def test_out_of_order_delivery_ends_as_in_order(quiet_stack: Stack) -> None:
    OutOfOrder.stack = quiet_stack
    OutOfOrder.api = Api(quiet_stack)
    OutOfOrder.TestCase.settings = settings(
        max_examples=8,
        stateful_step_count=8,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    OutOfOrder.TestCase().runTest()
