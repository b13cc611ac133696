"""What every disbursement route shares: finance only, domain refusals as problem+json."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Request, Response
from fastapi.routing import APIRoute

from services.disbursement.budget import Missing
from services.disbursement.domain import DomainError
from services.disbursement.wire import Story, cloud_events
from shared import outbox
from shared.auth import Principal, require
from shared.db import Connection
from shared.problems import Problem

SERVICE = "disbursement"
Finance = Annotated[Principal, Depends(require("finance"))]
ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"description": "problem+json"} for s in (400, 401, 403, 404, 409, 412, 422)
}


class DomainRoute(APIRoute):
    """Maps the domain's refusals: Conflict → 409, Invalid → 422, each with its `code`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except DomainError as exc:
                status = 422 if exc.kind == "invalid" else 409
                raise Problem(status, exc.detail, code=exc.code) from exc
            except Missing as exc:
                raise Problem(404, f"{exc} does not exist", code="not-found") from exc
            except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError) as exc:
                raise Problem(409, "a concurrent change won; reload and try again",
                              code="concurrent-change") from exc

        return handler


def story(request: Request, principal: Principal, reason: str | None = None) -> Story:
    return Story(actor=principal.sub, causation_id=request.state.request_id,
                 correlation_id=request.state.correlation_id, reason=reason)


async def publish(tx: Connection, events: Sequence[Any], told: Story) -> None:
    await outbox.add(tx, cloud_events(events, told), service=SERVICE)


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()


def new_router(tag: str) -> APIRouter:
    return APIRouter(tags=[tag], route_class=DomainRoute, responses=ERRORS)
