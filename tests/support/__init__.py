"""Test support: starting real servers for the suite, and small helpers the tests share."""

from __future__ import annotations

import os
import secrets
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import httpx

from dev.stack import Stack

T = TypeVar("T")


def make_stack(
    root: Path, *, extra_env: dict[str, str] | None = None, own_servers: bool = False
) -> Stack:
    """Embedded servers by default; external ones when VFUND_NATS_URL / VFUND_DATABASE_URL are
    set; Testcontainers when VFUND_TEST_BACKEND=containers (Docker must be there)."""
    nats_url = None if own_servers else os.environ.get("VFUND_NATS_URL")
    admin_dsn = None if own_servers else os.environ.get("VFUND_DATABASE_URL")
    if not own_servers and os.environ.get("VFUND_TEST_BACKEND") == "containers":
        nats_url, admin_dsn = _containers()
    prefix = "vfund" if admin_dsn is None else f"vt{secrets.token_hex(3)}"
    # Short retry back-off so that dead-lettering is observable within a test's time.
    env = {
        "VFUND_LOG_LEVEL": "INFO",
        "VFUND_OUTBOX_POLL_SECONDS": "0.5",
        "VFUND_MAX_DELIVER": "6",
        "VFUND_RETRY_DELAYS": "[0.1, 0.3, 0.6, 1.0, 2.0]",
        "VFUND_RETRY_WINDOW_SECONDS": "8",
        # The web service's clock can be moved by the tests (/_test/clock); never in production.
        "VFUND_WEB_TEST_HOOKS": "true",
        # E-mails the SMTP sink did not take are tried again within a test's time.
        "VFUND_MAIL_RETRY_DELAYS": "[0.2, 0.5, 1.0]",
        "VFUND_MAIL_POLL_SECONDS": "0.5",
    } | (extra_env or {})
    stack = Stack(
        root=root, nats_url=nats_url, admin_dsn=admin_dsn, db_prefix=prefix, extra_env=env
    )
    stack.start_servers()
    stack.provision()
    return stack


_CONTAINERS: list[Any] = []


def _containers() -> tuple[str, str]:
    from testcontainers.core.container import DockerContainer  # type: ignore[import-untyped]
    from testcontainers.postgres import PostgresContainer  # type: ignore[import-untyped]

    pg = PostgresContainer("postgres:16", username="postgres", password=secrets.token_hex(8))
    pg.start()
    nats = DockerContainer("nats:2.10").with_command("-js").with_exposed_ports(4222)
    nats.start()
    _CONTAINERS.extend([pg, nats])
    host = nats.get_container_host_ip()
    dsn = pg.get_connection_url().replace("postgresql+psycopg2", "postgresql")
    return f"nats://{host}:{nats.get_exposed_port(4222)}", dsn


def stop_containers() -> None:
    for c in _CONTAINERS:
        c.stop()


