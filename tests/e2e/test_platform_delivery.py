"""Delivery guarantees on real servers: outbox across a crash, inbox, dead letters."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import orjson
from support import Api, publish, query, stream_messages, wait_for
from support.factories import case_body

from dev.stack import Stack


def _event(subject: str, data: dict[str, object], *, case_id: str) -> dict[str, object]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/vfund/assessment",
        "type": "org.vfund." + subject.removeprefix("vfund.") + ".v1",
        "subject": case_id,
        "time": datetime.now(UTC).isoformat(),
        "datacontenttype": "application/json",
        "data": data,
        "correlationid": str(uuid.uuid4()),
        "causationid": str(uuid.uuid4()),
        "actor": "medical-1",
    }


def _assessed(kind: str, case_id: str) -> dict[str, object]:
    """A `<kind>.completed` event as the assessment service would publish it."""
    data = {
        "case_id": case_id,
        "assessor": f"{kind}-1",
        "recommendation": "support",
        "recommended_items": [],
    }
    return _event(f"vfund.assessment.{kind}.completed", data, case_id=case_id)


def _submitted(stack: Stack, case_id: str) -> list[object]:
    return [
        1
        for subject, data, headers in stream_messages(
            stack.nats_url or "", "vfund.intake.case.submitted"
        )
        # Published by intake, not injected by a (hostile) test.
        if "Vfund-Test" not in headers and orjson.loads(data)["data"]["case_id"] == case_id
    ]


def _published_submissions(stack: Stack) -> int:
    messages = stream_messages(stack.nats_url or "", "vfund.intake.case.submitted")
    return sum(1 for _, _, headers in messages if "Vfund-Test" not in headers)


def _history(stack: Stack, case_id: str, event_id: str) -> int:
    rows = query(
        stack.service_dsns["intake"],
        "SELECT count(*) FROM case_history WHERE case_id = $1 AND event_id = $2",
        case_id,
        event_id,
    )
    return int(rows[0][0])


def _outbox_drained(stack: Stack) -> bool:
    return not query(stack.service_dsns["intake"], "SELECT 1 FROM outbox LIMIT 1")


def test_committed_event_is_published_after_a_crash_before_publishing(
    api: Api, stack: Stack
) -> None:
    # What earlier tests left to publish would trip the crash point before this test's case.
    wait_for(lambda: _outbox_drained(stack), what="intake's outbox drained")
    try:
        stack.restart("intake", env={"VFUND_CRASH_POINTS": "outbox.before_publish"})
        created = api.post("intake", "/cases", user="caseworker-a", json=case_body())
        assert created.status_code == 201
        case_id = created.json()["case_id"]
        proc = stack.services["intake"].proc
        assert proc is not None
        wait_for(lambda: proc.poll() is not None, what="intake killed by its crash point")
        assert proc.returncode == -9
        assert not _submitted(stack, case_id), "published although the relay died first"
    finally:
        stack.services["intake"].env.pop("VFUND_CRASH_POINTS", None)
        stack.restart("intake")
    found = wait_for(lambda: _submitted(stack, case_id), what="event published after restart")
    assert len(found) == 1


def test_a_rolled_back_request_publishes_nothing(api: Api, stack: Stack) -> None:
    # The same Idempotency-Key with another body fails inside the transaction: nothing commits.
    key = str(uuid.uuid4())
    first = api.post(
        "intake", "/cases", user="caseworker-a", json=case_body(), headers={"Idempotency-Key": key}
    )
    assert first.status_code == 201
    wait_for(lambda: _submitted(stack, first.json()["case_id"]), what="first case published")
    before = _published_submissions(stack)
    again = api.post(
        "intake",
        "/cases",
        user="caseworker-a",
        json=case_body(country="JO"),
        headers={"Idempotency-Key": key},
    )
    assert again.status_code == 422
    replay = api.post(
        "intake", "/cases", user="caseworker-a", json=case_body(), headers={"Idempotency-Key": key}
    )
    assert replay.status_code in (201, 422)
    marker = api.post("intake", "/cases", user="caseworker-a", json=case_body())
    wait_for(lambda: _submitted(stack, marker.json()["case_id"]), what="marker case published")
    after = _published_submissions(stack)
    assert after == before + 1, "the refused request published an event"


def test_the_same_event_delivered_twice_has_one_effect(api: Api, stack: Stack) -> None:
    case_id = api.post("intake", "/cases", user="caseworker-a", json=case_body()).json()["case_id"]
    event = _assessed("medical", case_id)
    payload = orjson.dumps(event)
    # Two different message ids defeat JetStream's dedup: the inbox alone must hold.
    publish(stack.nats_url or "", "vfund.assessment.medical.completed", payload, "dup-a-" + case_id)
    publish(stack.nats_url or "", "vfund.assessment.medical.completed", payload, "dup-b-" + case_id)
    wait_for(lambda: _history(stack, case_id, str(event["id"])), what="event applied")
    marker = _assessed("legal", case_id)
    publish(stack.nats_url or "", "vfund.assessment.legal.completed", orjson.dumps(marker))
    wait_for(lambda: _history(stack, case_id, str(marker["id"])), what="later event applied")
    assert _history(stack, case_id, str(event["id"])) == 1


def _restart_armed(stack: Stack, name: str, env: dict[str, str]) -> None:
    """Restart a service with a crash point armed. Events other tests left for it (redeliveries
    still pending in a long session) may reach the crash point before it is ready: each such
    start commits one of them and dies; the next start goes on, until none is left."""
    for _ in range(30):
        try:
            stack.restart(name, env=env)
        except RuntimeError:
            continue
        return
    raise AssertionError(f"{name} never came up with {env} armed")


def test_redelivery_after_a_crash_between_commit_and_ack_changes_nothing_twice(
    api: Api, stack: Stack
) -> None:
    case_id = api.post("intake", "/cases", user="caseworker-a", json=case_body()).json()["case_id"]
    event = _assessed("medical", case_id)
    try:
        _restart_armed(stack, "intake", {"VFUND_CRASH_POINTS": "consumer.after_commit"})
        publish(stack.nats_url or "", "vfund.assessment.medical.completed", orjson.dumps(event))
        proc = stack.services["intake"].proc
        assert proc is not None
        wait_for(lambda: proc.poll() is not None, what="intake killed after its commit")
        assert _history(stack, case_id, str(event["id"])) == 1  # committed, never acked
    finally:
        stack.services["intake"].env.pop("VFUND_CRASH_POINTS", None)
        stack.restart("intake")
    # After restart the event comes again (ack_wait) or is already acked: either way, one effect.
    marker = _assessed("legal", case_id)
    publish(stack.nats_url or "", "vfund.assessment.legal.completed", orjson.dumps(marker))
    wait_for(lambda: _history(stack, case_id, str(marker["id"])), what="consumer going on")
    assert _history(stack, case_id, str(event["id"])) == 1


def test_an_event_that_never_applies_is_dead_lettered_and_the_consumer_goes_on(
    api: Api, stack: Stack
) -> None:
    missing_case = str(uuid.uuid4())  # intake asks for redelivery until it knows the case
    stuck = _assessed("medical", missing_case)
    publish(stack.nats_url or "", "vfund.assessment.medical.completed", orjson.dumps(stuck))
    garbage_seq = publish(stack.nats_url or "", "vfund.assessment.case.approved", b"{not json")

    case_id = api.post("intake", "/cases", user="caseworker-a", json=case_body()).json()["case_id"]
    ok = _assessed("legal", case_id)
    publish(stack.nats_url or "", "vfund.assessment.legal.completed", orjson.dumps(ok))
    wait_for(lambda: _history(stack, case_id, str(ok["id"])), what="later events still applied")

    def dead_letters() -> list[tuple[str, bytes, dict[str, str]]]:
        return stream_messages(stack.nats_url or "", "vfund.deadletter.intake")

    def has_stuck() -> bool:
        return any(
            orjson.loads(d).get("id") == stuck["id"]
            for _, d, _ in dead_letters()
            if d.startswith(b'{"')
        )

    wait_for(has_stuck, timeout=30, what="the stuck event in vfund.deadletter.intake")
    letter = next(
        h
        for _, d, h in dead_letters()
        if d.startswith(b'{"') and orjson.loads(d).get("id") == stuck["id"]
    )
    assert letter["Vfund-Original-Subject"] == "vfund.assessment.medical.completed"
    assert int(letter["Vfund-Deliveries"]) >= 6
    wait_for(
        lambda: any(
            h.get("Vfund-Stream-Sequence") == str(garbage_seq) for _, _, h in dead_letters()
        ),
        what="garbage dead-lettered at once",
    )
    metrics = api.get("intake", "/metrics").text
    assert (
        'vfund_deadletters_total{service="intake",subject="vfund.assessment.medical.completed"}'
        in metrics
    )


def test_jetstream_keeps_its_own_record_of_terminated_events(api: Api, stack: Stack) -> None:
    """Besides our dead-letter subject, JetStream's termination advisories are kept in a stream."""
    import asyncio

    import nats

    poison_seq = publish(stack.nats_url or "", "vfund.assessment.case.approved", b"[1, 2")

    async def advisories() -> list[dict[str, object]]:
        nc = await nats.connect(stack.nats_url or "")
        try:
            js = nc.jetstream()
            info = await js.stream_info("VFUND_ADVISORIES")
            found = []
            for seq in range(info.state.first_seq, info.state.last_seq + 1):
                msg = await js.get_msg("VFUND_ADVISORIES", seq)
                found.append(orjson.loads(msg.data or b"{}"))
            return found
        finally:
            await nc.close()

    def terminated() -> bool:
        return any(
            a.get("stream_seq") == poison_seq and a.get("stream") == "VFUND"
            for a in asyncio.run(advisories())
        )

    wait_for(terminated, timeout=30, what="a MSG_TERMINATED advisory for the poison event")
