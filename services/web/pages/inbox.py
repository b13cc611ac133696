"""/inbox: what was announced to the signed-in person, unread first, each linking to its page;
marking read (htmx: the entry and the count change in place). The e-mail choices of /account.

Who may come: anyone signed in. What it asks: only the web's database (section 10)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import Response

from services.web.access import PageNotFound, SignedIn, User
from services.web.commands import notify
from services.web.context import Ctx, WebContext
from services.web.domain.notifications import kinds_for
from services.web.pages import page_router, redirect
from services.web.repository import notifications as repository

router = page_router()
SHOWN = 100


@router.get("/inbox")
async def inbox(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    async with ctx.db.connection() as conn:
        entries = await repository.inbox(conn, account_id=user.account_id, limit=SHOWN)
        unread, total = await repository.counts(conn, account_id=user.account_id)
    return ctx.renderer.page(
        request,
        "inbox/inbox.html",
        entries=entries,
        unread=unread,
        total=total,
        inbox_count=unread,
    )


@router.post("/inbox/read-all")
async def read_all(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    await notify.mark_all_read(ctx, account_id=user.account_id)
    return redirect(request, "/inbox")


@router.post("/inbox/{notification_id}/read")
async def read(request: Request, ctx: Ctx, user: SignedIn, notification_id: str) -> Response:
    return await _mark(request, ctx, user, notification_id, read=True)


@router.post("/inbox/{notification_id}/unread")
async def unread(request: Request, ctx: Ctx, user: SignedIn, notification_id: str) -> Response:
    return await _mark(request, ctx, user, notification_id, read=False)


async def _mark(
    request: Request, ctx: Ctx, user: User, notification_id: str, *, read: bool
) -> Response:
    """Another person's notification, or none: the 404 page (not theirs to know of)."""
    if not await notify.mark(
        ctx, account_id=user.account_id, notification_id=notification_id, read=read
    ):
        raise PageNotFound
    if not request.headers.get("HX-Request"):
        return redirect(request, "/inbox")
    async with ctx.db.connection() as conn:
        entry = await repository.entry(
            conn, account_id=user.account_id, notification_id=uuid.UUID(notification_id)
        )
        unread_count, _ = await repository.counts(conn, account_id=user.account_id)
    if entry is None:
        raise PageNotFound
    return ctx.renderer.page(request, "inbox/entry.html", n=entry, oob_count=unread_count)


@router.post("/account/notifications")
async def choose_email(
    request: Request,
    ctx: Ctx,
    user: SignedIn,
    email: Annotated[list[str] | None, Form()] = None,
) -> Response:
    await notify.choose_email(ctx, account_id=user.account_id, roles=user.roles, wanted=email or [])
    return redirect(request, "/account?done=notifications#notifications")


async def email_choices(ctx: WebContext, user: User) -> dict[str, Any]:
    """What /account shows of the person's e-mail choices (templates/inbox/preferences.html)."""
    kinds = kinds_for(user.roles)
    async with ctx.db.connection() as conn:
        off = await repository.email_off(conn, account_id=user.account_id)
    return {"email_kinds": kinds, "email_on": [k for k in kinds if k not in off]}
