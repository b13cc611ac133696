"""Hostile HTTP against every running service (issue 15, rule 6): oversized headers and bodies,
chunked or not, wrong content types, every method on every path, and what every answer must
carry. Each case asserts its status AND that nothing changed (rows, events)."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest
from support import Api, Unchanged, assert_problem, wait_for
from support.factories import case_body

from dev.provision import API_SERVICES
from dev.servers import free_port
from dev.stack import Stack

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")
# Who gets past authorisation in each service, so that a refusal is the rule under test.
CALLERS = {
    "intake": "caseworker-a",
    "assessment": "manager-1",
    "disbursement": "finance-1",
    "audit": "auditor-1",
}
UNKNOWN_ID = "00000000-0000-4000-8000-000000000000"
OPS = ("/metrics", "/openapi.json", "/asyncapi.json", "/docs", "/redoc")


@dataclass(frozen=True)
class Route:
    service: str
    template: str
    methods: frozenset[str]
    json_bodies: frozenset[str]  # the methods whose request body is JSON

    @property
    def path(self) -> str:
        return re.sub(r"\{[^}]+\}", UNKNOWN_ID, self.template)


def routes(api: Api, service: str) -> list[Route]:
    spec = api.get(service, "/openapi.json").json()
    found = []
    for template, item in spec["paths"].items():
        methods = {m.upper() for m in item if m.upper() in METHODS}
        json_bodies = {
            m.upper()
            for m, op in item.items()
            if "application/json" in op.get("requestBody", {}).get("content", {})
        }
        found.append(Route(service, template, frozenset(methods), frozenset(json_bodies)))
    return found


def running(api: Api) -> list[str]:
    return [s for s in API_SERVICES if s in api.stack.services]


def secured(response: Any, *, cacheable: bool | None = None) -> None:
    """What every API answer carries (rule 6); health and metrics may be cached."""
    if cacheable is None:
        cacheable = response.request.url.path.startswith(("/health/", "/metrics"))
    headers = response.headers
    assert headers.get("x-content-type-options") == "nosniff", headers
    assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), headers
    assert "server" not in headers, headers
    if not cacheable:
        assert headers.get("cache-control") == "no-store", headers


# -- raw HTTP/1.1, so that a body is really sent chunked and headers exactly as written --------


@dataclass
class Raw:
    status: int
    headers: dict[str, str]
    body: bytes


def raw(
    url: str,
    method: str,
    path: str,
    headers: dict[str, str],
    *,
    chunks: Iterable[bytes] = (),
    chunked: bool = True,
    body: bytes | None = None,
) -> Raw:
    parts = urlsplit(url)
    lines = [f"{method} {path} HTTP/1.1", f"Host: {parts.hostname}:{parts.port}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    elif chunked:
        lines.append("Transfer-Encoding: chunked")
    lines.append("Connection: close")
    with socket.create_connection((parts.hostname or "", parts.port or 80), timeout=30) as sock:
        try:
            sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
            if body is not None:
                sock.sendall(body)
            elif chunked:
                for chunk in chunks:
                    sock.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered before the body was all sent: read what it said
        received = b""
        try:
            while data := sock.recv(65536):
                received += data
        except ConnectionResetError:
            pass
    head, _, rest = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    parsed = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        parsed[name.strip().lower()] = value.strip()
    return Raw(int(status_line.split(" ")[1]), parsed, rest)


def _kilobytes(n: int) -> Iterator[bytes]:
    yield b'{"facts": "'
    for _ in range(n):
        yield b"x" * 1024
    yield b'"}'


def auth(api: Api, service: str) -> dict[str, str]:
    return api.auth(CALLERS[service])


# -- headers: 431 ----------------------------------------------------------------------------

OVERSIZED_HEADERS = {
    "one header of 8 KiB": {"X-Padding": "a" * 8300},
    "a cookie of 9 KiB": {"Cookie": "session=" + "c" * 9200},
    "a hundred headers of 100 bytes": {f"X-H{i}": "v" * 100 for i in range(100)},
    "a token of 8 KiB": {"Authorization": "Bearer " + "e" * 8300},
}


@pytest.mark.parametrize("case", OVERSIZED_HEADERS)
def test_oversized_headers_are_431_and_change_nothing(api: Api, stack: Stack, case: str) -> None:
    with Unchanged(stack, *running(api)):
        for service in running(api):
            headers = auth(api, service) | OVERSIZED_HEADERS[case]
            for route in routes(api, service):
                for method in sorted(route.methods):
                    response = api.call(
                        method,
                        service,
                        route.path,
                        headers=headers,
                        json=case_body() if method in route.json_bodies else None,
                    )
                    body = assert_problem(response, 431)
                    assert "headers" in body["detail"]
                    assert "aaaa" not in response.text and "cccc" not in response.text
                    secured(response)


def test_a_valid_case_with_an_oversized_header_is_not_created(api: Api, stack: Stack) -> None:
    with Unchanged(stack, "intake"):
        response = api.post(
            "intake",
            "/cases",
            user="caseworker-a",
            json=case_body(),
            headers={"X-Padding": "a" * 8300},
        )
        assert_problem(response, 431)


def test_headers_just_under_the_bound_are_served(api: Api) -> None:
    response = api.get("intake", "/cases", user="caseworker-a", headers={"X-Padding": "a" * 6000})
    assert response.status_code == 200


# -- bodies: 413, chunked or declared ---------------------------------------------------------


def test_a_chunked_body_over_the_limit_is_413_on_every_json_route(api: Api, stack: Stack) -> None:
    with Unchanged(stack, *running(api)):
        for service in running(api):
            url = stack.services[service].url
            for route in routes(api, service):
                for method in sorted(route.json_bodies):
                    headers = auth(api, service) | {"Content-Type": "application/json"}
                    answer = raw(url, method, route.path, headers, chunks=_kilobytes(300))
                    assert answer.status == 413, (service, method, route.template, answer)
                    assert b"larger than" in answer.body
                    assert answer.headers["x-content-type-options"] == "nosniff"


def test_a_declared_length_over_the_limit_is_413_before_the_body_is_read(
    api: Api, stack: Stack
) -> None:
    url = stack.services["intake"].url
    with Unchanged(stack, "intake"):
        headers = auth(api, "intake") | {
            "Content-Type": "application/json",
            "Content-Length": str(10 * 1024 * 1024),
        }
        answer = raw(url, "POST", "/cases", headers, chunked=False)
        assert answer.status == 413


def test_a_chunked_upload_over_the_document_limit_is_413(api: Api, stack: Stack) -> None:
    created = api.post("intake", "/cases", user="caseworker-a", json=case_body())
    assert created.status_code == 201
    case_id = created.json()["case_id"]
    url = stack.services["intake"].url
    boundary = "b" * 16
    preamble = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
    ).encode()

    def upload() -> Iterator[bytes]:
        yield preamble
        for _ in range(11 * 1024):  # 11 MiB
            yield b"0" * 1024
        yield f"\r\n--{boundary}--\r\n".encode()

    with Unchanged(stack, "intake"):
        headers = auth(api, "intake") | {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "If-Match": created.headers.get("etag", '"1"'),
        }
        answer = raw(url, "POST", f"/cases/{case_id}/documents", headers, chunks=upload())
        assert answer.status == 413, answer


def test_a_chunked_body_within_the_limit_is_served(api: Api, stack: Stack) -> None:
    import orjson

    body = orjson.dumps(case_body())
    url = stack.services["intake"].url
    headers = auth(api, "intake") | {"Content-Type": "application/json"}
    answer = raw(url, "POST", "/cases", headers, chunks=[body[:10], body[10:50], body[50:]])
    assert answer.status == 201, answer


# -- content types: 415 -----------------------------------------------------------------------

WRONG_TYPES = {
    "text/plain": b'{"a": 1}',
    "application/x-www-form-urlencoded": b"victim=x&country=LB",
    "application/xml": b"<case/>",
    "multipart/form-data; boundary=zz": b'--zz\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--zz--\r\n',
    "application/jsonx": b'{"a": 1}',
    "text/json": b'{"a": 1}',
    "": b'{"a": 1}',
}


@pytest.mark.parametrize("content_type", WRONG_TYPES, ids=lambda t: t or "no content type")
def test_a_wrong_content_type_on_a_json_route_is_415(
    api: Api, stack: Stack, content_type: str
) -> None:
    with Unchanged(stack, *running(api)):
        for service in running(api):
            for route in routes(api, service):
                for method in sorted(route.json_bodies):
                    headers = auth(api, service)
                    if content_type:
                        headers["Content-Type"] = content_type
                    response = api.call(
                        method,
                        service,
                        route.path,
                        headers=headers,
                        content=WRONG_TYPES[content_type],
                    )
                    body = assert_problem(response, 415)
                    assert "application/json" in body["detail"], (service, route.template)
                    secured(response)


# -- methods: 405 with a true Allow -----------------------------------------------------------


def test_every_method_on_every_path_is_served_or_405_with_a_true_allow(
    api: Api, stack: Stack
) -> None:
    with Unchanged(stack, *running(api)):
        for service in running(api):
            for route in routes(api, service):
                for method in sorted(set(METHODS) - route.methods):
                    response = api.call(method, service, route.path, headers=auth(api, service))
                    assert response.status_code == 405, (service, method, route.template)
                    allow = {m.strip() for m in response.headers["allow"].split(",")}
                    assert allow == set(route.methods), (service, route.template, allow)
                    if method != "HEAD":
                        assert_problem(response, 405)
                    secured(response)


# -- what every answer carries ----------------------------------------------------------------


def test_every_kind_of_answer_is_secured_and_never_cached(api: Api) -> None:
    for service in running(api):
        caller = CALLERS[service]
        first = routes(api, service)[0]
        answers = [
            api.get(service, first.path, user=caller),  # 200 or a domain 404/422
            api.get(service, first.path),  # 401
            api.get(service, first.path, user="auditor-1" if service != "audit" else "finance-1"),
            api.get(service, "/nowhere", user=caller),  # 404
            api.call("TRACE", service, first.path, user=caller),  # 405
        ]
        for answer in answers:
            secured(answer)
        for path in ("/health/live", "/health/ready", "/metrics"):
            secured(api.get(service, path), cacheable=True)


def test_the_docs_pages_load_nothing_from_another_host(api: Api) -> None:
    for service in running(api):
        for page in ("/docs", "/redoc"):
            response = api.get(service, page)
            assert response.status_code == 200
            assert "https://" not in response.text and "http://" not in response.text
            urls = re.findall(r'(?:src|href)="([^"]+)"', response.text)
            assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls)
            for url in urls:
                asset = api.get(service, url)
                assert asset.status_code == 200 and asset.content, (service, url)
            csp = response.headers["content-security-policy"]
            assert "default-src 'self'" in csp and "http" not in csp


def test_with_an_ops_port_metrics_and_docs_are_not_on_the_api_port(api: Api, stack: Stack) -> None:
    ops = free_port()
    stack.restart("audit", env={"VFUND_OPS_PORT": str(ops)})
    try:
        for path in OPS:
            assert_problem(api.get("audit", path), 404)
        assert api.get("audit", "/health/ready").status_code == 200
        assert api.get("audit", "/log", user="auditor-1").status_code == 200
        internal = f"http://127.0.0.1:{ops}"
        for path in OPS:
            response = api.http.get(internal + path)
            assert response.status_code == 200, path
        assert api.http.get(internal + "/log", headers=api.auth("auditor-1")).status_code == 404
    finally:
        stack.services["audit"].env.pop("VFUND_OPS_PORT", None)
        stack.restart("audit")
    wait_for(lambda: api.get("audit", "/metrics").status_code == 200, what="metrics back")
