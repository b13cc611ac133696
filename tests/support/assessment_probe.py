"""What the assessment tests look at behind the API: its database, the stream, intake's events."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import asyncpg
import nats
import orjson

from dev.stack import Stack
from shared.events import subjects
from shared.events.common import Item
from shared.events.envelope import CONTENT_TYPE, EventData, new_event
from shared.events.intake import CaseSubmitted, Needs
from support import INJECTED, Api, stream_messages, wait_for
from support.factories import case_body

# What a test publishes on purpose is marked so (as tests/support's own publish helper marks it):
# the suite's check of the stream leaves such events and the dead letters they cause out.


def query(stack: Stack, sql: str, *args: Any) -> list[asyncpg.Record]:
    async def go() -> list[asyncpg.Record]:
        conn = await asyncpg.connect(stack.owner_dsns["assessment"])
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    return asyncio.run(go())


def publish(
    stack: Stack,
    subject: str,
    data: EventData,
    *,
    case_id: str,
    time: datetime | None = None,
    actor: str = "caseworker-a",
) -> str:
    """An event as its producer would publish it (intake or disbursement may not run)."""
    event = new_event(
        subject,
        data,
        service=subject.split(".")[1],
        subject=case_id,
        actor=actor,
        now=time or datetime.now(UTC),
    )

    async def go() -> None:
        nc = await nats.connect(stack.nats_url)
        try:
            await nc.jetstream().publish(
                subject,
                event.to_json(),
                headers={"Nats-Msg-Id": event.id, "Content-Type": CONTENT_TYPE, **INJECTED},
            )
        finally:
            await nc.close()

    asyncio.run(go())
    return event.id


def case_events(stack: Stack, case_id: str) -> list[dict[str, Any]]:
    """The assessment service's events about one case, in stream order, once its outbox drained."""
    wait_for(
        lambda: not query(stack, "SELECT 1 FROM outbox LIMIT 1"),
        what="the assessment outbox to drain",
    )
    out = []
    for _, data, _ in stream_messages(stack.nats_url or "", "vfund.assessment.>"):
        event = orjson.loads(data)
        if event.get("subject") == case_id:
            out.append(event)
    return out


def events_on(stack: Stack, subject: str, case_id: str) -> list[dict[str, Any]]:
    """Every event on `subject` about the case, from any producer."""
    parsed = (orjson.loads(d) for _, d, _ in stream_messages(stack.nats_url or "", subject))
    return [e for e in parsed if e.get("subject") == case_id]


def types(events: list[dict[str, Any]]) -> list[str]:
    return [e["type"].removeprefix("org.vfund.assessment.").removesuffix(".v1") for e in events]


def read(api: Api, case_id: str, user: str = "manager-1") -> dict[str, Any]:
    response = api.get("assessment", f"/cases/{case_id}", user=user)
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == f'"{response.json()["version"]}"'
    body: dict[str, Any] = response.json()
    return body


def queue(api: Api, kind: str, user: str, **params: Any) -> dict[str, Any]:
    response = api.get("assessment", "/queue", user=user, params={"kind": kind, **params})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def queue_line(api: Api, kind: str, user: str, case_id: str) -> dict[str, Any] | None:
    """The case's line in a queue, paging through it all."""
    cursor = None
    while True:
        page = queue(api, kind, user, limit=200, **({"cursor": cursor} if cursor else {}))
        line = next((i for i in page["items"] if i["case_id"] == case_id), None)
        if line is not None or page["next_cursor"] is None:
            return line
        cursor = page["next_cursor"]


def wait_known(api: Api, case_id: str) -> dict[str, Any]:
    def known() -> dict[str, Any] | None:
        response = api.get("assessment", f"/cases/{case_id}", user="manager-1")
        return response.json() if response.status_code == 200 else None

    return wait_for(known, what="the case in assessment")


@contextmanager
def nothing_changes(api: Api, stack: Stack, case_id: str) -> Iterator[None]:
    """The block must change neither the case (its version) nor publish any event about it."""
    version = read(api, case_id)["version"]
    before = len(case_events(stack, case_id))
    yield
    assert read(api, case_id)["version"] == version
    assert len(case_events(stack, case_id)) == before


def new_id() -> str:
    return str(uuid.uuid4())


def submit(api: Api, *items: dict[str, Any], urgency: str = "standard") -> str:
    body = case_body(items=list(items), urgency=urgency)
    response = api.post("intake", "/cases", user="caseworker-a", json=body)
    assert response.status_code == 201, response.text
    case_id: str = response.json()["case_id"]
    wait_known(api, case_id)
    return case_id


def assess(api: Api, case_id: str, kind: str, *, etag: str | None = None, **body: Any) -> Any:
    payload = {"recommendation": "support", "recommended_items": [], "notes": ""} | body
    headers = {"If-Match": etag} if etag else None
    return api.post(
        "assessment",
        f"/cases/{case_id}/{kind}-assessment",
        user=f"{kind}-1",
        json=payload,
        headers=headers,
    )


def decide(api: Api, case_id: str, manager: str, *, etag: str | None = None, **body: Any) -> Any:
    headers = {"If-Match": etag} if etag else None
    return api.post(
        "assessment", f"/cases/{case_id}/decision", user=manager, json=body, headers=headers
    )


def ratify(api: Api, case_id: str, manager: str, *, etag: str | None = None) -> Any:
    headers = {"If-Match": etag} if etag else None
    return api.post("assessment", f"/cases/{case_id}/ratification", user=manager, headers=headers)


def reviewed(api: Api, case_id: str, user: str) -> str:
    """The ETag of the case as `user` reads it now: what a confirmation names (If-Match)."""
    response = api.get("assessment", f"/cases/{case_id}", user=user)
    assert response.status_code == 200, response.text
    return str(response.headers["ETag"])


def intake_status(api: Api, case_id: str) -> str:
    response = api.get("intake", f"/cases/{case_id}", user="caseworker-a")
    assert response.status_code == 200, response.text
    status: str = response.json()["status"]
    return status


def inject_case(
    api: Api,
    *items: tuple[str, str, str],
    urgency: str = "standard",
    medical: bool = False,
    legal: bool = False,
) -> str:
    """A case as intake would announce it, without intake: for cases intake's API would refuse
    (or cases that must stay out of intake). Items are (category, amount, currency)."""
    case_id = new_id()
    submitted = CaseSubmitted(
        case_id=case_id,
        reference=f"VF-T-{case_id[:6]}",
        org_id="org-a",
        country="UA",
        urgency=urgency,  # type: ignore[arg-type]
        items=[
            Item(item_id=f"item-{n + 1}", category=c, amount=a, currency=cur)  # type: ignore[arg-type]
            for n, (c, a, cur) in enumerate(items)
        ],
        needs=Needs(medical=medical, legal=legal),
        submitted_by="caseworker-a",
    )
    publish(api.stack, subjects.CASE_SUBMITTED, submitted, case_id=case_id)
    wait_known(api, case_id)
    return case_id
