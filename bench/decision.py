"""Decision to `payment.scheduled`: a fund manager's approval POST answered → the payment event
in the stream (an ephemeral ordered consumer notes each arrival), at half the flow's saturating
rate, which the stage measures first.

Written against the contract's routes (CONTRACT.md §4); when one of them is missing at run time
the stage reports "unavailable: <reason>" instead of a number.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import nats
import orjson
from nats.js.api import DeliverPolicy

from bench.flows import client, open_loop, queued_times, quiet, submit
from bench.http import Http, Reply
from bench.raw import closed_loop
from bench.report import Json, latency
from bench.system import CpuMeter, Target, cpu_used
from shared.events import subjects


class Unavailable(Exception):
    """A route the stage needs is not there (yet), or the flow does not reach its end."""


def _check(response: Reply, what: str) -> dict[str, Any]:
    if response.status == 404 or response.status == 405:
        raise Unavailable(f"{what} answered {response.status}")
    if response.status >= 300:
        raise Unavailable(f"{what} answered {response.status}: {response.text[:200]}")
    body = response.json() or {}
    return body if isinstance(body, dict) else {}


async def _post(
    http: Http,
    target: Target,
    url: str,
    *,
    user: str,
    body: dict[str, Any],
    what: str,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    """POST as a demo user; the answer's JSON object, or Unavailable."""
    sent = target.auth(user) | (headers or {})
    return _check(await http.post(url, headers=sent, json=body), what)


async def _funding(http: Http, target: Target) -> None:
    """A grant that covers every bench case, and org-a's default payee."""
    url = target.urls["disbursement"]
    grant = {
        "donor": "Bench Donor",
        "name": "Bench grant",
        "amount": "100000000.00",
        "currency": "CHF",
        "restrictions": {"countries": [], "categories": []},
        "valid_from": "2020-01-01",
        "valid_to": "2099-12-31",
    }
    await _post(http, target, f"{url}/grants", user="finance-1", body=grant, what="POST /grants")
    account = {
        "name": "Partner Org A",
        "kind": "organisation",
        "org_id": "org-a",
        "default": True,
        "iban": "CH9300762011623852957",
        "bic": "UBSWCHZH80A",
    }
    payee = await _post(
        http, target, f"{url}/payees", user="finance-1", body=account, what="POST /payees"
    )
    payee_id = payee.get("payee_id") or payee.get("id")
    if payee_id and payee.get("status") not in (None, "active", "confirmed"):
        # Payees are under four eyes: a second finance officer confirms what they reviewed.
        reviewed = {"If-Match": f'"{payee.get("version", 1)}"'}
        await _post(
            http,
            target,
            f"{url}/payees/{payee_id}/confirm",
            user="finance-2",
            body={},
            what="POST /payees/{id}/confirm",
            headers=reviewed,
        )


DECISION = {
    "decision": "approve",
    "approved_items": [{"item_id": "item-1", "amount": "1200.00", "currency": "CHF"}],
}


async def _assessed_cases(http: Http, target: Target, k: int) -> list[str]:
    """k submitted cases, each in the assessment queue with its medical assessment done."""
    cases: list[str] = []

    async def one(_i: int) -> None:
        cases.append(await submit(http, target))

    await closed_loop(k, 16, one)
    queued = await queued_times(target, cases)
    if len(queued) < k:
        raise Unavailable(f"{k - len(queued)} submitted cases never reached assessment")

    async def assess(i: int) -> None:
        await _post(
            http,
            target,
            f"{target.urls['assessment']}/cases/{cases[i]}/medical-assessment",
            user="medical-1",
            body={
                "recommendation": "support",
                "notes": "bench",
                "recommended_items": DECISION["approved_items"],
            },
            what="POST /cases/{id}/medical-assessment",
        )

    await closed_loop(k, 16, assess)
    return cases


