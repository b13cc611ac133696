"""The load generator's HTTP client: keep-alive HTTP/1.1 over asyncio streams, parsed by
httptools (the parser uvicorn already brings).

Why not httpx: on this 2-core machine the client shares the CPUs with the system it measures,
and httpx spent 3.2 ms of CPU per `POST /cases` (measured with per-process CPU times around 2,000
submissions), more than the intake service itself; this client spends about a sixth of that.
Why not aiohttp: nats-py imports it whenever it is installed, which adds 8 MB to the resident
memory of every service sharing the environment (measured), a figure the benchmark reports.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import httptools
import orjson


@dataclass(frozen=True)
class Reply:
    status: int
    text: str

    def json(self) -> Any:
        return orjson.loads(self.text) if self.text else None


@dataclass
class _Message:
    """httptools' callbacks for one response."""

    body: bytearray = field(default_factory=bytearray)
    complete: bool = False

    def on_body(self, chunk: bytes) -> None:
        self.body += chunk

    def on_message_complete(self) -> None:
        self.complete = True


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def exchange(self, request: bytes) -> tuple[Reply, bool]:
        """Send one request, read its whole response; (reply, may the connection be reused)."""
        self.writer.write(request)
        message = _Message()
        parser = httptools.HttpResponseParser(message)
        while not message.complete:
            chunk = await self.reader.read(65536)
            if not chunk:
                raise ConnectionError("the server closed the connection mid-response")
            parser.feed_data(chunk)
        reply = Reply(parser.get_status_code(), message.body.decode())
        return reply, parser.should_keep_alive()

    def close(self) -> None:
        self.writer.close()


class Http:
    """At most `concurrency` keep-alive connections per origin, reused last-in first-out."""

    def __init__(self, concurrency: int, timeout_s: float = 30.0) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self._idle: dict[tuple[str, int], list[_Connection]] = {}
        self._timeout = timeout_s

    async def __aenter__(self) -> Http:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for pool in self._idle.values():
            for conn in pool:
                conn.close()
        self._idle.clear()

    async def post(self, url: str, *, json: Any, headers: dict[str, str]) -> Reply:
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        body = orjson.dumps(json)
        lines = [
            f"POST {parts.path or '/'}{'?' + parts.query if parts.query else ''} HTTP/1.1",
            f"Host: {host}:{port}",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + body
        async with self._slots:
            pool = self._idle.setdefault((host, port), [])
            conn = pool.pop() if pool else _Connection(*await asyncio.open_connection(host, port))
            try:
                reply, reusable = await asyncio.wait_for(conn.exchange(request), self._timeout)
            except BaseException:
                conn.close()
                raise
            if reusable:
                pool.append(conn)
            else:
                conn.close()
            return reply
