"""Crash windows: SIGKILL at every dangerous point while cases go from submission to payment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from chaos import (
    CRASH_POINTS,
    Chaos,
    Client,
    check_end_state,
    drive_case,
    pay_everything,
    setup_funding,
)
from support import Api, make_stack
from support.factories import case_body, item

from dev.stack import Stack

CASES = int(os.environ.get("VFUND_FAULT_CASES", "1000"))


@pytest.fixture(scope="module")
def chaos_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = make_stack(
        tmp_path_factory.mktemp("chaos"),
        own_servers=True,
        extra_env={
            "VFUND_CRASH_POINTS": CRASH_POINTS,
            "VFUND_CRASH_PROBABILITY": os.environ.get("VFUND_CRASH_PROBABILITY", "0.003"),
            "VFUND_LOG_LEVEL": "WARNING",
            # Crashes between publish and ack are retried by JetStream after ack_wait: keep it short.
            "VFUND_ACK_WAIT_SECONDS": "5",
            # An early event waits for its predecessor across restarts, as in production.
            "VFUND_RETRY_WINDOW_SECONDS": "300",
        },
    )
    try:
        stack.start_services()
        yield stack
    finally:
        stack.stop()


def test_cases_survive_sigkill_at_every_dangerous_point(chaos_stack: Stack) -> None:
    api = Api(chaos_stack)
    client = Client(api, deadline=180)
    setup_funding(client, "org-a", f"{CASES * 100 + 1000}.00")
    bodies = [case_body(items=[item(amount="100.00")]) for _ in range(CASES)]
    with Chaos(chaos_stack, interval=4.0) as chaos:
        with ThreadPoolExecutor(8) as pool:
            case_ids = list(pool.map(lambda b: drive_case(client, b), bodies))
        pay_everything(client, chaos_stack, CASES)
    assert sum(chaos.kills.values()) + sum(chaos.crashes.values()) >= 2, chaos.kills
    check_end_state(chaos_stack, case_ids, amount_minor=10_000)
    print(f"kills {dict(chaos.kills)}, self-inflicted crashes {dict(chaos.crashes)}")