class Arrivals:
    """When each case's payment.scheduled reached an ordered push consumer (epoch seconds)."""

    def __init__(self) -> None:
        self.at: dict[str, float] = {}

    async def on_message(self, msg: Any) -> None:
        now = time.time()
        case_id = orjson.loads(msg.data).get("data", {}).get("case_id")
        if isinstance(case_id, str):
            self.at.setdefault(case_id, now)

    async def wait_for(self, cases: list[str], wait_s: float) -> None:
        deadline = time.monotonic() + wait_s
        # Arrivals are stamped by the callback; this loop only decides when to stop waiting.
        while any(c not in self.at for c in cases) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)


async def measure(
    target: Target, *, n: int, burst: int, cpu: CpuMeter, wait_s: float = 60.0
) -> Json:
    try:
        return await _measure(target, n=n, burst=burst, cpu=cpu, wait_s=wait_s)
    except Unavailable as why:
        return {"status": f"unavailable: {why}"}


async def _measure(target: Target, *, n: int, burst: int, cpu: CpuMeter, wait_s: float) -> Json:
    """The flow's saturating rate first (a burst of decisions posted by 16 managers at once,
    timed to the last payment.scheduled), then n decisions at half that rate, open loop. As in
    the propagation stage, a first pass at that rate warms the system up (not measured) and
    each pass starts from a system that has caught up: measured right after the burst, the
    first paced decisions met the burst's aftermath (its backlog just drained) and made the p99
    of 200 on their own."""
    arrivals = Arrivals()
    nc = await nats.connect(target.nats_url)
    try:
        sub = await nc.jetstream().subscribe(
            subjects.PAYMENT_SCHEDULED,
            cb=arrivals.on_message,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.NEW,
        )
        async with client(16) as http:
            await _funding(http, target)
            warm_n = max(20, n // 3)
            cases = await _assessed_cases(http, target, burst + warm_n + n)
            await quiet(nc)
            decided: dict[str, float] = {}

            def decide(batch: list[str]) -> Callable[[int], Awaitable[None]]:
                async def one(i: int) -> None:
                    response = await http.post(
                        f"{target.urls['assessment']}/cases/{batch[i]}/decision",
                        headers=target.auth("manager-1"),
                        json=DECISION,
                    )
                    decided[batch[i]] = time.time()
                    _check(response, "POST /cases/{id}/decision")

                return one

            flood, warm, paced = (
                cases[:burst],
                cases[burst : burst + warm_n],
                cases[burst + warm_n :],
            )
            began = time.time()
            await closed_loop(burst, 16, decide(flood))
            await arrivals.wait_for(flood, wait_s)
            done = [arrivals.at[c] for c in flood if c in arrivals.at]
            if len(done) < burst:
                raise Unavailable(f"{burst - len(done)} of {burst} payments never scheduled")
            capacity = burst / (max(done) - began)
            rate = capacity / 2
            await quiet(nc)
            await open_loop(rate, warm_n, decide(warm))
            await arrivals.wait_for(warm, wait_s)
            await quiet(nc)
            before = cpu()
            started = time.perf_counter()
            await open_loop(rate, n, decide(paced))
            await arrivals.wait_for(paced, wait_s)
            used = cpu_used(before, cpu(), n, time.perf_counter() - started)
        await sub.unsubscribe()
    finally:
        await nc.close()
    got = [arrivals.at[c] - decided[c] for c in paced if c in arrivals.at]
    if not got:
        raise Unavailable(f"no {subjects.PAYMENT_SCHEDULED} within {wait_s:.0f}s")
    return {
        "status": "ok",
        "saturating_per_s": round(capacity, 1),
        "rate_per_s": round(rate, 1),
        "missing": n - len(got),
        **latency(got),
        "target_p99_ms": 25.0,
        "cpu_ms_per_decision": used,
        "method": f"{burst} decisions posted at once by 16 clients, timed to their last"
        f" payment.scheduled, give the saturating rate; {warm_n} decisions at half that rate warm"
        " the system up; then decision POST answered (client clock) → event received by an"
        " ordered push consumer (same clock), open loop at half that rate",
    }
