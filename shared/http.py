"""HTTP hygiene every service shares: bounded headers and bodies, JSON routes that take JSON
only, security headers on every answer, the ops paths on an internal port, offline API docs."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
import time
import uuid
from collections.abc import Iterable
from email.message import Message as MimeMessage
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.params import Form
from fastapi.responses import FileResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import logging as vlog
from shared import metrics, problems

# What only operators need: on the internal port when one is configured (Settings.ops_port).
OPS_PATHS = ("/metrics", "/openapi.json", "/asyncapi.json", "/docs", "/redoc")
# Answers that carry no case, payment, grant or log data, which caches may keep.
CACHEABLE_PATHS = ("/health/", "/metrics", "/docs/assets/")
# Set on every answer unless the route set its own (the web service sets a fuller policy).
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", b"frame-ancestors 'none'"),
    (b"referrer-policy", b"no-referrer"),
)
NO_STORE = (b"cache-control", b"no-store")


def _is_ops(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in OPS_PATHS)


class Hygiene:
    """The outermost layer of every service (it wraps even the 500 handler):

    - 431 when the request's header lines together exceed `max_header_bytes`;
    - with an ops port, the ops paths answer only there and the API only on the public port
      (404 otherwise, as for a path that does not exist);
    - every answer gets `X-Content-Type-Options: nosniff`, `Content-Security-Policy:
      frame-ancestors 'none'`, `Referrer-Policy: no-referrer` and, unless it is health, metrics
      or a docs asset, `Cache-Control: no-store`: each unless the route set its own. The
      server sends no `Server` banner (`serve`)."""

    def __init__(self, app: ASGIApp, *, max_header_bytes: int, ops_port: int | None) -> None:
        self.app = app
        self.max_header_bytes = max_header_bytes
        self.ops_port = ops_port

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        headers: Iterable[tuple[bytes, bytes]] = scope.get("headers") or ()
        size = sum(len(name) + len(value) for name, value in headers)
        if size > self.max_header_bytes:
            reply = problems.problem_response(
                431,
                f"the request's headers exceed {self.max_header_bytes} bytes",
                code="headers-too-large",
            )
            await reply(scope, receive, _secured(send, path))
            return
        if self.ops_port is not None and not path.startswith("/health/"):
            server = scope.get("server") or ("", None)
            on_ops_port = server[1] == self.ops_port
            if _is_ops(path) != on_ops_port:
                reply = problems.problem_response(404, "Not Found")
                await reply(scope, receive, _secured(send, path))
                return
        await self.app(scope, receive, _secured(send, path))


def _secured(send: Send, path: str) -> Send:
    cacheable = any(path.startswith(p) for p in CACHEABLE_PATHS)

    async def secured(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {name.lower() for name, _ in headers}
            defaults = (*SECURITY_HEADERS, *(() if cacheable else (NO_STORE,)))
            headers.extend(d for d in defaults if d[0] not in present)
            message["headers"] = headers
        await send(message)

    return secured


class BodyTooLarge(StarletteHTTPException):
    """Raised while a body is read past its limit. An HTTPException, so that FastAPI's body
    reading passes it on as it is (any other error there becomes a 400) and the problem
    handler answers 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")
        self.limit = limit


