"""OpenAPI links between the operations of one service, derived from its paths.

A link tells a client (and schemathesis' stateful phase) where the answer of one operation
leads: the id a create returns is the path parameter of the item's reads and changes, and the
ETag of a read is the If-Match of a change. They are derived from the route naming every
service follows, so a new route is linked without a word more:

- a create (`POST P` answering 201) leads to every operation on `P/{id}…`, with `{id}` from
  the body it answered (the field of that name) and its ETag as If-Match;
- a list (`GET P`, `{"items": [...]}`) leads to the reads of its first item, `GET P/{id}…`;
- a read of one item (`GET P/{id}…`) leads to the operations under it, with the same path
  parameters and its ETag as If-Match;
- a change of an item (`POST P/{id}/action`, `DELETE …`) leads back to the reads of the item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_PARAM = re.compile(r"^\{(\w+)\}$")
METHODS = ("get", "put", "post", "patch", "delete")


@dataclass(frozen=True)
class _Operation:
    path: str
    method: str
    spec: dict[str, Any]

    @property
    def segments(self) -> list[str]:
        return [s for s in self.path.split("/") if s]

    @property
    def path_params(self) -> list[str]:
        return [m.group(1) for s in self.segments if (m := _PARAM.match(s))]

    @property
    def operation_id(self) -> str | None:
        value = self.spec.get("operationId")
        return value if isinstance(value, str) else None

    def takes_header(self, name: str) -> bool:
        return any(
            p.get("in") == "header" and str(p.get("name", "")).lower() == name.lower()
            for p in self.spec.get("parameters", [])
        )

    def under(self, other: _Operation) -> bool:
        """This operation's path continues `other`'s (or is the same path)."""
        mine, theirs = self.segments, other.segments
        return len(mine) >= len(theirs) and mine[: len(theirs)] == theirs


def _parameters(
    source: _Operation, target: _Operation, *, created: str | None = None, pointer: str = ""
) -> dict[str, str] | None:
    """The link's parameters, or None when the target needs a path parameter nobody gives."""
    given = {name: f"$request.path.{name}" for name in source.path_params}
    if created is not None:
        given[created] = f"$response.body#{pointer}/{created}"
    parameters: dict[str, str] = {}
    for name in target.path_params:
        if name not in given:
            return None
        parameters[name] = given[name]
    if target.takes_header("If-Match"):
        parameters["If-Match"] = "$response.header.ETag"
    return parameters


def _follows(source: _Operation, status: str, target: _Operation) -> dict[str, str] | None:
    if target is source or target.operation_id is None:
        return None
    below = target.segments[len(source.segments) :] if target.under(source) else []
    named = _PARAM.match(below[0]) if below else None
    if source.method == "post" and status == "201" and named is not None:
        return _parameters(source, target, created=named.group(1))
    if source.method == "get" and status == "200" and named is not None:
        # A list (`{"items": [...], "next_cursor": …}`) leads to the reads of its first item,
        # whose ETag the changes then take.
        if target.method != "get":
            return None
        return _parameters(source, target, created=named.group(1), pointer="/items/0")
    if not source.path_params or not status.startswith("2"):
        return None
    if source.method == "get":
        return _parameters(source, target) if target.under(source) else None
    if target.method == "get" and target.path_params and source.under(target):
        return _parameters(source, target)
    return None


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the links to every 2xx response of the schema (in place; returned for chaining)."""
    operations = [
        _Operation(path, method, spec)
        for path, item in schema.get("paths", {}).items()
        for method, spec in item.items()
        if method in METHODS and isinstance(spec, dict)
    ]
    for source in operations:
        for status, response in source.spec.get("responses", {}).items():
            if not str(status).startswith("2") or not isinstance(response, dict):
                continue
            links = {}
            for target in operations:
                parameters = _follows(source, str(status), target)
                if parameters is not None and target.operation_id is not None:
                    links[target.operation_id] = {
                        "operationId": target.operation_id,
                        "parameters": parameters,
                    }
            if links:
                response["links"] = links
    return schema
