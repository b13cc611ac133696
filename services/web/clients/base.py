"""What every service client does: mint the user's token, call, turn a problem into a refusal."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from services.web.keys import Claims, TokenMinter


class ServiceUnavailable(Exception):
    """The service did not answer, or answered with a server error: the page says so."""

    def __init__(self, service: str) -> None:
        super().__init__(f"{service} is unavailable")
        self.service = service


class ServiceRefusal(Exception):
    """A 4xx problem+json from a service: the page shows it, next to the fields it names."""

    def __init__(self, service: str, status: int, problem: dict[str, Any]) -> None:
        self.service = service
        self.status = status
        self.code = str(problem.get("type", "")).rsplit("/", 1)[-1] or str(status)
        self.detail = str(problem.get("detail", ""))
        raw = problem.get("errors")
        self.errors: list[dict[str, Any]] = (
            [e for e in raw if isinstance(e, dict)] if isinstance(raw, list) else []
        )
        super().__init__(f"{service} answered {status} {self.code}")


@dataclass(frozen=True)
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")


class ServiceClient:
    """Base of the typed clients; a page helper adds a method per call its pages make."""

    service = "service"

    def __init__(self, base_url: str, http: httpx.AsyncClient, minter: TokenMinter) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = http
        self.minter = minter

    async def call(
        self,
        method: str,
        path: str,
        user: Claims,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
        files: Any = None,
        data: dict[str, Any] | None = None,
        read_seconds: float | None = None,
    ) -> Reply:
        """`read_seconds`: seconds for a call known to take longer than the client's default (a
        rendered document)."""
        sent = {"Authorization": f"Bearer {self.minter.token(user)}", **(headers or {})}
        query = {k: v for k, v in (params or {}).items() if v is not None and v != ""}
        try:
            response = await self.http.request(
                method,
                self.base_url + path,
                params=query,
                json=json,
                headers=sent,
                files=files,
                data=data,
                timeout=httpx.USE_CLIENT_DEFAULT if read_seconds is None else read_seconds,
            )
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(self.service) from exc
        if response.status_code >= 500:
            raise ServiceUnavailable(self.service)
        body: Any = None
        content_type = response.headers.get("content-type", "")
        if "json" in content_type:
            # orjson: an audit log entry may nest as deep as JSON allows, past Python's json
            body = orjson.loads(response.content)
        if response.status_code >= 400:
            raise ServiceRefusal(
                self.service, response.status_code, body if isinstance(body, dict) else {}
            )
        if body is None:
            body = response.content
        return Reply(response.status_code, body, dict(response.headers))

    async def stream(self, path: str, user: Claims) -> httpx.Response:
        """A GET whose body is passed on as it comes (an export of the whole log): the open
        response, to be closed by whoever sends its body on; a refusal as in `call`."""
        request = self.http.build_request(
            "GET",
            self.base_url + path,
            headers={"Authorization": f"Bearer {self.minter.token(user)}"},
        )
        try:
            response = await self.http.send(request, stream=True)
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(self.service) from exc
        if response.status_code >= 400:
            content = await response.aread()
            await response.aclose()
            if response.status_code >= 500:
                raise ServiceUnavailable(self.service)
            problem = orjson.loads(content) if content.startswith(b"{") else {}
            raise ServiceRefusal(
                self.service, response.status_code, problem if isinstance(problem, dict) else {}
            )
        return response

    async def get(self, path: str, user: Claims, **params: Any) -> Any:
        return (await self.call("GET", path, user, params=params)).body
