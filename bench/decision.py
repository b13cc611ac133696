"""Decision to `payment.scheduled`: a fund manager's approval POST answered → the payment event
in the stream (an ephemeral ordered consumer notes each arrival).

Written against the contract's routes (CONTRACT.md §4); when one of them is missing at run time
the stage reports "unavailable: <reason>" instead of a number.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import nats
import orjson
from nats.js.api import DeliverPolicy

from bench.flows import client, commit_times, open_loop, submit
from bench.report import Json, latency
from bench.system import Target
from shared.events import subjects


class Unavailable(Exception):
    """A route the stage needs is not there (yet), or the flow does not reach its end."""


def _check(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code == 404 or response.status_code == 405:
        raise Unavailable(f"{what} answered {response.status_code}")
    if response.status_code >= 300:
        raise Unavailable(f"{what} answered {response.status_code}: {response.text[:200]}")
    body = response.json() if response.content else {}
    return body if isinstance(body, dict) else {}


async def _funding(http: httpx.AsyncClient, target: Target) -> None:
    """A grant that covers every bench case, and org-a's default payee."""
    url = target.urls["disbursement"]
    _check(
        await http.post(
            f"{url}/grants",
            headers=target.auth("finance-1"),
            json={
                "donor": "Bench Donor",
                "name": "Bench grant",
                "amount": "100000000.00",
                "currency": "CHF",
                "restrictions": {"countries": [], "categories": []},
                "valid_from": "2020-01-01",
                "valid_to": "2099-12-31",
            },
        ),
        "POST /grants",
    )
    payee = _check(
        await http.post(
            f"{url}/payees",
            headers=target.auth("finance-1"),
            json={
                "name": "Partner Org A",
                "kind": "organisation",
                "org_id": "org-a",
                "default": True,
                "iban": "CH9300762011623852957",
                "bic": "UBSWCHZH80A",
            },
        ),
        "POST /payees",
    )
    payee_id = payee.get("payee_id") or payee.get("id")
    if payee_id and payee.get("status") not in (None, "active", "confirmed"):
        # Payees are under four eyes: a second finance officer confirms.
        _check(
            await http.post(
                f"{url}/payees/{payee_id}/confirm", headers=target.auth("finance-2"), json={}
            ),
            "POST /payees/{id}/confirm",
        )


async def _assessed_case(http: httpx.AsyncClient, target: Target) -> str:
    case_id = await submit(http, target)
    await commit_times(
        target.db_dsn("assessment"),
        "SELECT case_id::text, pg_xact_commit_timestamp(xmin) FROM case_files"
        " WHERE case_id::text = ANY($1::text[])",
        [case_id],
        wait_s=30,
    )
    _check(
        await http.post(
            f"{target.urls['assessment']}/cases/{case_id}/medical-assessment",
            headers=target.auth("medical-1"),
            json={
                "recommendation": "support",
                "notes": "bench",
                "recommended_items": [
                    {"item_id": "item-1", "amount": "1200.00", "currency": "CHF"}
                ],
            },
        ),
        "POST /cases/{id}/medical-assessment",
    )
    return case_id


async def measure(target: Target, *, n: int, rate: float, wait_s: float = 30.0) -> Json:
    try:
        return await _measure(target, n=n, rate=rate, wait_s=wait_s)
    except Unavailable as why:
        return {"status": f"unavailable: {why}"}


async def _measure(target: Target, *, n: int, rate: float, wait_s: float) -> Json:
    arrived: dict[str, float] = {}
    nc = await nats.connect(target.nats_url)
    try:

        async def on_payment(msg: Any) -> None:
            now = time.time()
            case_id = orjson.loads(msg.data).get("data", {}).get("case_id")
            if isinstance(case_id, str):
                arrived.setdefault(case_id, now)

        sub = await nc.jetstream().subscribe(
            subjects.PAYMENT_SCHEDULED,
            cb=on_payment,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.NEW,
        )
        async with client(16) as http:
            await _funding(http, target)
            cases = list(await asyncio.gather(*(_assessed_case(http, target) for _ in range(n))))
            decided: dict[str, float] = {}

            async def decide(i: int) -> None:
                response = await http.post(
                    f"{target.urls['assessment']}/cases/{cases[i]}/decision",
                    headers=target.auth("manager-1"),
                    json={
                        "decision": "approve",
                        "approved_items": [
                            {"item_id": "item-1", "amount": "1200.00", "currency": "CHF"}
                        ],
                    },
                )
                decided[cases[i]] = time.time()
                _check(response, "POST /cases/{id}/decision")

            await open_loop(rate, n, decide)
        deadline = time.monotonic() + wait_s
        # Arrivals are stamped by the callback; this loop only decides when to stop waiting.
        while len(arrived.keys() & decided.keys()) < n and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        await sub.unsubscribe()
    finally:
        await nc.close()
    got = [arrived[c] - decided[c] for c in decided if c in arrived]
    if not got:
        return {
            "status": f"unavailable: no {subjects.PAYMENT_SCHEDULED} within {wait_s:.0f}s"
            " of the decisions"
        }
    return {
        "status": "ok",
        "rate_per_s": round(rate, 1),
        "missing": n - len(got),
        **latency(got),
        "target_p99_ms": 25.0,
        "method": "decision POST answered (client clock) → event received by an ordered"
        " push consumer (same clock)",
    }
