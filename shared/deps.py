"""FastAPI dependency aliases the services' routes share."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Header, Request

from shared.auth import Principal, current_principal
from shared.db import Db
from shared.problems import Problem


async def _runtime(request: Request) -> Any:  # async: no thread-pool hop per request
    rt = getattr(request.app.state, "runtime", None)
    if rt is None:
        raise Problem(503, "the service is starting")
    return rt


async def _db(request: Request) -> Db:
    rt = getattr(request.app.state, "runtime", None)
    if rt is None:
        raise Problem(503, "the service is starting")
    return rt.db  # type: ignore[no-any-return]


Runtime = Annotated[Any, Depends(_runtime)]
DbDep = Annotated[Db, Depends(_db)]
CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=100)]


def etag(version: int) -> str:
    return f'"{version}"'


def check_if_match(if_match: str | None, version: int, *, required: bool = False) -> None:
    """412 when the client's version is stale: changes never overwrite blindly."""
    if if_match is None:
        if required:
            raise Problem(
                428,
                "this change needs an If-Match header with the resource's ETag",
                code="if-match-required",
            )
        return
    candidates = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
    if "*" not in candidates and etag(version) not in candidates:
        raise Problem(
            412,
            "the resource changed since you read it; reload and try again",
            code="version-mismatch",
            headers={"ETag": etag(version)},
        )
