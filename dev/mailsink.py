"""A local SMTP sink (aiosmtpd) for `make run` and the tests: every message it is given is kept,
as it came, in a file of its own (`<folder>/<received>-<n>.eml`); nothing is sent on.

`python -m dev.mailsink --folder .vfund/mail --port 1025`; `MailSink` runs it as a process."""

from __future__ import annotations

import argparse
import asyncio
import itertools
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dev.servers import free_port, stop_process, wait_port


class Keep:
    """aiosmtpd's handler: a message is accepted once its file is whole (written, then renamed)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._numbers = itertools.count(1)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802
        content = envelope.original_content or envelope.content
        data = content if isinstance(content, bytes) else str(content).encode()
        name = f"{time.time_ns()}-{next(self._numbers):06d}.eml"
        part = self.folder / f".{name}.part"
        part.write_bytes(data)
        part.rename(self.folder / name)
        return "250 Message accepted for delivery"


async def serve(folder: Path, host: str, port: int) -> None:
    from aiosmtpd.smtp import SMTP

    folder.mkdir(parents=True, exist_ok=True)
    handler = Keep(folder)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="vfund-mail-sink", ident="vfund mail sink"), host, port
    )
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dev.mailsink", description=__doc__)
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=1025)
    args = parser.parse_args(argv)
    asyncio.run(serve(args.folder, args.host, args.port))
    return 0


@dataclass
class MailSink:
    """The sink as a process of its own: the tests stop it (the SMTP server away) and start it
    again on the same port."""

    folder: Path
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.port = self.port or free_port()
        self.folder.mkdir(parents=True, exist_ok=True)
        log = open(self.folder.parent / "mailsink.log", "ab")  # noqa: SIM115 - the child keeps it
        command = [sys.executable, "-m", "dev.mailsink", "--folder", str(self.folder)]
        self.proc = subprocess.Popen(
            [*command, "--port", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_port("127.0.0.1", self.port, 30, self.proc, what="the mail sink")

    def stop(self) -> None:
        stop_process(self.proc)

    def messages(self) -> list[Path]:
        """The files of the messages received so far, in the order they came."""
        return sorted(self.folder.glob("*.eml"))


if __name__ == "__main__":
    sys.exit(main())
