"""Jinja2 pages: autoescaped, every string through gettext, every figure through Babel."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from jinja2_fragments import render_block
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from services.web.i18n import CURRENT, LANGUAGES, Translator

TEMPLATES = Path(__file__).parent / "templates"
NO_STORE = {"Cache-Control": "no-store"}


def _t() -> Translator:
    return CURRENT.get()


def environment(folder: Path = TEMPLATES) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        lambda message: _t().gettext(message),
        lambda singular, plural, n: _t().ngettext(singular, plural, n),
        newstyle=True,
    )
    env.filters.update(
        date=lambda v: _t().date(v),
        datetime=lambda v: _t().datetime(v),
        number=lambda v: _t().number(v),
        money=lambda v, currency: _t().money(v, currency),
        country=lambda v: _t().country(v),
        duration=lambda v: _t().duration(v),
    )
    env.globals["languages"] = LANGUAGES
    return env


class Renderer:
    """Renders a page, or one block of it for htmx, in the visitor's language."""

    def __init__(
        self,
        env: jinja2.Environment,
        layout: Callable[[Request], dict[str, Any]],
        finish: Callable[[Request, Response], Response],
    ) -> None:
        self.env = env
        # What every page's layout needs (the visitor, navigation, CSRF token, language).
        self.layout = layout
        # What every answer needs on its way out (cookies).
        self.finish = finish

    def html(self, request: Request, template: str, **values: Any) -> str:
        variables = self.layout(request) | values
        token = CURRENT.set(variables["t"])
        try:
            if request.headers.get("HX-Request") and "block" in values:
                return render_block(self.env, template, values["block"], **variables)
            return self.env.get_template(template).render(**variables)
        finally:
            CURRENT.reset(token)

    def page(
        self,
        request: Request,
        template: str,
        *,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
        **values: Any,
    ) -> HTMLResponse:
        response = HTMLResponse(
            self.html(request, template, **values),
            status_code=status_code,
            headers=NO_STORE | (headers or {}),
        )
        self.finish(request, response)
        return response
