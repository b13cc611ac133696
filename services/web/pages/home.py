"""/: the signed-in person's home — what needs them now, by role, from the services' APIs."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from services.web import views
from services.web.access import SignedIn
from services.web.context import Ctx
from services.web.messages import CASE_STATUSES, URGENCIES
from services.web.pages import page_router

router = page_router()


@router.get("/")
async def home(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    sections = await views.home(ctx, user)
    return ctx.renderer.page(
        request,
        "home/home.html",
        sections=sections,
        statuses=CASE_STATUSES,
        urgencies=URGENCIES,
    )
