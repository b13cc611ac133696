"""A whole vfund system on one machine: embedded servers, provisioning, four service processes."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from dev.mailsink import MailSink
from dev.provision import (
    SERVICES,
    Keys,
    demo_tokens,
    ensure_keys,
    provision_database,
    provision_stream,
    provision_web_accounts,
    service_db,
)
from dev.servers import EmbeddedNats, EmbeddedPostgres, free_port, stop_process
from shared.auth import API_AUDIENCE, ISSUER

DEV_PORTS = {"intake": 8001, "assessment": 8002, "disbursement": 8003, "audit": 8004, "web": 8000}
DEV_NATS, DEV_NATS_MONITOR, DEV_POSTGRES, DEV_SMTP = 4222, 8222, 55432, 1025


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.name}"],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """SIGKILL: the crash the fault tests need, no cleanup of any kind."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        stop_process(self.proc)

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.proc.returncode}; see {self.log_path}"
                )
            try:
                if httpx.get(f"{self.url}/health/ready", timeout=1.0).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        raise TimeoutError(f"{self.name} not ready within {timeout}s; see {self.log_path}")


@dataclass
class Stack:
    """Servers (embedded unless URLs are given), databases, keys and the service processes."""

    root: Path
    dev_ports: bool = False
    nats_url: str | None = None
    admin_dsn: str | None = None
    db_prefix: str = "vfund"
    stream_replicas: int = 1
    extra_env: dict[str, str] = field(default_factory=dict)
    nats: EmbeddedNats | None = None
    postgres: EmbeddedPostgres | None = None
    keys: Keys | None = None
    service_dsns: dict[str, str] = field(default_factory=dict)
    owner_dsns: dict[str, str] = field(default_factory=dict)
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    # The web service: second factor required (the tests, production) or optional (the demo);
    # Secure cookies, except the dev launcher on loopback HTTP; the test-only clock hook.
    web_mfa: str = "required"
    web_cookie_secure: bool = True
    web_test_hooks: bool = False
    passwords: dict[str, str] = field(default_factory=dict)
    # The local SMTP sink the web service sends its e-mails to (each kept under root/mail).
    mail: MailSink | None = None

    def start_servers(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.mail = MailSink(self.root / "mail", port=DEV_SMTP if self.dev_ports else 0)
        self.mail.start()
        if self.nats_url is None:
            self.nats = EmbeddedNats(
                self.root / "nats",
                port=DEV_NATS if self.dev_ports else 0,
                monitor_port=DEV_NATS_MONITOR if self.dev_ports else 0,
            )
            self.nats.start()
            self.nats_url = self.nats.url
        if self.admin_dsn is None:
            self.postgres = EmbeddedPostgres(
                self.root / "postgres", port=DEV_POSTGRES if self.dev_ports else 0
            )
            self.postgres.start()
            self.admin_dsn = self.postgres.dsn

    def provision(self) -> None:
        nats_url, admin_dsn = self.nats_url, self.admin_dsn
        assert nats_url and admin_dsn
        self.keys = ensure_keys(self.root / "keys")

        async def run() -> None:
            await provision_stream(nats_url, replicas=self.stream_replicas)
            for name in SERVICES:
                db = service_db(self.root / "secrets", name, self.db_prefix)
                host = _host_template(admin_dsn)
                self.service_dsns[name], self.owner_dsns[name] = await provision_database(
                    admin_dsn, db, host
                )
            assert self.keys is not None
            self.passwords = await provision_web_accounts(
                self.service_dsns["web"],
                self.keys,
                self.root / "secrets",
                with_totp=self.web_mfa == "required",
            )

        asyncio.run(run())

    def service_env(self, name: str) -> dict[str, str]:
        assert self.keys and self.nats_url
        env = {k: v for k, v in os.environ.items() if not k.startswith("VFUND_")}
        env.update(
            {
                "VFUND_NATS_URL": self.nats_url,
                "VFUND_DATABASE_URL": self.service_dsns[name],
                "VFUND_JWT_PUBLIC_KEYS": json.dumps(
                    [str(self.keys.token_public), str(self.keys.web_public)]
                ),
                # The demo tokens are minted for these (dev.provision.demo_tokens).
                "VFUND_JWT_AUDIENCE": API_AUDIENCE,
                "VFUND_JWT_ISSUER": ISSUER,
                "VFUND_LOG_FILE": str(self.root / "logs" / f"{name}.jsonl"),
                "VFUND_MASTER_KEY_FILE": str(self.keys.master_key),
                "VFUND_BLIND_INDEX_KEY_FILE": str(self.keys.blind_index_key),
                "VFUND_AUDIT_SIGNING_KEY": str(self.keys.audit_private),
                "VFUND_AUDIT_PUBLIC_KEY": str(self.keys.audit_public),
                "VFUND_STREAM_REPLICAS": str(self.stream_replicas),
                "PYTHONUNBUFFERED": "1",
            }
        )
        if name == "web":
            env.update(self._web_env())
        env.update(self.extra_env)
        return env

    def _web_env(self) -> dict[str, str]:
        assert self.keys
        urls = {
            f"VFUND_WEB_{other.upper()}_URL": f"http://127.0.0.1:{port}"
            for other, port in self.ports.items()
            if other != "web"
        }
        mail = {"VFUND_SMTP_URL": self.mail.url} if self.mail else {}
        return (
            urls
            | mail
            | {
                "VFUND_WEB_TOKEN_KEY": str(self.keys.web_private),
                "VFUND_WEB_MFA": self.web_mfa,
                "VFUND_WEB_COOKIE_SECURE": str(self.web_cookie_secure).lower(),
                "VFUND_WEB_TEST_HOOKS": str(self.web_test_hooks).lower(),
            }
        )

    def start_services(self, names: tuple[str, ...] = SERVICES, wait: bool = True) -> None:
        (self.root / "logs").mkdir(parents=True, exist_ok=True)
        # Every port first: the web service is told where the others listen.
        for name in names:
            self.ports.setdefault(name, DEV_PORTS[name] if self.dev_ports else free_port())
        for name in names:
            port = self.ports[name]
            env = self.service_env(name)
            env["VFUND_HTTP_PORT"] = str(port)
            svc = ServiceProcess(name, port, env, self.root / "logs" / f"{name}.out")
            svc.start()
            self.services[name] = svc
        if wait:
            for name in names:
                self.services[name].wait_ready()

    def restart(self, name: str, *, kill: bool = True, env: dict[str, str] | None = None) -> None:
        svc = self.services[name]
        svc.kill() if kill else svc.stop()
        if env is not None:
            svc.env.update(env)
        svc.start()
        svc.wait_ready()

    def tokens(self) -> dict[str, str]:
        assert self.keys
        return demo_tokens(self.keys.token_private)

    def stop(self) -> None:
        for svc in self.services.values():
            svc.stop()
        if self.mail:
            self.mail.stop()
        if self.nats:
            self.nats.stop()
        if self.postgres:
            self.postgres.stop()


def _host_template(admin_dsn: str) -> str:
    """postgresql://postgres:pw@host:port/postgres → a template for other users and databases."""
    rest = admin_dsn.split("@", 1)[1]
    hostport = rest.split("/", 1)[0]
    return "postgresql://{user}:{password}@" + hostport + "/{database}"