def wait_for(
    probe: Callable[[], T | None],
    *,
    timeout: float = 15.0,
    interval: float = 0.05,
    what: str = "condition",
) -> T:
    """Poll until `probe` returns something truthy; fail with `what` when time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


class Api:
    """HTTP access to the running services as the demo users."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.tokens = stack.tokens()
        self.http = httpx.Client(timeout=15.0)

    def url(self, service: str, path: str) -> str:
        return self.stack.services[service].url + path

    def auth(self, user: str | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"} if user else {}

    def call(
        self,
        method: str,
        service: str,
        path: str,
        *,
        user: str | None = None,
        headers: dict[str, str] | None = None,
        **kw: Any,
    ) -> httpx.Response:
        return self.http.request(
            method, self.url(service, path), headers=self.auth(user) | (headers or {}), **kw
        )

    def get(self, service: str, path: str, **kw: Any) -> httpx.Response:
        return self.call("GET", service, path, **kw)

    def post(self, service: str, path: str, **kw: Any) -> httpx.Response:
        return self.call("POST", service, path, **kw)

    def delete(self, service: str, path: str, **kw: Any) -> httpx.Response:
        return self.call("DELETE", service, path, **kw)


def assert_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["type"] and "detail" in body
    assert "Traceback" not in response.text
    return body


def run(coro: Any) -> Any:
    """Run one coroutine from a synchronous test (each call gets its own event loop).

    In a thread of its own while this thread has a running loop: Playwright's synchronous API
    (the web tests' browser) keeps one running for as long as the browser is open."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    if asyncio.events._get_running_loop() is None:
        return asyncio.run(coro)
    with ThreadPoolExecutor(1) as worker:
        return worker.submit(asyncio.run, coro).result()


# What a test publishes on purpose carries this header: the suite's check of the stream
# (support.event_audit, run when the session ends) leaves such events out, and accepts the
# dead letters they cause. Probes that publish by themselves add it too.
INJECTED = {"Vfund-Test": "injected"}


async def _publish(nats_url: str, subject: str, payload: bytes, msg_id: str) -> int:
    import nats

    nc = await nats.connect(nats_url.split(","))
    try:
        headers = {"Nats-Msg-Id": msg_id, **INJECTED}
        ack = await nc.jetstream().publish(subject, payload, headers=headers)
        return int(ack.seq)
    finally:
        await nc.close()


def publish(nats_url: str, subject: str, payload: bytes, msg_id: str | None = None) -> int:
    """Publish straight to the stream, as a producer outside the services would (marked as
    injected by a test)."""
    return int(run(_publish(nats_url, subject, payload, msg_id or secrets.token_hex(12))))


async def _stream_messages(nats_url: str, subject: str) -> list[tuple[str, bytes, dict[str, str]]]:
    import nats
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    nc = await nats.connect(nats_url.split(","))
    try:
        js = nc.jetstream()
        info = await js.stream_info("VFUND")
        if info.state.messages == 0:
            return []
        sub = await js.pull_subscribe(
            subject,
            stream="VFUND",
            config=ConsumerConfig(
                deliver_policy=DeliverPolicy.ALL, ack_policy=AckPolicy.NONE, inactive_threshold=30.0
            ),
        )
        out: list[tuple[str, bytes, dict[str, str]]] = []
        while True:
            pending = (await sub.consumer_info()).num_pending
            if pending == 0:
                break
            for msg in await sub.fetch(min(pending, 1000), timeout=5):
                out.append((msg.subject, msg.data or b"", dict(msg.headers or {})))
        await sub.unsubscribe()
        return out
    finally:
        await nc.close()


def _matches(subject: str, pattern: str) -> bool:
    sp, pp = subject.split("."), pattern.split(".")
    for i, token in enumerate(pp):
        if token == ">":
            return len(sp) > i
        if i >= len(sp) or (token != "*" and token != sp[i]):
            return False
    return len(sp) == len(pp)


def stream_messages(
    nats_url: str, subject: str = "vfund.>"
) -> list[tuple[str, bytes, dict[str, str]]]:
    """Every message the VFUND stream holds on `subject`: (subject, data, headers)."""
    from nats.errors import Error as NatsError

    for attempt in range(6):
        try:
            return list(run(_stream_messages(nats_url, subject)))
        except (TimeoutError, NatsError):
            # A cluster that just lost a node or its leader may take a few seconds to answer
            # API requests again; the question stays the same.
            if attempt == 5:
                raise
            time.sleep(2.0)
    raise AssertionError("unreachable")


async def _query(dsn: str, sql: str, *args: Any) -> list[Any]:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def query(dsn: str, sql: str, *args: Any) -> list[Any]:
    return list(run(_query(dsn, sql, *args)))


async def _quiet(nats_url: str) -> bool:
    import nats

    nc = await nats.connect(nats_url.split(","))
    try:
        js = nc.jetstream()
        for consumer in await js.consumers_info("VFUND"):
            if consumer.num_pending or consumer.num_ack_pending:
                return False
        return True
    finally:
        await nc.close()


def wait_quiet(nats_url: str, *, timeout: float = 60.0) -> None:
    """Until every durable consumer of the stream has taken and acknowledged everything."""

    def twice() -> bool:  # twice in a row: a handler may publish through its outbox meanwhile
        if not run(_quiet(nats_url)):
            return False
        time.sleep(0.3)
        return bool(run(_quiet(nats_url)))

    wait_for(twice, timeout=timeout, interval=0.2, what="all consumers caught up")


@asynccontextmanager
async def scratch_database(stack: Stack, prefix: str) -> AsyncIterator[str]:
    """A database of its own on the suite's server (its DSN), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(stack.admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield stack.admin_dsn.rsplit("/", 1)[0] + f"/{name}"  # type: ignore[union-attr]
        finally:
            await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    finally:
        await admin.close()


# Tables that change with no request to their service: its consumers' inbox (events from the
# others), the audit log and its tree (every event of the system, the signer's heads).
BACKGROUND_TABLES = frozenset(
    {"inbox", "schema_migrations", "log_entries", "tree_nodes", "tree_heads"}
)
BACKGROUND_SUBJECTS = frozenset({"vfund.audit.tree_head.signed"})


async def _published(nats_url: str, service: str) -> dict[str, int]:
    import nats

    nc = await nats.connect(nats_url.split(","))
    try:
        info = await nc.jetstream().stream_info("VFUND", subjects_filter=f"vfund.{service}.>")
        return {
            subject: count
            for subject, count in (info.state.subjects or {}).items()
            if subject not in BACKGROUND_SUBJECTS
        }
    finally:
        await nc.close()


def fingerprint(stack: Stack, service: str) -> dict[str, int]:
    """What a request to `service` could change: the rows of each of its tables, and the
    events it published, by subject (background tables and subjects left out)."""
    dsn = stack.owner_dsns[service]
    tables = [
        r[0]
        for r in query(dsn, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        if r[0] not in BACKGROUND_TABLES
    ]
    counts: dict[str, int] = {}
    if tables:
        sql = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)
        counts = {str(r[0]): int(r[1]) for r in query(dsn, sql)}
    assert stack.nats_url is not None
    for subject, count in run(_published(stack.nats_url, service)).items():
        counts[f"stream {subject}"] = count
    return counts


def settled_fingerprint(stack: Stack, service: str) -> dict[str, int]:
    """The fingerprint once the consumers have caught up and it holds still."""
    assert stack.nats_url is not None
    wait_quiet(stack.nats_url)
    previous = fingerprint(stack, service)
    for _ in range(30):
        time.sleep(0.3)
        current = fingerprint(stack, service)
        if current == previous:
            return current
        previous = current
    raise AssertionError(f"{service} keeps changing with no request")


class Unchanged:
    """`with Unchanged(stack, "intake"): ...` fails when the block changed the service."""

    def __init__(self, stack: Stack, *services: str) -> None:
        self.stack = stack
        self.services = services or tuple(stack.services)
        self.before: dict[str, dict[str, int]] = {}

    def __enter__(self) -> Unchanged:
        self.before = {s: settled_fingerprint(self.stack, s) for s in self.services}
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:
            return
        assert self.stack.nats_url is not None
        wait_quiet(self.stack.nats_url)
        for service in self.services:
            after = fingerprint(self.stack, service)
            changed = {
                k: (self.before[service].get(k, 0), after.get(k, 0))
                for k in set(after) | set(self.before[service])
                if self.before[service].get(k, 0) != after.get(k, 0)
            }
            assert not changed, f"{service} changed: {changed}"