class BodyLimit:
    """Refuse oversized bodies with 413: at once when Content-Length says so, and while the
    body is read when it comes without one (chunked) or lies."""

    def __init__(self, app: ASGIApp, *, default: int, overrides: dict[str, int]) -> None:
        self.app = app
        self.default = default
        self.overrides = overrides

    def _limit(self, path: str) -> int:
        for suffix, limit in self.overrides.items():
            if path.endswith(suffix):
                return limit
        return self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(scope, receive, send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            # A route that reads the body outside FastAPI's handlers (a stream) lets it through.
            if started:
                raise
            await _too_large(scope, receive, send, limit)


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    response = problems.problem_response(
        413,
        f"the request body is larger than {limit} bytes",
        code="body-too-large",
        headers={"Connection": "close"},
    )
    await response(scope, receive, send)


def is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    mime = MimeMessage()
    mime["content-type"] = content_type
    subtype = mime.get_content_subtype()
    return mime.get_content_maintype() == "application" and (
        subtype == "json" or subtype.endswith("+json")
    )


def _has_body(scope: Scope) -> bool:
    headers = dict(scope.get("headers") or [])
    length = headers.get(b"content-length")
    if length is not None:
        return length.strip() not in (b"", b"0")
    return b"transfer-encoding" in headers


async def json_body_only(request: Request) -> None:
    """An app-wide dependency: a route whose body FastAPI parses as JSON answers 415 to a body of
    another content type (FastAPI alone reads it as bytes and answers 422). Routes that read
    their body themselves (multipart, XML) have no JSON body field and check their own types.

    Dependencies are solved after the body is read (within its limit) and before the body is
    validated, so this answer comes first."""
    route = request.scope.get("route")
    body_field = getattr(route, "body_field", None)
    if body_field is None or isinstance(body_field.field_info, Form):
        return
    if _has_body(request.scope) and not is_json(request.headers.get("content-type")):
        raise problems.Problem(
            415,
            "this route takes a JSON body (Content-Type: application/json)",
            code="unsupported-media-type",
            headers={"Accept": "application/json"},
        )


class RequestContext:
    """Binds correlation and causation ids for the request's logs; times it for /metrics."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope.get("headers") or [])
        try:
            correlation = str(uuid.UUID(headers.get(b"x-correlation-id", b"").decode()))
        except ValueError:
            correlation = str(uuid.uuid4())
        request_id = str(uuid.uuid4())
        scope.setdefault("state", {})
        scope["state"]["correlation_id"] = correlation
        scope["state"]["request_id"] = request_id
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-correlation-id", correlation.encode()),
                ]
            await send(message)

        vlog.bind_story(correlationid=correlation, causationid=request_id)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            vlog.unbind_story()
            route = scope.get("route")
            template = getattr(route, "path", "unmatched")
            metrics.HTTP_REQUESTS.labels(
                self.service, scope["method"], template, str(status)
            ).observe(time.perf_counter() - started)


# The API docs pages with their assets served by the service itself (from the
# `fastapi-offline` package, which ships Swagger UI's and ReDoc's bundles): FastAPI's default
# pages load them from a CDN and the favicon from FastAPI's site.
def _assets_dir() -> Path:
    spec = importlib.util.find_spec("fastapi_offline")  # located, not imported
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the fastapi-offline package (API docs assets) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


DOC_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "redoc.standalone.js": "text/javascript",
    "favicon.png": "image/png",
}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def _docs_csp(html: str) -> str:
    """Nothing from another host; the page's one inline script by its hash."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"
        for s in _INLINE_SCRIPT.findall(html)
    )
    return (
        f"default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline';"
        " img-src 'self' data:; font-src 'self' data:; connect-src 'self';"
        " worker-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'none';"
        " frame-ancestors 'none'"
    )


def _page(response: Response) -> Response:
    html = bytes(response.body).decode()
    response.headers["Content-Security-Policy"] = _docs_csp(html)
    return response


def docs_router(title: str, openapi_url: str = "/openapi.json") -> APIRouter:
    router = APIRouter(include_in_schema=False)
    assets = "/docs/assets"

    @router.get("/docs")
    async def swagger() -> Response:
        return _page(
            get_swagger_ui_html(
                openapi_url=openapi_url,
                title=f"{title} - API",
                swagger_js_url=f"{assets}/swagger-ui-bundle.js",
                swagger_css_url=f"{assets}/swagger-ui.css",
                swagger_favicon_url=f"{assets}/favicon.png",
                # Swagger UI would send the document to validator.swagger.io for a badge.
                swagger_ui_parameters={"validatorUrl": None},
            )
        )

    @router.get("/redoc")
    async def redoc() -> Response:
        return _page(
            get_redoc_html(
                openapi_url=openapi_url,
                title=f"{title} - API",
                redoc_js_url=f"{assets}/redoc.standalone.js",
                redoc_favicon_url=f"{assets}/favicon.png",
                with_google_fonts=False,
            )
        )

    @router.get(assets + "/{name}")
    async def asset(name: str) -> Response:
        media_type = DOC_ASSETS.get(name)
        if media_type is None:
            raise problems.Problem(404, "Not Found")
        return FileResponse(
            _assets_dir() / name,
            media_type=media_type,
            headers={"Cache-Control": "public, max-age=86400"},
        )

    return router
