"""E-mail through faults, on servers of its own (the web service alone, fed batches as the
disbursement service announces them): the SMTP server away for a while, then back — every
e-mail arrives, none twice; the web service killed (SIGKILL) while it sends — none lost, and a
message sent again carries the Message-ID of the first (derived from event and recipient)."""

from __future__ import annotations

import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator

import pytest
from support import make_stack, publish, query, wait_for
from support.mail import Mail, expected_id, mails

from dev.stack import Stack
from shared.events import subjects
from shared.events.disbursement import BatchCreated
from shared.events.envelope import new_event

OFFICERS = ("finance-1", "finance-2")


@pytest.fixture(scope="module")
def mail_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = make_stack(tmp_path_factory.mktemp("mail"), own_servers=True, extra_env={
        "VFUND_LOG_LEVEL": "WARNING",
        "VFUND_ACK_WAIT_SECONDS": "3",
    })  # fmt: skip
    try:
        stack.start_services(("web",))
        yield stack
    finally:
        stack.stop()


def batches(stack: Stack, n: int) -> dict[str, str]:
    """`n` batches created by someone who is not a finance officer of the demo (so both
    officers hear of each): {batch id: event id}."""
    made = {}
    assert stack.nats_url is not None
    for _ in range(n):
        batch_id = str(uuid.uuid4())
        data = BatchCreated(batch_id=batch_id, payment_ids=[str(uuid.uuid4())], count=1,
                            total="10.00", currency="CHF", created_by="finance-x")  # fmt: skip
        event = new_event(subjects.BATCH_CREATED, data, service="disbursement",
                          subject=batch_id, actor="finance-x")  # fmt: skip
        publish(stack.nats_url, subjects.BATCH_CREATED, event.to_json(), event.id)
        made[batch_id] = event.id
    return made


def about(stack: Stack, made: dict[str, str]) -> list[Mail]:
    assert stack.mail is not None
    return [
        m for m in mails(stack.mail.folder)
        if any(f"/finance/batches/{b}" in m.text for b in made)
    ]  # fmt: skip


def expected(made: dict[str, str]) -> set[str]:
    return {expected_id(event_id, officer) for event_id in made.values() for officer in OFFICERS}


def rows(stack: Stack, made: dict[str, str]) -> list[dict[str, object]]:
    found = query(
        stack.service_dsns["web"],
        "SELECT m.attempts, m.sent_at, m.failed_at, m.last_error FROM outgoing_mail m"
        " JOIN notifications n USING (notification_id) WHERE n.batch_id = ANY($1::text[])",
        list(made),
    )
    return [dict(r) for r in found]


def check_once_each(found: list[Mail], made: dict[str, str]) -> Counter[str]:
    """Every e-mail arrived; one Message-ID per (batch, officer), the ones the web derives;
    a copy of a message (a resend) is the same message. Returns the copies per Message-ID."""
    assert {m.message_id for m in found} == expected(made)
    ids_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for m in found:
        batch = next(b for b in made if f"/finance/batches/{b}" in m.text)
        ids_of[(batch, m.to)].add(m.message_id)
    assert len(ids_of) == len(made) * len(OFFICERS)
    assert all(len(ids) == 1 for ids in ids_of.values()), "sent twice with another Message-ID"
    by_id: dict[str, list[Mail]] = defaultdict(list)
    for m in found:
        by_id[m.message_id].append(m)
    for copies in by_id.values():
        assert len({(c.to, c.subject, c.text, c.html) for c in copies}) == 1
    return Counter(m.message_id for m in found)


def test_smtp_away_for_a_while_every_email_arrives_once_it_is_back(mail_stack: Stack) -> None:
    sink = mail_stack.mail
    assert sink is not None
    sink.stop()
    made = batches(mail_stack, 10)
    try:
        # Queued with the notifications, tried, refused, tried again with back-off.
        wait_for(
            lambda: len(r := rows(mail_stack, made)) == 20
            and all(int(x["attempts"]) >= 2 for x in r),  # type: ignore[call-overload]
            timeout=60, interval=0.5, what="every e-mail tried at least twice while away",
        )  # fmt: skip
        assert about(mail_stack, made) == []
        assert all(r["sent_at"] is None and r["failed_at"] is None for r in rows(mail_stack, made))
        assert {r["last_error"] for r in rows(mail_stack, made)} <= {
            "ConnectionRefusedError", "SMTPConnectError", "OSError",
        }  # fmt: skip
    finally:
        sink.start()
    wait_for(lambda: len(about(mail_stack, made)) >= 20, timeout=60, interval=0.5,
             what="every e-mail once the server is back")  # fmt: skip
    time.sleep(2)  # anything sent twice would have come by now
    copies = check_once_each(about(mail_stack, made), made)
    assert set(copies.values()) == {1}, "none twice: nothing crashed"
    assert all(r["sent_at"] is not None for r in rows(mail_stack, made))


def test_the_web_killed_while_sending_loses_nothing_and_resends_the_same_message(
    mail_stack: Stack,
) -> None:
    web = mail_stack.services["web"]
    # Phase 1: the web kills itself right after the SMTP server took a message and before it
    # recorded it as sent, until it did so twice.
    armed = {"VFUND_CRASH_POINTS": "mail.after_send", "VFUND_CRASH_PROBABILITY": "0.15"}
    mail_stack.restart("web", env=armed)
    made = batches(mail_stack, 40)
    crashes = 0
    deadline = time.monotonic() + 180
    while crashes < 2 and len(about(mail_stack, made)) < 80:
        assert time.monotonic() < deadline, "the crash point never struck"
        if web.proc is not None and web.proc.poll() is not None:
            crashes += 1
            disarmed = crashes >= 2
            web.env.update({"VFUND_CRASH_POINTS": ""} if disarmed else {})
            web.start()
            web.wait_ready()
        time.sleep(0.05)
    if crashes < 2:  # everything went before the second crash: restart disarmed all the same
        mail_stack.restart("web", env={"VFUND_CRASH_POINTS": ""})
    assert crashes >= 1, "the crash point struck at least once"

    # Phase 2: SIGKILL from outside as soon as a new run of e-mails starts going out (the
    # sink's files counted, not read: reading them takes longer than sending them).
    sink = mail_stack.mail
    assert sink is not None
    time.sleep(2)  # phase 1's last e-mails are in
    before = len(sink.messages())
    more = batches(mail_stack, 60)
    wait_for(lambda: len(sink.messages()) > before, timeout=60, interval=0.005,
             what="the first of the new e-mails")  # fmt: skip
    web.kill()
    killed_at = len(about(mail_stack, more))
    web.start()
    web.wait_ready()

    everything = made | more
    wait_for(lambda: len({m.message_id for m in about(mail_stack, everything)}) >= 200,
             timeout=120, interval=0.5, what="every e-mail after the crashes")  # fmt: skip
    time.sleep(2)
    copies = check_once_each(about(mail_stack, everything), everything)
    resent = [message_id for message_id, n in copies.items() if n > 1]
    # Each crash at the crash point sent one message again, with its own Message-ID.
    assert 1 <= len(resent) <= crashes + 1, (crashes, copies)
    assert killed_at < 120, "the kill came while e-mails were still going out"
    assert all(r["sent_at"] is not None for r in rows(mail_stack, everything))
