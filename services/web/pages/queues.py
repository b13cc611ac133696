"""/queue/medical, /queue/legal, /queue/decision: the cases waiting for an assessor or a fund
manager, most urgent and oldest first (the assessment service's order), with their deadlines,
the time left, their flags, and filters by urgency and country.

Who may come: the matching role (medical_assessor, legal_assessor, fund_manager). What it asks:
one page of the assessment service's `GET /queue`."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import Response

from services.web.access import PageForbidden, User, role_required
from services.web.clients import ServiceRefusal
from services.web.clients.assessment import QueueKind, QueuePage
from services.web.context import Ctx
from services.web.domain.navigation import N_
from services.web.forms import FormErrors, message
from services.web.messages import register
from services.web.pages import page_router

router = page_router()
ROLE_OF: dict[QueueKind, str] = {
    "medical": "medical_assessor",
    "legal": "legal_assessor",
    "decision": "fund_manager",
}
TITLES: dict[QueueKind, str] = {
    "medical": N_("Medical assessments"),
    "legal": N_("Legal assessments"),
    "decision": N_("Decisions"),
}
register({"invalid-cursor": N_("This page of the queue is no longer valid. Start from the first.")})
Worker = Annotated[User, role_required(*ROLE_OF.values())]
Filter = Annotated[str, Query(max_length=300)]
_COUNTRY = re.compile(r"^[A-Z]{2}$")


async def _queue(
    request: Request, ctx: Ctx, user: User, kind: QueueKind, urgency: str, country: str, cursor: str
) -> Response:
    if not user.has(ROLE_OF[kind]):
        raise PageForbidden
    t = request.state.visitor.t
    filters = {"urgency": urgency.strip(), "country": country.strip().upper()}
    errors = FormErrors()
    if filters["urgency"] not in ("", "emergency", "standard"):
        errors.add("urgency", t.gettext("Choose one of the options."))
    if filters["country"] and not _COUNTRY.match(filters["country"]):
        errors.add("country", t.gettext("Enter a two-letter country code, like LB."))
    page = QueuePage([], None)
    if not errors:
        try:
            page = await ctx.clients.assessment.queue_page(
                user.claims,
                kind,
                urgency=filters["urgency"] or None,
                country=filters["country"] or None,
                cursor=cursor[:300] or None,
            )
        except ServiceRefusal as exc:
            if exc.status != 422:
                raise
            errors = FormErrors.of_refusal(t, exc)
            if errors.fields.pop("cursor", None) is not None:  # a page link gone stale
                errors.add(None, message(t, "invalid-cursor"))
    return ctx.renderer.page(
        request,
        "queues/queue.html",
        kind=kind,
        title=TITLES[kind],
        lines=page.lines,
        next_cursor=page.next_cursor,
        filters=filters,
        first_page=not cursor,
        errors=errors,
    )


@router.get("/queue/medical")
async def medical_queue(
    request: Request,
    ctx: Ctx,
    user: Worker,
    urgency: Filter = "",
    country: Filter = "",
    cursor: Filter = "",
) -> Response:
    return await _queue(request, ctx, user, "medical", urgency, country, cursor)


@router.get("/queue/legal")
async def legal_queue(
    request: Request,
    ctx: Ctx,
    user: Worker,
    urgency: Filter = "",
    country: Filter = "",
    cursor: Filter = "",
) -> Response:
    return await _queue(request, ctx, user, "legal", urgency, country, cursor)


@router.get("/queue/decision")
async def decision_queue(
    request: Request,
    ctx: Ctx,
    user: Worker,
    urgency: Filter = "",
    country: Filter = "",
    cursor: Filter = "",
) -> Response:
    return await _queue(request, ctx, user, "decision", urgency, country, cursor)
