"""What the disbursement tests need behind the API: approvals injected, grants, payees, the DB."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import orjson

from dev.stack import Stack
from shared.events import subjects
from shared.events.assessment import CaseApproved
from shared.events.common import Item
from shared.events.envelope import CloudEvent, new_event
from shared.events.intake import CaseWithdrawn
from support import Api, publish, query, run, stream_messages, wait_for

IBAN_DE = "DE89370400440532013000"
IBAN_CH = "CH9300762011623852957"
IBAN_GB = "GB33BUKB20201555555555"
BAD_IBAN = "DE89370400440532013001"  # one digit off: the checksum fails


def approval(
    case_id: str | None = None, *, org_id: str | None = None, country: str = "LB",
    items: Sequence[tuple[str, str, str]] = (("medical", "1200.00", "CHF"),),
) -> CloudEvent[CaseApproved]:  # fmt: skip
    case_id = case_id or str(uuid.uuid4())
    data = CaseApproved(
        case_id=case_id, org_id=org_id or f"org-{uuid.uuid4().hex[:8]}", country=country,
        urgency="standard", decided_by=["manager-1"],
        approved_items=[Item(item_id=f"item-{n + 1}", category=c, amount=a, currency=ccy)
                        for n, (c, a, ccy) in enumerate(items)],
    )  # fmt: skip
    return new_event(
        subjects.CASE_APPROVED, data, service="assessment", subject=case_id, actor="manager-1"
    )


def withdrawal(case_id: str) -> CloudEvent[CaseWithdrawn]:
    return new_event(
        subjects.CASE_WITHDRAWN,
        CaseWithdrawn(case_id=case_id, reason="no_longer_needed"),
        service="intake",
        subject=case_id,
        actor="caseworker-a",
    )


def inject(stack: Stack, event: CloudEvent[Any], subject: str) -> None:
    publish(stack.nats_url, subject, event.to_json(), event.id)


def approve(stack: Stack, **kw: Any) -> CloudEvent[CaseApproved]:
    event = approval(**kw)
    inject(stack, event, subjects.CASE_APPROVED)
    return event


def db(stack: Stack, sql: str, *args: Any) -> list[Any]:
    return query(stack.service_dsns["disbursement"], sql, *args)


def grant_body(amount: str = "10000.00", currency: str = "CHF", **kw: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "donor": "Donor State", "name": f"Grant {uuid.uuid4().hex[:6]}", "amount": amount,
        "currency": currency, "valid_from": "2020-01-01", "valid_to": "2099-12-31",
    }  # fmt: skip
    return body | kw


def create_grant(api: Api, **kw: Any) -> dict[str, Any]:
    resp = api.post("disbursement", "/grants", user="finance-1", json=grant_body(**kw))
    assert resp.status_code == 201, resp.text
    body: dict[str, Any] = resp.json()
    return body


def active_payee(api: Api, org_id: str, *, iban: str = IBAN_DE, default: bool = True) -> str:
    resp = api.post(
        "disbursement",
        "/payees",
        user="finance-1",
        json={
            "org_id": org_id,
            "kind": "organisation",
            "name": "Partner NGO",
            "iban": iban,
            "default": default,
        },
    )
    assert resp.status_code == 201, resp.text
    payee_id: str = resp.json()["payee_id"]
    confirmed = api.post(
        "disbursement",
        f"/payees/{payee_id}/confirm",
        user="finance-2",
        headers={"If-Match": resp.headers["ETag"]},
    )
    assert confirmed.status_code == 200, confirmed.text
    return payee_id


def approve_batch(api: Api, batch: dict[str, Any], user: str = "finance-2") -> Any:
    """A second officer approves the batch as it was shown to them (its version)."""
    return api.post(
        "disbursement",
        f"/batches/{batch['batch_id']}/approve",
        user=user,
        headers={"If-Match": f'"{batch["version"]}"'},
    )


def confirmed_rate(api: Api, base: str, quote: str, rate: str, as_of: str) -> dict[str, Any]:
    """A rate proposed by finance-1 and confirmed by finance-2: in effect."""
    proposed = api.post(
        "disbursement",
        "/fx-rates",
        user="finance-1",
        json={"base": base, "quote": quote, "rate": rate, "as_of": as_of},
    )
    assert proposed.status_code == 201, proposed.text
    confirmed = api.post(
        "disbursement",
        f"/fx-rates/{proposed.json()['rate_id']}/confirm",
        user="finance-2",
        headers={"If-Match": proposed.headers["ETag"]},
    )
    assert confirmed.status_code == 200, confirmed.text
    body: dict[str, Any] = confirmed.json()
    return body


def payments_of(api: Api, case_id: str) -> list[dict[str, Any]]:
    resp = api.get("disbursement", f"/payments?case_id={case_id}", user="finance-1")
    assert resp.status_code == 200, resp.text
    items: list[dict[str, Any]] = resp.json()["items"]
    return items


def wait_payment(api: Api, case_id: str, status: str | None = None) -> dict[str, Any]:
    def probe() -> dict[str, Any] | None:
        found = [p for p in payments_of(api, case_id) if status in (None, p["status"])]
        return found[0] if found else None

    return wait_for(probe, what=f"a {status or 'any'} payment for case {case_id}")


def grant(api: Api, grant_id: str) -> dict[str, Any]:
    resp = api.get("disbursement", f"/grants/{grant_id}", user="finance-1")
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


def conserved(stack: Stack) -> None:
    """Per grant: amount = available + reserved + disbursed, all of them >= 0."""
    rows = db(stack, "SELECT * FROM grants")
    for r in rows:
        assert r["amount_minor"] == (
            r["available_minor"] + r["reserved_minor"] + r["disbursed_minor"]
        ), dict(r)
        assert min(r["available_minor"], r["reserved_minor"], r["disbursed_minor"]) >= 0
    over = db(
        stack,
        "SELECT case_id FROM reservations WHERE disbursed_minor + released_minor > amount_minor",
    )
    assert not over


def events_for(stack: Stack, subject: str, case_id: str) -> list[dict[str, Any]]:
    found = []
    for _, data, _ in stream_messages(stack.nats_url, subject):
        event = orjson.loads(data)
        if event["subject"] == case_id:
            found.append(event)
    return found


# --- "nothing changed": the tables a command writes, and the events the service published ---

TABLES = (
    "grants",
    "grant_adjustments",
    "fx_rates",
    "approved_cases",
    "reservations",
    "payees",
    "payments",
    "batches",
    "batch_lines",
    "statements",
    "statement_entries",
    "status_reports",
    "payment_bank_entries",
)


async def _published(nats_url: str) -> int:
    import nats

    nc = await nats.connect(nats_url.split(","))
    try:
        info = await nc.jetstream().stream_info("VFUND", subjects_filter="vfund.disbursement.>")
        return sum((info.state.subjects or {}).values())
    finally:
        await nc.close()


def published(stack: Stack) -> int:
    """How many events the disbursement service has published on the stream."""
    return int(run(_published(stack.nats_url or "")))


async def _busy(nats_url: str) -> bool:
    import nats

    nc = await nats.connect(nats_url.split(","))
    try:
        consumers = await nc.jetstream().consumers_info("VFUND")
        return any(
            c.num_pending or c.num_ack_pending
            for c in consumers
            if c.name.startswith("disbursement-")
        )
    finally:
        await nc.close()


def settled(stack: Stack) -> None:
    """Disbursement has applied every event it consumes, and published what it committed."""
    wait_for(
        lambda: not run(_busy(stack.nats_url or "")),
        timeout=30,
        interval=0.1,
        what="disbursement's consumers caught up",
    )
    wait_for(lambda: not db(stack, "SELECT 1 FROM outbox LIMIT 1"), what="the outbox drained")


def state(stack: Stack) -> dict[str, str]:
    """A digest of every row of the tables commands write, and the count of events published,
    once disbursement has settled."""
    settled(stack)
    digests = {
        table: db(
            stack,
            f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"
            f" AS d FROM {table} t",
        )[0]["d"]
        for table in TABLES
    }
    return digests | {"events": str(published(stack))}


def dead_letters(stack: Stack, event_id: str) -> list[bytes]:
    """The dead letters of disbursement that carry this event."""
    return [
        data
        for _, data, _ in stream_messages(stack.nats_url, "vfund.deadletter.disbursement")
        if event_id.encode() in data
    ]
