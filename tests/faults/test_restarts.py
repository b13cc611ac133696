"""Broker and database restarts mid-run: every 2xx is reflected, services reconnect by themselves."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support import Api, make_stack, query, stream_messages, wait_for
from support.factories import case_body

from dev.stack import Stack


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = make_stack(tmp_path_factory.mktemp("restarts"), own_servers=True)
    try:
        stack.start_services(("intake", "assessment", "audit"))
        yield stack
    finally:
        stack.stop()


class Load:
    """Caseworkers submitting steadily; remembers every case that was answered 201."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.accepted: list[str] = []
        self.refused = 0
        self.unexpected: list[str] = []  # anything but 201 or 503: the test fails on it
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                r = self.api.post("intake", "/cases", user="caseworker-a", json=case_body())
            except httpx.HTTPError:
                self.refused += 1
                time.sleep(0.05)
                continue
            if r.status_code == 201:
                self.accepted.append(r.json()["case_id"])
            else:
                if r.status_code != 503:  # unavailable is fine; a 500 or a 4xx is not
                    self.unexpected.append(f"{r.status_code} {r.text[:200]}")
                self.refused += 1
                time.sleep(0.05)

    def __enter__(self) -> Load:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(30)
        assert self.unexpected == [], self.unexpected[:5]


def _all_reflected(stack: Stack, case_ids: list[str]) -> None:
    wanted = set(case_ids)

    def queued() -> bool:
        rows = query(stack.service_dsns["assessment"], "SELECT case_id::text FROM case_files")
        return wanted <= {r[0] for r in rows}

    wait_for(queued, timeout=60, interval=0.5, what="every accepted case in assessment")

    def logged() -> bool:
        rows = query(
            stack.service_dsns["audit"],
            "SELECT subject FROM log_entries WHERE event_type = $1",
            "org.vfund.intake.case.submitted.v1",
        )
        subjects = [r[0] for r in rows]
        return wanted <= set(subjects)

    wait_for(logged, timeout=60, interval=0.5, what="every accepted case in the audit log")
    counts = query(
        stack.service_dsns["audit"],
        "SELECT count(*), count(DISTINCT event_id), max(idx) FROM log_entries",
    )[0]
    assert counts[0] == counts[1] == counts[2] + 1, "log entries unique and contiguous"
    dead = stream_messages(stack.nats_url or "", "vfund.deadletter.>")
    assert dead == [], "a transient outage dead-lettered events"


def test_nats_restart_mid_run(own_stack: Stack) -> None:
    api = Api(own_stack)
    assert own_stack.nats is not None
    with Load(api) as load:
        wait_for(lambda: len(load.accepted) >= 10, what="load running")
        own_stack.nats.stop()
        time.sleep(1.0)
        own_stack.nats.start()
        before = len(load.accepted)
        wait_for(lambda: len(load.accepted) >= before + 10, timeout=60, what="load resumed")
    _all_reflected(own_stack, load.accepted)
    for svc in own_stack.services.values():
        assert svc.proc is not None and svc.proc.poll() is None, f"{svc.name} died"


def test_postgres_killed_mid_run(own_stack: Stack) -> None:
    api = Api(own_stack)
    pg = own_stack.postgres
    assert pg is not None and pg.proc is not None
    with Load(api) as load:
        wait_for(lambda: len(load.accepted) >= 10, what="load running")
        pg.proc.send_signal(signal.SIGKILL)
        pg.proc.wait(10)
        _restart_postgres(own_stack)
        before = len(load.accepted)
        wait_for(lambda: len(load.accepted) >= before + 10, timeout=60, what="load resumed")
    _all_reflected(own_stack, load.accepted)
    for svc in own_stack.services.values():
        assert svc.proc is not None and svc.proc.poll() is None, f"{svc.name} died"


def _restart_postgres(stack: Stack) -> None:
    # The killed postmaster's backends notice and exit; its shared memory may linger a moment.
    pg = stack.postgres
    assert pg is not None
    deadline = time.monotonic() + 30
    while True:
        try:
            pg.start(timeout=20)
            return
        except (RuntimeError, TimeoutError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def test_logs_hold_no_tracebacks_of_unhandled_errors(own_stack: Stack) -> None:
    for log in Path(own_stack.root / "logs").glob("*.jsonl"):
        assert "unhandled error" not in log.read_text(), log.name
