"""RFC 9457 problem+json answers for every failure: clear, field-named, never a stack trace."""

from __future__ import annotations

from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shared.errors import DomainError, Refusal
from shared.logging import get_logger

PROBLEM_JSON = "application/problem+json"
log = get_logger(__name__)

_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class Problem(Exception):
    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code: str | None = None,
        title: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.code = code or _TITLES.get(status, "error").lower().replace(" ", "-")
        self.title = title or _TITLES.get(status, "Error")
        self.errors = errors
        self.headers = headers


def problem_response(
    status: int,
    detail: str,
    *,
    code: str | None = None,
    title: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    code = code or _TITLES.get(status, "error").lower().replace(" ", "-")
    body: dict[str, Any] = {
        "type": f"https://vfund.org/problems/{code}",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


STATUS_OF_REFUSAL = {
    Refusal.INVALID: 422,
    Refusal.CONFLICT: 409,
    Refusal.FORBIDDEN: 403,
    Refusal.NOT_FOUND: 404,
}


def problem_of(exc: DomainError) -> Problem:
    """The one mapping of a domain refusal to an HTTP answer, for every service."""
    return Problem(
        STATUS_OF_REFUSAL[exc.refusal],
        exc.detail,
        code=exc.code.replace("_", "-"),
        errors=exc.errors,
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    # The offending input is never echoed: it may be a victim's name or story.
    out = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        out.append(
            {
                "field": ".".join(loc),
                "code": err.get("type", "invalid"),
                "message": err.get("msg", "invalid value"),
            }
        )
    return out


HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route of this path answers in full (Starlette names only the first
    route's, and FastAPI's included routers hold theirs behind their own matching)."""
    return [
        method
        for method in HTTP_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL
            for route in request.app.router.routes
        )
    ]


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
COMMON_ERRORS = (400, 401, 403, 404, 405, 409, 410, 412, 413, 415, 422, 428, 503)


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Every operation may answer these problems; say so in the OpenAPI, as problem+json."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for status in COMMON_ERRORS:
                operation["responses"][str(status)] = {
                    "description": _TITLES.get(status, "Problem"),
                    "content": {PROBLEM_JSON: {"schema": ref}},
                }
    return schema


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.detail,
            code=exc.code,
            title=exc.title,
            errors=exc.errors,
            headers=exc.headers,
        )

    @app.exception_handler(DomainError)
    async def _refused(_: Request, exc: DomainError) -> JSONResponse:
        problem = problem_of(exc)
        return problem_response(
            problem.status, problem.detail, code=problem.code, errors=problem.errors
        )

    @app.exception_handler(asyncpg.DeadlockDetectedError)
    @app.exception_handler(asyncpg.SerializationError)
    async def _concurrent(_: Request, __: Exception) -> JSONResponse:
        return problem_response(
            409, "a concurrent change won; reload and try again", code="concurrent-change"
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _field_errors(exc)
        if any(e["code"] == "json_invalid" for e in errors):
            return problem_response(
                400, "the body is not valid JSON", code="invalid-json", errors=errors
            )
        return problem_response(
            422, "the request has invalid or missing fields", code="validation-error", errors=errors
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) else _TITLES.get(exc.status_code, "")
        headers = dict(getattr(exc, "headers", None) or {})
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(request))
        return problem_response(exc.status_code, detail, headers=headers)

    @app.exception_handler(OSError)
    @app.exception_handler(asyncpg.PostgresConnectionError)
    @app.exception_handler(asyncpg.InterfaceError)
    @app.exception_handler(asyncpg.exceptions.OperatorInterventionError)
    @app.exception_handler(asyncpg.exceptions.CannotConnectNowError)
    # asyncpg's own state errors when the server vanished mid-query ("unexpected
    # connection_lost"): the request may be retried once the pool has reconnected.
    @app.exception_handler(asyncpg.exceptions.InternalClientError)
    async def _unavailable(_: Request, exc: Exception) -> JSONResponse:
        log.warning("dependency unavailable", error=type(exc).__name__)
        return problem_response(
            503,
            "a dependency is briefly unavailable; retry shortly",
            code="unavailable",
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", error=type(exc).__name__)
        return problem_response(500, "an internal error occurred; it has been logged")
