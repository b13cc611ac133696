"""The pages, one module per area (`pages/<area>.py`, each with a `router`).

Every module of this package that has a `router` is served (the composition root lists
`pages.routers()`): a new area is a new module, with no shared list to edit."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute

from services.web.access import Cookies, Visitor, csrf_protect
from services.web.domain.navigation import entries_for
from services.web.forms import FormErrors
from services.web.i18n import LANGUAGES
from shared.deps import context_of


def page_router() -> APIRouter:
    """A router whose every state-changing route checks the CSRF token."""
    return APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


@cache
def _modules() -> tuple[Any, ...]:
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if isinstance(getattr(module, "router", None), APIRouter):
            found.append(module)
    return tuple(found)


def routers() -> list[APIRouter]:
    return [module.router for module in _modules()]


def served_paths() -> frozenset[str]:
    return frozenset(
        route.path for router in routers() for route in router.routes if isinstance(route, APIRoute)
    )


def layout(request: Request) -> dict[str, Any]:
    """What base.html needs on every page: the visitor, their navigation and their language."""
    from services.web.context import WebContext

    ctx: WebContext = request.app.state.context
    visitor: Visitor = request.state.visitor
    user = visitor.user
    return {
        "t": visitor.t,
        "user": user,
        "nav": entries_for(user.roles, ctx.served) if user else [],
        "path": request.url.path,
        "csrf_token": visitor.csrf_token(ctx.keys.csrf),
        "errors": FormErrors(),
        # Unread notifications, counted with the session (section 10: on every page).
        "inbox_count": user.session.unread if user else None,
        "served": ctx.served,
        "language_options": [(code, lang.name) for code, lang in LANGUAGES.items()],
        "asset": ctx.assets.url,
    }


def finish(request: Request, response: Response) -> Response:
    """Cookies the visitor needs (a first visit's CSRF seed) on the way out."""
    from services.web.context import WebContext

    visitor = getattr(request.state, "visitor", None)
    if isinstance(visitor, Visitor) and visitor.set_cookies:
        ctx: WebContext = request.app.state.context
        cookies = Cookies.of(ctx.settings.web_cookie_secure)
        for name, value in visitor.set_cookies.items():
            cookies.set(response, name, value)
    return response


def local(target: str | None, default: str = "/") -> str:
    """A redirect target on this site only (never another host: no open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target:
        return default
    return target


def redirect(request: Request, target: str) -> Response:
    """303 to another page; htmx follows HX-Redirect instead."""
    if request.headers.get("HX-Request"):
        return finish(request, Response(status_code=204, headers={"HX-Redirect": target}))
    return finish(request, RedirectResponse(target, status_code=303))


__all__ = ["context_of", "finish", "layout", "local", "page_router", "redirect", "routers"]
