"""The OpenAPI links derived from route naming: creates, lists and reads lead where their answer
points, with the ETag as If-Match; nothing leads where a path parameter would be missing."""

from __future__ import annotations

from typing import Any

from shared.links import document


def _op(name: str, *params: str, if_match: bool = False) -> dict[str, Any]:
    parameters = [{"name": p, "in": "path", "required": True} for p in params]
    if if_match:
        parameters.append({"name": "If-Match", "in": "header", "required": False})
    return {
        "operationId": name,
        "parameters": parameters,
        "responses": {"200": {"description": "ok"}, "201": {"description": "created"}},
    }


def schema() -> dict[str, Any]:
    return {
        "paths": {
            "/grants": {"post": _op("create"), "get": _op("list")},
            "/grants/{grant_id}": {"get": _op("read", "grant_id")},
            "/grants/{grant_id}/adjustments": {"post": _op("adjust", "grant_id", if_match=True)},
            "/grants/{grant_id}/notes/{note_id}": {"get": _op("note", "grant_id", "note_id")},
            "/health/live": {"get": _op("live")},
        }
    }


def links(doc: dict[str, Any], path: str, method: str, status: str) -> dict[str, Any]:
    found: dict[str, Any] = doc["paths"][path][method]["responses"][status].get("links", {})
    return {name: link["parameters"] for name, link in found.items()}


def test_a_create_leads_to_the_reads_and_changes_of_what_it_created() -> None:
    doc = document(schema())
    assert links(doc, "/grants", "post", "201") == {
        "read": {"grant_id": "$response.body#/grant_id"},
        "adjust": {"grant_id": "$response.body#/grant_id", "If-Match": "$response.header.ETag"},
    }
    assert links(doc, "/grants", "post", "200") == {}


def test_a_list_leads_to_the_reads_of_its_first_item() -> None:
    doc = document(schema())
    assert links(doc, "/grants", "get", "200") == {
        "read": {"grant_id": "$response.body#/items/0/grant_id"}
    }


def test_a_read_leads_to_the_changes_with_its_etag_and_a_change_back_to_the_read() -> None:
    doc = document(schema())
    assert links(doc, "/grants/{grant_id}", "get", "200") == {
        "adjust": {"grant_id": "$request.path.grant_id", "If-Match": "$response.header.ETag"}
    }
    assert links(doc, "/grants/{grant_id}/adjustments", "post", "200") == {
        "read": {"grant_id": "$request.path.grant_id"}
    }


def test_nothing_leads_where_a_path_parameter_would_be_missing() -> None:
    doc = document(schema())
    everywhere = [
        link
        for item in doc["paths"].values()
        for op in item.values()
        for response in op["responses"].values()
        for link in response.get("links", {}).values()
    ]
    assert everywhere and all(link["operationId"] not in ("note", "live") for link in everywhere)
