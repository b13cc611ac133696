"""The launcher behind `python -m services` (`make run`): the whole system on embedded servers."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from dev.provision import SERVICES
from dev.stack import Stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services", description=__doc__)
    parser.add_argument(
        "--root",
        type=Path,
        default=Path(".vfund"),
        help="where data, keys, logs and run.json live (default .vfund)",
    )
    parser.add_argument(
        "--exit-after",
        type=float,
        default=None,
        help="stop by itself after this many seconds once ready (tests)",
    )
    parser.add_argument(
        "--any-ports",
        action="store_true",
        help="free ports instead of the dev defaults 8001-8004, 4222, 55432",
    )
    args = parser.parse_args(argv)

    started = time.monotonic()
    stop_requested = False

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    root = args.root.resolve()
    # The demo: the second factor is optional (it says so below), and the browser reaches the
    # web service over loopback HTTP, the one place its cookies are not Secure (section 7).
    stack = Stack(
        root=root, dev_ports=not args.any_ports, web_mfa="optional", web_cookie_secure=False
    )
    try:
        stack.start_servers()
        stack.provision()
        stack.start_services(SERVICES)
        elapsed = time.monotonic() - started
        run = _write_run_json(stack, root)
        _announce(run, elapsed, root / "run.json")
        deadline = None if args.exit_after is None else time.monotonic() + args.exit_after
        while not stop_requested and (deadline is None or time.monotonic() < deadline):
            for svc in stack.services.values():
                if svc.proc is not None and svc.proc.poll() is not None:
                    print(
                        f"{svc.name} exited ({svc.proc.returncode}); restarting it", file=sys.stderr
                    )
                    svc.start()
            time.sleep(0.2)
    finally:
        print("stopping vfund ...", flush=True)
        stack.stop()
        print("stopped.", flush=True)
    return 0


def _write_run_json(stack: Stack, root: Path) -> dict[str, object]:
    assert stack.keys is not None
    run: dict[str, object] = {
        "services": {name: svc.url for name, svc in stack.services.items()},
        "nats": stack.nats_url,
        "postgres": stack.admin_dsn,
        "tokens": stack.tokens(),
        "audit_public_key": str(stack.keys.audit_public),
        "passwords": stack.passwords,
    }
    if stack.mail is not None:
        run["mail"] = stack.mail.url
        run["mail_folder"] = str(stack.mail.folder)
    path = root / "run.json"
    path.write_text(json.dumps(run, indent=2))
    path.chmod(0o600)
    return run


def _announce(run: dict[str, object], elapsed: float, written: Path) -> None:
    print(f"\nvfund is ready in {elapsed:.1f}s\n", flush=True)
    for name, url in run["services"].items():  # type: ignore[attr-defined]
        print(f"  {name:<13} {url}   (docs {url}/docs)")
    print(f"  {'nats':<13} {run['nats']}")
    print(f"  {'postgres':<13} {run['postgres']}")
    print(f"  audit key     {run['audit_public_key']}")
    if run.get("mail"):
        print(f"  {'mail':<13} {run['mail']}   (every e-mail kept in {run['mail_folder']})")
    print()
    print("Demo tokens (Authorization: Bearer <token>):")
    for user, token in run["tokens"].items():  # type: ignore[attr-defined]
        print(f"  {user:<13} {token}")
    web = run["services"].get("web")  # type: ignore[attr-defined]
    if web:
        print(f"\nIn the browser: {web}/sign-in, as any demo user with its password:")
        for user, password in run["passwords"].items():  # type: ignore[attr-defined]
            print(f"  {user:<13} {password}")
        print(
            "The demo runs with the second factor OPTIONAL (VFUND_WEB_MFA=optional): a user may"
            " sign in with the password alone and set up a code on /account. Production requires"
            " it. The demo's cookies are not Secure (plain HTTP on loopback)."
        )
    print(f"\nEverything is also in {written}. Ctrl-C stops it all.", flush=True)
