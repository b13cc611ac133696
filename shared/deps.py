"""FastAPI dependency aliases the services' routes share."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Request

from shared.db import Db
from shared.problems import Problem

C = TypeVar("C")


def context_of(kind: type[C]) -> Callable[[Request], Awaitable[C]]:
    """A dependency that hands a route its service's typed context (built at startup)."""

    async def context(request: Request) -> C:  # async: no thread-pool hop per request
        found = getattr(request.app.state, "context", None)
        if not isinstance(found, kind):
            raise Problem(503, "the service is starting")
        return found

    return context


async def _db(request: Request) -> Db:
    db = getattr(request.app.state, "db", None)
    if not isinstance(db, Db):
        raise Problem(503, "the service is starting")
    return db


DbDep = Annotated[Db, Depends(_db)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=100)]


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(if_match: str | None, version: int, *, required: bool = False) -> None:
    """412 when the client's version is stale: changes never overwrite blindly.

    `required`: the change confirms or approves what a person reviewed, so it must name that
    version: 428 without If-Match, and with `*` too (it matches any version, so it names none)."""
    candidates = {tag.strip().removeprefix("W/") for tag in (if_match or "").split(",")}
    if if_match is None or (required and "*" in candidates):
        if required:
            raise Problem(
                428,
                "confirm what you reviewed: send If-Match with the ETag of the version you saw",
                code="if-match-required",
            )
        return
    if "*" not in candidates and etag(version) not in candidates:
        raise Problem(
            412,
            "the resource changed since you read it; reload and try again",
            code="version-mismatch",
            headers={"ETag": etag(version)},
        )
