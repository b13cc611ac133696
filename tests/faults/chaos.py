"""Driving many cases through the whole system while services are killed, and checking the end."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
from support import Api, query, stream_messages, wait_for

from dev.stack import Stack

CRASH_POINTS = "outbox.before_publish,outbox.after_publish,consumer.after_commit"


class Chaos:
    """SIGKILLs a random service every `interval` seconds, and restarts any that died (including
    those that killed themselves at a crash point)."""

    def __init__(self, stack: Stack, *, interval: float, seed: int = 7) -> None:
        self.stack = stack
        self.interval = interval
        self.kills: Counter[str] = Counter()
        self.crashes: Counter[str] = Counter()
        self._random = random.Random(seed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        next_kill = time.monotonic() + self.interval
        while not self._stop.is_set():
            for name, svc in self.stack.services.items():
                if svc.proc is not None and svc.proc.poll() is not None:
                    self.crashes[name] += 1
                    svc.start()
            if time.monotonic() >= next_kill:
                name = self._random.choice(list(self.stack.services))
                self.stack.services[name].kill()
                self.kills[name] += 1
                self.stack.services[name].start()
                next_kill = time.monotonic() + self.interval
            time.sleep(0.05)

    def __enter__(self) -> Chaos:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)
        for svc in self.stack.services.values():  # a calm end: everyone up and serving
            if svc.proc is None or svc.proc.poll() is not None:
                svc.start()
            svc.wait_ready()


class Client:
    """A user who retries, with the same Idempotency-Key, until the service answers."""

    def __init__(self, api: Api, *, deadline: float = 120.0) -> None:
        self.api = api
        self.deadline = deadline
        self.local = threading.local()

    def _http(self) -> httpx.Client:
        if not hasattr(self.local, "http"):
            self.local.http = httpx.Client(timeout=10.0)
        return self.local.http  # type: ignore[no-any-return]

    def call(
        self,
        method: str,
        service: str,
        path: str,
        user: str,
        *,
        json: Any = None,
        ok: tuple[int, ...] = (200, 201, 202),
        wait_for_status: tuple[int, ...] = (),
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        key = str(uuid.uuid4())
        headers = self.api.auth(user) | {"Idempotency-Key": key} | (headers or {})
        give_up = time.monotonic() + self.deadline
        while True:
            try:
                url = self.api.stack.services[service].url + path
                r = self._http().request(method, url, headers=headers, json=json)
            except httpx.HTTPError:
                r = None
            if r is not None and r.status_code in ok:
                return r
            # Down, restarting, or the event this call depends on has not arrived yet.
            retry = r is None or r.status_code in (502, 503, *wait_for_status)
            if not retry or time.monotonic() > give_up:
                raise AssertionError(
                    f"{method} {service}{path}: "
                    f"{r.status_code if r else 'no answer'} {r.text if r else ''}"
                )
            time.sleep(0.1)


def setup_funding(client: Client, org: str, total: str) -> str:
    grant = client.call(
        "POST",
        "disbursement",
        "/grants",
        "finance-1",
        json={
            "donor": "Chaos Donor",
            "name": f"Grant {uuid.uuid4().hex[:6]}",
            "amount": total,
            "currency": "CHF",
            "valid_from": "2020-01-01",
            "valid_to": "2099-12-31",
        },
    )
    payee = client.call(
        "POST",
        "disbursement",
        "/payees",
        "finance-1",
        json={
            "org_id": org,
            "kind": "organisation",
            "name": "Partner NGO",
            "iban": "CH9300762011623852957",
            "default": True,
        },
    )
    client.call(
        "POST",
        "disbursement",
        f"/payees/{payee.json()['payee_id']}/confirm",
        "finance-2",
        headers={"If-Match": payee.headers["ETag"]},
    )
    return str(grant.json()["grant_id"])


def drive_case(client: Client, body: dict[str, Any]) -> str:
    case_id = str(
        client.call("POST", "intake", "/cases", "caseworker-a", json=body).json()["case_id"]
    )
    items = [{"item_id": "item-1", "amount": body["items"][0]["amount"], "currency": "CHF"}]
    client.call(
        "POST",
        "assessment",
        f"/cases/{case_id}/medical-assessment",
        "medical-1",
        json={"recommendation": "support", "recommended_items": items},
        wait_for_status=(404,),
    )
    client.call(
        "POST",
        "assessment",
        f"/cases/{case_id}/decision",
        "manager-1",
        json={"decision": "approve", "approved_items": items},
    )
    return case_id


def pay_everything(client: Client, stack: Stack, count: int) -> None:
    dsn = stack.service_dsns["disbursement"]
    wait_for(
        lambda: (
            query(dsn, "SELECT count(*) FROM payments WHERE status = 'scheduled'")[0][0] >= count
        ),
        timeout=180,
        interval=0.5,
        what=f"{count} payments scheduled",
    )
    batch = client.call("POST", "disbursement", "/batches", "finance-1", json={"currency": "CHF"})
    batch_id = batch.json()["batch_id"]
    client.call(
        "POST",
        "disbursement",
        f"/batches/{batch_id}/approve",
        "finance-2",
        headers={"If-Match": batch.headers["ETag"]},
    )
    payments = [
        r[0]
        for r in query(
            dsn, "SELECT payment_id::text FROM payments WHERE batch_id = $1::uuid", batch_id
        )
    ]
    assert len(payments) == count
    today = datetime.now(UTC).date().isoformat()

    def confirm(payment_id: str) -> None:
        client.call(
            "POST",
            "disbursement",
            f"/payments/{payment_id}/confirm",
            "finance-1",
            json={"bank_reference": f"BR-{payment_id[:13]}", "paid_on": today},
        )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(confirm, payments))


def check_end_state(stack: Stack, case_ids: list[str], amount_minor: int) -> None:
    intake, disb, audit = (stack.service_dsns[s] for s in ("intake", "disbursement", "audit"))
    wait_for(
        lambda: (
            query(
                intake,
                "SELECT count(*) FROM cases WHERE status = 'paid' AND case_id = ANY($1::uuid[])",
                case_ids,
            )[0][0]
            == len(case_ids)
        ),
        timeout=180,
        interval=0.5,
        what="every case paid in the caseworker's view",
    )
    assert query(intake, "SELECT count(*) FROM cases")[0][0] == len(case_ids), "a case twice"
    # Money: one sent payment per case, never more than approved, every grant conserved.
    rows = query(
        disb,
        "SELECT case_id::text, count(*), sum(amount_minor) FROM payments"
        " WHERE status <> 'cancelled' GROUP BY case_id",
    )
    assert len(rows) == len(case_ids)
    assert all(r[1] == 1 and r[2] == amount_minor for r in rows), "a case paid twice or wrongly"
    assert query(disb, "SELECT count(*) FROM payments WHERE status <> 'sent'")[0][0] == 0
    for g in query(
        disb, "SELECT amount_minor, available_minor, reserved_minor, disbursed_minor FROM grants"
    ):
        assert g[0] == g[1] + g[2] + g[3] and g[1] >= 0
    assert sum(
        g[0] for g in query(disb, "SELECT disbursed_minor FROM grants")
    ) == amount_minor * len(case_ids)

    # Events: the audit log holds exactly the stream's events, each once.
    def in_stream() -> list[str]:
        return [
            orjson.loads(d)["id"]
            for s, d, _ in stream_messages(stack.nats_url or "")
            if not s.startswith("vfund.deadletter.")
        ]

    def settled() -> bool:
        logged = query(audit, "SELECT count(*) FROM log_entries")[0][0]
        return bool(logged >= len(set(in_stream())))

    wait_for(settled, timeout=180, interval=1.0, what="the audit log caught up with the stream")
    stream_ids = in_stream()
    logged = [r[0] for r in query(audit, "SELECT event_id FROM log_entries ORDER BY idx")]
    assert len(stream_ids) == len(set(stream_ids)), "the stream holds an event twice"
    assert len(logged) == len(set(logged)), "the audit log holds an event twice"
    assert set(logged) == set(stream_ids), "the audit log and the stream differ"
    sent = Counter(
        orjson.loads(d)["data"]["payment_id"]
        for _, d, _ in stream_messages(stack.nats_url or "", "vfund.disbursement.payment.sent")
    )
    assert len(sent) == len(case_ids) and set(sent.values()) == {1}, "payment.sent twice"
    dead = stream_messages(stack.nats_url or "", "vfund.deadletter.>")
    assert dead == [], [
        (s, h.get("Vfund-Original-Subject"), h.get("Vfund-Error"), h.get("Vfund-Deliveries"))
        for s, _, h in dead
    ]
