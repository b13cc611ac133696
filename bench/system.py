"""The system under test: the whole vfund stack on embedded servers, its memory, its start time."""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psutil

from bench.report import Json
from dev.provision import SERVICES
from dev.servers import EmbeddedPostgres
from dev.stack import Stack

BENCH_ENV = {"VFUND_LOG_LEVEL": "WARNING"}


@dataclass(frozen=True)
class Target:
    """Where the running system answers, and how the bench reads its databases."""

    urls: dict[str, str]
    tokens: dict[str, str]
    nats_url: str
    admin_dsn: str
    databases: dict[str, str]  # service → database name

    def db_dsn(self, service: str) -> str:
        """The superuser DSN of a service's database (the bench only reads there)."""
        return self.admin_dsn.rsplit("/", 1)[0] + "/" + self.databases[service]

    def auth(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}


def start_stack(root: Path) -> Stack:
    """The four services on their own embedded servers. PostgreSQL also tracks commit times
    (`track_commit_timestamp`), so that propagation is read from the databases exactly,
    instead of by polling that would load the machine it measures."""
    postgres = EmbeddedPostgres(root / "postgres", settings={"track_commit_timestamp": "on"})
    postgres.start()
    # The load generator's HTTP client (like any client but a browser) sends no Secure cookie
    # over plain HTTP, even on loopback: the web runs as the dev launcher does there.
    stack = Stack(
        root=root,
        admin_dsn=postgres.dsn,
        postgres=postgres,
        extra_env=BENCH_ENV,
        web_cookie_secure=False,
    )
    try:
        stack.start_servers()
        stack.provision()
        stack.start_services(SERVICES)
    except BaseException:
        stack.stop()
        raise
    return stack


def target_of(stack: Stack) -> Target:
    assert stack.nats_url and stack.admin_dsn
    return Target(
        urls={name: svc.url for name, svc in stack.services.items()},
        tokens=stack.tokens(),
        nats_url=stack.nats_url,
        admin_dsn=stack.admin_dsn,
        databases={
            name: dsn.rsplit("/", 1)[1].split("?")[0] for name, dsn in stack.service_dsns.items()
        },
    )


def memory(stack: Stack) -> Json:
    """Resident set size of each service process (and any children it started), with its
    unique and proportional set sizes."""
    out: Json = {}
    for name, svc in stack.services.items():
        if svc.proc is None or svc.proc.poll() is not None:
            out[name] = {"rss_mb": None, "note": "not running"}
            continue
        proc = psutil.Process(svc.proc.pid)
        family = [proc, *proc.children(recursive=True)]
        full = [p.memory_full_info() for p in family]
        out[name] = {
            "rss_mb": round(sum(m.rss for m in full) / 2**20, 1),
            # Unique to the process, and its proportional share of pages it shares with the
            # other services (the same Python and libraries): what it really costs.
            "uss_mb": round(sum(m.uss for m in full) / 2**20, 1),
            "pss_mb": round(sum(m.pss for m in full) / 2**20, 1),
            "pid": proc.pid,
            "processes": len(family),
        }
    return out


CpuMeter = Callable[[], dict[str, float]]


def cpu_meter(stack: Stack) -> CpuMeter:
    """A function answering the CPU seconds (user + system) each part of the system has used so
    far: every service, nats-server, PostgreSQL (postmaster and backends, the ones that have
    ended included), and the load generator itself: the bench runs on the same CPUs."""
    roots: dict[str, subprocess.Popen[bytes] | None] = {
        name: svc.proc for name, svc in stack.services.items()
    }
    roots["nats-server"] = stack.nats.proc if stack.nats else None
    roots["postgresql"] = stack.postgres.proc if stack.postgres else None

    def family_seconds(root: subprocess.Popen[bytes] | None) -> float:
        if root is None or root.poll() is not None:
            return 0.0
        total = 0.0
        try:
            top = psutil.Process(root.pid)
            members = [top, *top.children(recursive=True)]
        except psutil.Error:
            return 0.0
        for member in members:
            try:
                t = member.cpu_times()
            except psutil.Error:
                continue  # ended between the listing and the reading
            total += t.user + t.system + t.children_user + t.children_system
        return total

    def seconds() -> dict[str, float]:
        out = {name: family_seconds(proc) for name, proc in roots.items()}
        own = psutil.Process().cpu_times()
        out["load generator (bench)"] = own.user + own.system
        return out

    return seconds


def cpu_used(before: dict[str, float], after: dict[str, float], n: int, seconds: float) -> Json:
    """CPU milliseconds per unit of work for each part, and the cores busy meanwhile."""
    per = {name: round(1000 * (after[name] - before.get(name, 0.0)) / n, 2) for name in after}
    total = sum(after[name] - before.get(name, 0.0) for name in after)
    return {
        "per_unit_ms": dict(sorted(per.items(), key=lambda kv: -kv[1])),
        "total_ms": round(1000 * total / n, 2),
        "cores_busy": round(total / seconds, 2) if seconds > 0 else None,
    }


_READY = re.compile(rb"vfund is ready in ([0-9.]+)s")


def launch_to_ready(root: Path, timeout: float = 180.0) -> Json:
    """`python -m services --root <root> --any-ports --exit-after 0`: wall time from spawning the
    launcher to its "ready" line (imports included), and the time it reports itself."""
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "services", "--root", str(root), "--any-ports", "--exit-after", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).parent.parent,
    )
    assert proc.stdout is not None
    result: Json = {"wall_s": None, "reported_s": None}
    deadline = began + timeout
    for line in proc.stdout:
        found = _READY.search(line)
        if found:
            result = {
                "wall_s": round(time.perf_counter() - began, 2),
                "reported_s": float(found.group(1)),
            }
            break
        if time.perf_counter() > deadline:
            break
    try:
        proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
    if result["wall_s"] is None:
        result["error"] = f"no ready line (exit status {proc.returncode})"
    return result


def startup_times() -> Json:
    """Cold: a fresh root (initdb, keys, migrations); warm: the same root a second time."""
    with tempfile.TemporaryDirectory(prefix="vfund-bench-start-") as tmp:
        root = Path(tmp) / "root"
        cold = launch_to_ready(root)
        warm = launch_to_ready(root)
    return {"cold": cold, "warm": warm}
