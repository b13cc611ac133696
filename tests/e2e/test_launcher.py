"""`make run`'s launcher: reaches ready, writes run.json, and leaves no process behind."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest


def _leftovers(root: Path) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter(["cmdline", "environ"]):
        try:
            text = " ".join(proc.info["cmdline"] or [])
            env = proc.info.get("environ") or {}
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if str(root) in text or str(root) in env.get("VFUND_LOG_FILE", ""):
            found.append(proc)
    return found


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_launcher_reaches_ready_and_stops_everything(tmp_path: Path, stop_signal: int) -> None:
    root = tmp_path / "vfund"
    proc = subprocess.Popen(
        [sys.executable, "-m", "services", "--root", str(root), "--any-ports"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    started = time.monotonic()
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if "Ctrl-C stops it all" in line:
            break
        assert time.monotonic() - started < 90, "".join(lines)
    assert any("vfund is ready" in line for line in lines), "".join(lines)
    assert f"Everything is also in {root / 'run.json'}." in lines[-1]

    run = json.loads((root / "run.json").read_text())
    assert set(run["services"]) == {"intake", "assessment", "disbursement", "audit", "web"}
    assert set(run["passwords"]) == set(run["tokens"]) and all(run["passwords"].values())
    assert any("OPTIONAL" in line for line in lines), "the demo says the second factor is optional"
    assert run["nats"].startswith("nats://") and run["postgres"].startswith("postgresql://")
    assert {
        "caseworker-a",
        "caseworker-b",
        "medical-1",
        "legal-1",
        "manager-1",
        "manager-2",
        "finance-1",
        "finance-2",
        "auditor-1",
        "admin-1",
    } <= set(run["tokens"])
    assert Path(run["audit_public_key"]).read_text().startswith("-----BEGIN PUBLIC KEY-----")
    assert _leftovers(root), "the launcher's children should be running"

    proc.send_signal(stop_signal)
    rest, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, rest
    assert "stopped." in rest
    deadline = time.monotonic() + 10
    while _leftovers(root) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _leftovers(root), [p.info["cmdline"] for p in _leftovers(root)]


def test_a_second_run_reuses_the_data(tmp_path: Path) -> None:
    root = tmp_path / "vfund"
    for _ in range(2):
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "services",
                "--root",
                str(root),
                "--any-ports",
                "--exit-after",
                "0.5",
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert out.returncode == 0, out.stdout + out.stderr
        assert "vfund is ready" in out.stdout
    assert (root / "postgres" / "data" / "PG_VERSION").exists()
    assert not _leftovers(root)
