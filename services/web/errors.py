"""The web's own answers to failures: pages in the person's language, never a stack trace.

The JSON problems of shared/ still answer the operations routes (/health, /metrics, ...)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from services.web.access import (
    CsrfRefused,
    PageForbidden,
    PageNotFound,
    SignInRequired,
    StepUpRequired,
    load_visitor,
)
from services.web.clients import ServiceRefusal, ServiceUnavailable
from services.web.context import WebContext
from services.web.domain.navigation import N_
from services.web.forms import FormErrors, message
from services.web.pages import redirect
from services.web.security import HEADERS
from shared import problems
from shared.logging import get_logger

log = get_logger(__name__)
OPERATIONS = ("/health/", "/metrics", "/asyncapi.json", "/openapi.json", "/docs", "/redoc")

PAGES: dict[int, tuple[str, str]] = {
    400: (N_("The request was not understood"), N_("Go back and try again.")),
    403: (N_("You may not open this page"), N_("Your role does not give access to this page.")),
    404: (N_("Page not found"), N_("This page does not exist, or it is not yours to see.")),
    405: (N_("Page not found"), N_("This page does not exist, or it is not yours to see.")),
    409: (N_("This cannot be done now"), N_("This cannot be done in the current state.")),
    412: (
        N_("Someone changed this meanwhile"),
        N_("Go back, reload the page and check what changed before you try again."),
    ),
    413: (N_("What you sent is too large"), N_("Send something smaller.")),
    422: (N_("Some fields need your attention"), N_("Go back and check what you entered.")),
    500: (N_("Sorry, something went wrong"), N_("It has been logged. Try again in a moment.")),
    503: (
        N_("A service is not available"),
        N_("Part of vfund is not answering just now. Try again in a moment."),
    ),
}
CSRF_PAGE = (
    N_("This form has expired"),
    N_("Go back, reload the page and send the form again."),
)


def _operations(request: Request) -> bool:
    return request.url.path.startswith(OPERATIONS)


async def error_page(
    request: Request, status: int, *, texts: tuple[str, str] | None = None, detail: str = ""
) -> Response:
    """The error page in the visitor's language (their session read once more if need be)."""
    ctx: WebContext = request.app.state.context
    visitor = await load_visitor(request, ctx)
    heading, explanation = texts or PAGES.get(status, PAGES[500])
    t = visitor.t
    return ctx.renderer.page(
        request,
        "errors/error.html",
        status_code=status,
        heading=t.gettext(heading),
        explanation=detail or t.gettext(explanation),
    )


def install(app: FastAPI) -> None:
    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if _operations(request):
            return problems.problem_response(exc.status_code, str(exc.detail))
        return await error_page(request, exc.status_code)

    async def validation(request: Request, _: Exception) -> Response:
        if _operations(request):
            return problems.problem_response(422, "the request has invalid or missing fields")
        return await error_page(request, 400)

    async def sign_in_first(request: Request, _: Exception) -> Response:
        visitor = getattr(request.state, "visitor", None)
        query = ["next=" + quote(request.url.path)] if request.method == "GET" else []
        if visitor is not None and visitor.ended:
            query.append("ended=1")
        return redirect(request, "/sign-in" + ("?" + "&".join(query) if query else ""))

    async def forbidden(request: Request, _: Exception) -> Response:
        return await error_page(request, 403)

    async def not_found(request: Request, _: Exception) -> Response:
        return await error_page(request, 404)

    async def csrf(request: Request, _: Exception) -> Response:
        return await error_page(request, 403, texts=CSRF_PAGE)

    async def step_up(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StepUpRequired)
        ctx: WebContext = request.app.state.context
        visitor = await load_visitor(request, ctx)
        errors = FormErrors()
        if exc.failed:
            errors.add(
                "step_up",
                message(
                    visitor.t,
                    "code-wrong" if visitor.user and visitor.user.has_mfa else "password-wrong",
                ),
            )
        return ctx.renderer.page(
            request, "auth/step_up.html", action=exc.action, fields=exc.fields, errors=errors
        )

    async def unavailable(request: Request, exc: Exception) -> Response:
        log.warning("a service is unavailable", error=type(exc).__name__)
        if _operations(request):
            return problems.problem_response(503, "a dependency is briefly unavailable")
        return await error_page(request, 503)

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceRefusal)
        if exc.status == 401:
            log.error("a service refused the web's token", service=exc.service)
            return await error_page(request, 503)
        status = exc.status if exc.status in PAGES else 409
        visitor = await load_visitor(request, request.app.state.context)
        return await error_page(request, status, detail=message(visitor.t, exc.code, exc.status))

    async def unexpected(request: Request, exc: Exception) -> Response:
        log.error("unhandled error", error=type(exc).__name__)
        if _operations(request):
            response: Response = problems.problem_response(500, "an internal error occurred")
        else:
            try:
                response = await error_page(request, 500)
            except Exception:
                response = Response("vfund: an internal error occurred.", status_code=500)
        # Answers to unexpected errors leave outside the middleware: the headers go on here.
        response.headers.update({k.decode(): v.decode() for k, v in HEADERS})
        return response

    handlers: dict[Any, Any] = {
        StarletteHTTPException: http_error,
        RequestValidationError: validation,
        SignInRequired: sign_in_first,
        PageForbidden: forbidden,
        PageNotFound: not_found,
        CsrfRefused: csrf,
        StepUpRequired: step_up,
        ServiceUnavailable: unavailable,
        ServiceRefusal: refused,
        OSError: unavailable,
        Exception: unexpected,
    }
    for kind, handler in handlers.items():
        app.add_exception_handler(kind, handler)
