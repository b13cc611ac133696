"""The audit log on its own servers: RFC 9162 proofs checked independently, exactly-once appends
across crashes and duplicates, and tampering in the database caught by the offline verifier."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest
import rfc8785
from support import Api, make_stack, publish, query, run, stream_messages, wait_for

from dev.stack import Stack
from services.audit.verify import main as verify_main

HEAD_TYPE = "org.vfund.audit.tree_head.signed.v1"


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    env = {"VFUND_TREE_HEAD_INTERVAL_SECONDS": "1", "VFUND_ACK_WAIT_SECONDS": "2"}
    stack = make_stack(tmp_path_factory.mktemp("audit-own"), extra_env=env, own_servers=True)
    try:
        stack.start_services(("audit",))
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="module")
def own_api(own: Stack) -> Api:
    return Api(own)


def _event(n: int, event_id: str | None = None) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": event_id or str(uuid.uuid4()),
        "source": "/vfund/intake",
        "type": "org.vfund.intake.case.withdrawn.v1",
        "subject": str(uuid.uuid4()),
        "time": datetime.now(UTC).isoformat(),
        "datacontenttype": "application/json",
        "data": {"case_id": str(uuid.uuid4()), "reason": "other", "n": n, "ratio": n / 8},
        "correlationid": str(uuid.uuid4()),
        "causationid": str(uuid.uuid4()),
        "actor": "caseworker-a",
    }


def _log(api: Api) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = "-1"
    while cursor is not None:
        page = api.get("audit", f"/log?limit=1000&cursor={cursor}", user="auditor-1").json()
        items += page["items"]
        cursor = page["next_cursor"]
    return items


# An RFC 9162 reference written from the RFC's definitions, independent of services/audit/merkle.
def _h(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def _mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return _h(b"")
    if len(leaves) == 1:
        return leaves[0]
    k = _k(len(leaves))
    return _h(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:]))


def _path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = _k(len(leaves))
    if m < k:
        return [*_path(m, leaves[:k]), _mth(leaves[k:])]
    return [*_path(m - k, leaves[k:]), _mth(leaves[:k])]


def _subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    if m == len(leaves):
        return [] if whole else [_mth(leaves)]
    k = _k(len(leaves))
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), _mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), _mth(leaves[:k])]


def _verify_inclusion(leaf: bytes, index: int, size: int, path: list[bytes], root: bytes) -> bool:
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = _h(b"\x01" + p + r)
            while not (fn & 1 or fn == 0):
                fn, sn = fn >> 1, sn >> 1
        else:
            r = _h(b"\x01" + r + p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def _verify_consistency(m: int, n: int, first: bytes, second: bytes, path: list[bytes]) -> bool:
    """RFC 9162 section 2.1.4.2 (0 < m < n)."""
    if not path:
        return False
    if m & (m - 1) == 0:
        path = [first, *path]
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = _h(b"\x01" + c + fr), _h(b"\x01" + c + sr)
            while not (fn & 1 or fn == 0):
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = _h(b"\x01" + sr + c)
        fn, sn = fn >> 1, sn >> 1
    return fr == first and sr == second and sn == 0


def test_proofs_from_the_api_hold_under_an_independent_rfc9162_check(
    own: Stack, own_api: Api
) -> None:
    ids = [str(uuid.uuid4()) for _ in range(40)]
    for n, event_id in enumerate(ids):
        publish(
            own.nats_url or "", "vfund.intake.case.withdrawn", orjson.dumps(_event(n, event_id))
        )
    entries = wait_for(
        lambda: (log := _log(own_api)) and set(ids) <= {e["event"]["id"] for e in log} and log,
        what="40 events in the log",
    )
    # A head is signed within the interval after the log grows; read the log once one exists,
    # so that at least one head lies within what is checked.
    wait_for(
        lambda: own_api.get("audit", "/tree-heads/latest", user="auditor-1").status_code == 200,
        what="a signed tree head",
    )
    entries = _log(own_api)
    leaves = [_h(b"\x00" + rfc8785.dumps(e["event"])) for e in entries]
    assert [leaf.hex() for leaf in leaves] == [e["leaf_hash"] for e in entries]
    total = len(entries)
    sizes = sorted({s for s in (1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33) if s <= total})
    sizes.append(total)
    get = own_api.get
    for size in sizes:
        root = _mth(leaves[:size])
        for index in range(size):
            proof = get(
                "audit", f"/proofs/inclusion?index={index}&tree_size={size}", user="auditor-1"
            )
            body = proof.json()
            path = [bytes.fromhex(p) for p in body["audit_path"]]
            assert (body["index"], body["tree_size"], body["leaf_hash"]) == (
                index,
                size,
                leaves[index].hex(),
            )
            assert path == _path(index, leaves[:size]), (index, size)
            assert _verify_inclusion(leaves[index], index, size, path, root), (index, size)
        for first in (s for s in sizes if s < size):
            body = get(
                "audit", f"/proofs/consistency?first={first}&second={size}", user="auditor-1"
            )
            path = [bytes.fromhex(p) for p in body.json()["consistency_path"]]
            assert path == _subproof(first, leaves[:size], True), (first, size)
            assert _verify_consistency(first, size, _mth(leaves[:first]), root, path)
    heads = get("audit", "/tree-heads?limit=1000", user="auditor-1").json()["items"]
    checked = [h for h in heads if h["tree_size"] <= total]
    assert checked, "no signed head within the fetched log"
    for head in checked:
        assert head["root_hash"] == _mth(leaves[: head["tree_size"]]).hex()


def _kill_at(own: Stack, point: str) -> None:
    """Start the audit service with a crash point and wait for it to die there."""
    svc = own.services["audit"]
    svc.kill()
    svc.env.update({"VFUND_CRASH_POINTS": point, "VFUND_AUDIT_BATCH": "4"})
    svc.start()
    proc = svc.proc
    assert proc is not None
    wait_for(lambda: proc.poll() is not None, timeout=30, what=f"audit killed at {point}")
    assert proc.returncode == -9


def test_every_event_is_logged_exactly_once_across_crashes_and_duplicates(
    own: Stack, own_api: Api
) -> None:
    nats_url = own.nats_url or ""
    events = [_event(n) for n in range(30)]
    own.services["audit"].kill()
    for event in events:  # each event twice, under different message ids: not deduplicated
        for _ in range(2):
            publish(nats_url, "vfund.intake.case.withdrawn", orjson.dumps(event))
    _kill_at(own, "audit.before_commit")  # dies inside the transaction: nothing committed
    _kill_at(own, "consumer.after_commit")  # committed, never acked: redelivered
    _kill_at(own, "consumer.after_commit")
    svc = own.services["audit"]
    for name in ("VFUND_CRASH_POINTS", "VFUND_AUDIT_BATCH"):
        svc.env.pop(name)
    svc.start()
    svc.wait_ready()

    def stream_ids() -> set[str]:
        return {
            orjson.loads(data)["id"]
            for subject, data, _ in stream_messages(nats_url)
            if not subject.startswith("vfund.deadletter.")
        }

    expected = stream_ids()
    assert {e["id"] for e in events} <= expected
    log = wait_for(
        lambda: (log := _log(own_api)) and expected <= {e["event"]["id"] for e in log} and log,
        what="every stream event in the log",
    )
    logged = [e["event"]["id"] for e in log]
    assert len(logged) == len(set(logged)), "an event was logged twice"
    assert [e["index"] for e in log] == list(range(len(log)))
    assert set(logged) <= stream_ids()


async def _refused(dsn: str, sql: str) -> str:
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(sql)
    except asyncpg.InsufficientPrivilegeError as error:
        return str(error)
    finally:
        await conn.close()
    raise AssertionError(f"not refused: {sql}")


_OFF = "ALTER TABLE log_entries DISABLE TRIGGER log_entries_append_only"
_ON = "ALTER TABLE log_entries ENABLE ALWAYS TRIGGER log_entries_append_only"


async def _behind_the_triggers(dsn: str, *statements: tuple[Any, ...]) -> None:
    """What a superuser can do: switch the trigger off, rewrite rows, switch it back on."""
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            await conn.execute(_OFF)
            for sql, *args in statements:
                await conn.execute(sql, *args)
            await conn.execute(_ON)
    finally:
        await conn.close()


def _leaf(event_text: str) -> bytes:
    return _h(b"\x00" + rfc8785.dumps(orjson.loads(event_text)))


def _quiet(own: Stack) -> bool:
    """The latest head covers every event but head events, and its own event is logged."""
    dsn = own.service_dsns["audit"]
    head = query(dsn, "SELECT max(tree_size) FROM tree_heads")[0][0]
    pending = query(dsn, "SELECT count(*) FROM outbox")[0][0]
    after = query(dsn, "SELECT event_type, event FROM log_entries WHERE idx >= $1", head or 0)
    return bool(
        head
        and pending == 0
        and all(r["event_type"] == HEAD_TYPE for r in after)
        and any(orjson.loads(r["event"])["data"]["tree_size"] == head for r in after)
    )


def test_the_log_is_append_only_and_tampering_behind_its_back_is_detected(
    own: Stack, own_api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wait_for(lambda: _quiet(own), what="no event in flight")
    service, owner = own.service_dsns["audit"], own.owner_dsns["audit"]
    admin = (own.admin_dsn or "").rsplit("/", 1)[0] + "/" + service.rsplit("/", 1)[1]
    for table, column in (
        ("log_entries", "event"),
        ("tree_nodes", "hash"),
        ("tree_heads", "key_id"),
    ):
        for sql in (
            f"UPDATE {table} SET {column} = {column}",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}",
        ):
            assert "permission denied" in run(_refused(service, sql)), sql
            assert "append-only" in run(_refused(owner, sql)), sql
    replica = "SET LOCAL session_replication_role = replica; UPDATE log_entries SET event = event"
    assert "append-only" in run(_refused(admin, replica))

    heads = own_api.get("audit", "/tree-heads?limit=1000", user="auditor-1").json()["items"]
    heads_file = tmp_path / "heads.json"
    heads_file.write_bytes(orjson.dumps(heads))
    rows = query(admin, "SELECT * FROM log_entries ORDER BY idx")
    k = 10
    text = rows[k]["event"]
    forged = text.replace('"reason":"other"', '"reason":"othes"')
    assert forged != text

    def verdict(*extra: str) -> tuple[int, str]:
        export = own_api.get("audit", "/export", user="auditor-1")
        assert export.status_code == 200
        (tmp_path / "log.jsonl").write_bytes(export.content)
        argv = [str(tmp_path / "log.jsonl"), "--public-key", str(own.keys.audit_public)]  # type: ignore[union-attr]
        status = verify_main([*argv, "--tree-head", str(heads_file), "--workers", "1", *extra])
        return status, capsys.readouterr().out

    def restore() -> None:
        columns = list(rows[0].keys())

        async def put_back() -> None:
            conn = await asyncpg.connect(admin)
            try:
                async with conn.transaction():
                    await conn.execute(_OFF)
                    await conn.execute("DELETE FROM log_entries")
                    records = [tuple(r.values()) for r in rows]
                    await conn.copy_records_to_table(
                        "log_entries", records=records, columns=columns
                    )
                    await conn.execute(_ON)
            finally:
                await conn.close()

        run(put_back())

    def head_range(message: str) -> range:
        """Where the verdict says the first difference lies (one entry, or a range)."""
        exact = re.search(r"entry (\d+) is the first that differs", message)
        if exact:
            return range(int(exact[1]), int(exact[1]) + 1)
        low, high = re.findall(r"within indexes (\d+)\.\.(\d+)", message)[-1]
        return range(int(low), int(high) + 1)

    assert verdict()[0] == 0
    # One byte of one event.
    run(
        _behind_the_triggers(admin, ("UPDATE log_entries SET event = $1 WHERE idx = $2", forged, k))
    )
    status, out = verdict()
    assert status == 1 and f"entry {k} " in out and "leaf_hash" in out, out
    restore()
    # The same, with the leaf hash recomputed to match: only the signed heads can tell.
    run(
        _behind_the_triggers(
            admin,
            (
                "UPDATE log_entries SET event = $1, leaf_hash = $2 WHERE idx = $3",
                forged,
                _leaf(forged),
                k,
            ),
        )
    )
    status, out = verdict()
    assert status == 1 and "signs root" in out and k in head_range(out), out
    # The service's own proofs cannot reach the root it signed either: its log was changed.
    url, token = own.services["audit"].url, own_api.tokens["auditor-1"]
    status, out = verdict("--against", url, "--token", token)
    assert status == 1 and k in head_range(out) and "differs from what it signed" in out, out
    assert len(head_range(out)) <= 2, out  # the stored subtrees above the leaves were not changed
    restore()
    # An entry deleted.
    run(_behind_the_triggers(admin, ("DELETE FROM log_entries WHERE idx = $1", k)))
    status, out = verdict()
    assert status == 1 and f"entry {k} is missing" in out, out
    restore()
    # Two entries swapped.
    run(
        _behind_the_triggers(
            admin,
            ("UPDATE log_entries SET idx = 4611686018427387904 WHERE idx = $1", k),
            ("UPDATE log_entries SET idx = $1 WHERE idx = $2", k, k + 1),
            ("UPDATE log_entries SET idx = $1 WHERE idx = 4611686018427387904", k + 1),
        )
    )
    status, out = verdict()
    assert status == 1 and k in head_range(out), out
    restore()
    assert verdict()[0] == 0, "restoring the rows did not restore the log"
    # One forged entry inserted (indexes shifted so they stay contiguous). Last: the service
    # may now sign a head over the forged log, which the older heads still contradict.
    run(
        _behind_the_triggers(
            admin,
            ("UPDATE log_entries SET idx = idx + 1000000000 WHERE idx >= $1", k),
            ("UPDATE log_entries SET idx = idx - 999999999 WHERE idx >= 1000000000",),
            (
                "INSERT INTO log_entries (idx, event_id, nats_subject, event_type, subject, event,"
                " leaf_hash) SELECT $1, $2, nats_subject, event_type, subject, $3, $4 FROM log_entries"
                " WHERE idx = $5",
                k,
                str(uuid.uuid4()),
                forged,
                _leaf(forged),
                k + 1,
            ),
        )
    )
    status, out = verdict()
    assert status == 1 and k in head_range(out), out
