"""HTTP hygiene of create_app, on a small app of its own (no servers): headers, limits, content
types, 405s, the ops port and the offline docs pages."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel

from shared.errors import DomainError, Refusal
from shared.service import ServiceSpec, create_app
from shared.settings import Settings

router = APIRouter()


class Thing(BaseModel):
    name: str


@router.post("/things", status_code=201)
async def create_thing(thing: Thing) -> dict[str, str]:
    return {"thing_id": "t-1", "name": thing.name}


@router.get("/things/{thing_id}")
async def read_thing(thing_id: str) -> dict[str, str]:
    if thing_id == "gone":
        raise DomainError(Refusal.NOT_FOUND, "no_thing", "no such thing")
    return {"thing_id": thing_id}


@router.delete("/things/{thing_id}")
async def delete_thing(thing_id: str) -> dict[str, str]:
    return {"thing_id": thing_id}


@router.post("/things/{thing_id}/files")
async def upload(
    thing_id: str, file: Annotated[UploadFile, File()], note: Annotated[str, Form()] = ""
) -> dict[str, int]:
    return {"size": len(await file.read())}


@router.post("/raw")
async def raw(request: Request) -> dict[str, int]:
    return {"size": len(await request.body())}


@router.get("/cached")
async def cached() -> PlainTextResponse:
    return PlainTextResponse("x", headers={"Cache-Control": "public, max-age=60"})


@router.get("/framed")
async def framed() -> JSONResponse:
    return JSONResponse({}, headers={"Content-Security-Policy": "default-src 'self'"})


@router.get("/boom")
async def boom() -> None:
    raise RuntimeError("the unexpected")


async def _context(_: Any) -> object:
    return object()


SPEC: ServiceSpec[Settings, object] = ServiceSpec(
    name="toy",
    title="Toy",
    settings=Settings,
    context=_context,
    routers=[router],
    subscriptions=[],
    migrations=Path("."),
    body_limits={"/files": 4096},
)


def client(**settings: Any) -> httpx.AsyncClient:
    app = create_app(SPEC, Settings(request_body_limit=1024, **settings))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://toy:8000")


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with client() as c:
        yield c


def secured(response: httpx.Response, *, cache: str | None = "no-store") -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert "server" not in response.headers
    assert response.headers.get("cache-control") == cache


async def test_every_answer_is_secured_whatever_its_status(http: httpx.AsyncClient) -> None:
    answers = [
        await http.post("/things", json={"name": "a"}),  # 201
        await http.get("/things/t-1"),  # 200
        await http.get("/things/gone"),  # 404 from the domain
        await http.get("/nowhere"),  # 404 from the router
        await http.put("/things/t-1"),  # 405
        await http.post("/things", json={"name": 1}),  # 422
        await http.post("/things", content=b"{", headers={"content-type": "application/json"}),
        await http.post("/things", content=b"a=b", headers={"content-type": "text/plain"}),
        await http.get("/boom"),  # 500, from Starlette's outermost handler
        await http.get("/openapi.json"),
    ]
    assert [a.status_code for a in answers] == [201, 200, 404, 404, 405, 422, 400, 415, 500, 200]
    for answer in answers:
        secured(answer)
    assert "the unexpected" not in answers[8].text


async def test_health_metrics_and_assets_may_be_cached_and_routes_keep_their_own(
    http: httpx.AsyncClient,
) -> None:
    secured(await http.get("/health/live"), cache=None)
    secured(await http.get("/metrics"), cache=None)
    secured(await http.get("/docs/assets/swagger-ui.css"), cache="public, max-age=86400")
    secured(await http.get("/cached"), cache="public, max-age=60")
    framed = await http.get("/framed")
    assert framed.headers.get_list("content-security-policy") == ["default-src 'self'"]


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"x-big": "a" * 8200}, 431),
        ({"authorization": "Bearer " + "e" * 8192}, 431),
        ({f"x-h{i}": "v" * 90 for i in range(100)}, 431),
        ({"cookie": "c" * 9000}, 431),
        ({"x-fine": "a" * 4000}, 200),
    ],
)
async def test_headers_are_bounded(
    http: httpx.AsyncClient, headers: dict[str, str], status: int
) -> None:
    response = await http.get("/things/t-1", headers=headers)
    assert response.status_code == status
    secured(response)
    if status == 431:
        assert response.headers["content-type"] == "application/problem+json"
        assert "a" * 100 not in response.text


async def _chunks(total: int, size: int = 100) -> AsyncIterator[bytes]:
    yield b'{"name": "'
    for _ in range(total // size):
        yield b"x" * size
    yield b'"}'


async def test_bodies_over_the_limit_are_413_declared_or_streamed(http: httpx.AsyncClient) -> None:
    json_type = {"content-type": "application/json"}
    declared = await http.post("/things", content=b"{" + b" " * 2000 + b"}", headers=json_type)
    streamed = await http.post("/things", content=_chunks(2000), headers=json_type)
    assert "content-length" not in streamed.request.headers
    raw = await http.post("/raw", content=_chunks(2000))
    lying = await http.post(
        "/things", content=b"x" * 10, headers=json_type | {"content-length": "-1"}
    )
    for answer in (declared, streamed, raw):
        assert answer.status_code == 413, answer.text
        assert answer.json()["status"] == 413
        secured(answer)
    assert lying.status_code in (400, 413)
    fits = await http.post("/things", content=_chunks(500), headers=json_type)
    assert fits.status_code == 201


async def test_a_route_with_its_own_limit_keeps_it(http: httpx.AsyncClient) -> None:
    small = await http.post("/things/t/files", files={"file": ("a.bin", b"x" * 3000)})
    large = await http.post("/things/t/files", files={"file": ("a.bin", b"x" * 5000)})
    assert (small.status_code, large.status_code) == (200, 413)


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "application/jsonx",
        "text/json",
        None,
    ],
)
async def test_a_json_route_refuses_other_content_types_with_415(
    http: httpx.AsyncClient, content_type: str | None
) -> None:
    headers = {"content-type": content_type} if content_type else {}
    response = await http.post("/things", content=b'{"name": "a"}', headers=headers)
    assert response.status_code == 415
    assert response.json()["type"].endswith("/unsupported-media-type")


@pytest.mark.parametrize(
    "content_type",
    ["application/json", "application/json; charset=utf-8", "application/merge-patch+json"],
)
async def test_json_in_any_of_its_spellings_is_taken(
    http: httpx.AsyncClient, content_type: str
) -> None:
    response = await http.post(
        "/things", content=b'{"name": "a"}', headers={"content-type": content_type}
    )
    assert response.status_code == 201


async def test_form_and_raw_routes_are_not_json_routes(http: httpx.AsyncClient) -> None:
    upload = await http.post("/things/t/files", files={"file": ("a.txt", b"abc")})
    raw = await http.post("/raw", content=b"<x/>", headers={"content-type": "application/xml"})
    empty = await http.post("/things")  # no body: the validation names the missing body
    assert (upload.status_code, raw.status_code, empty.status_code) == (200, 200, 422)


async def test_405_names_every_method_the_path_answers(http: httpx.AsyncClient) -> None:
    for method in ("PUT", "PATCH", "POST", "OPTIONS"):
        response = await http.request(method, "/things/t-1")
        assert response.status_code == 405
        assert response.headers["allow"] == "DELETE, GET"
    assert (await http.request("DELETE", "/things")).headers["allow"] == "POST"


async def test_with_an_ops_port_the_ops_paths_answer_only_there() -> None:
    async with client(ops_port=9100) as public:
        for path in ("/metrics", "/openapi.json", "/docs", "/redoc", "/docs/assets/swagger-ui.css"):
            assert (await public.get(path)).status_code == 404, path
        assert (await public.get("/things/t-1")).status_code == 200
        assert (await public.get("/health/live")).status_code == 200
        ops = "http://toy:9100"
        for path in ("/metrics", "/openapi.json", "/docs", "/health/live"):
            assert (await public.get(ops + path)).status_code == 200, path
        assert (await public.get(ops + "/things/t-1")).status_code == 404


async def test_the_docs_pages_load_nothing_from_another_host(http: httpx.AsyncClient) -> None:
    for page in ("/docs", "/redoc"):
        response = await http.get(page)
        assert response.status_code == 200
        html = response.text
        urls = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert urls and all(u.startswith("/") and not u.startswith("//") for u in urls), urls
        assert "http://" not in html and "https://" not in html
        for url in urls:
            asset = await http.get(url)
            assert asset.status_code == 200 and len(asset.content) > 100, url
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "http" not in csp  # no host is allowed beside the service itself
        for script in re.findall(r"<script>(.*?)</script>", html, re.DOTALL):
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in csp
    assert (await http.get("/docs/assets/../../settings.py")).status_code == 404
    assert (await http.get("/docs/assets/index.html")).status_code == 404


async def test_the_openapi_links_creates_to_their_reads(http: httpx.AsyncClient) -> None:
    paths = (await http.get("/openapi.json")).json()["paths"]
    links = paths["/things"]["post"]["responses"]["201"]["links"]
    read = links["read_thing_things__thing_id__get"]
    assert read["parameters"] == {"thing_id": "$response.body#/thing_id"}
    assert "/docs" not in paths and "/docs/assets/{name}" not in paths
