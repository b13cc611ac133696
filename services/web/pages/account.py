"""/account: the person's language, password, second factor, recovery codes and sessions.

Who may come: anyone signed in. What it asks: only the web's database."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from services.web import repository
from services.web.access import Cookies, SignedIn, StepUp, User
from services.web.commands import signin
from services.web.context import Ctx
from services.web.forms import FormErrors
from services.web.messages import ROLE_LABELS
from services.web.pages import page_router, redirect
from services.web.pages.auth import enrolment
from services.web.pages.inbox import email_choices
from shared.errors import DomainError

router = page_router()
Secret = Annotated[str, Form(max_length=1000)]


async def _page(
    request: Request, ctx: Ctx, user: User, *, errors: FormErrors | None = None, notice: str = ""
) -> Response:
    async with ctx.db.connection() as conn:
        sessions = await repository.sessions_of(conn, account_id=user.account_id)
        codes_left = await repository.recovery_codes_left(conn, account_id=user.account_id)
    choices = await email_choices(ctx, user)
    return ctx.renderer.page(
        request,
        "account/account.html",
        sessions=[
            s | {"current": s["session_hash"] == user.session.session_hash} for s in sessions
        ],
        codes_left=codes_left,
        role_labels=ROLE_LABELS,
        errors=errors or FormErrors(),
        notice=notice,
        **choices,
    )


@router.get("/account")
async def account(request: Request, ctx: Ctx, user: SignedIn, done: str = "") -> Response:
    return await _page(request, ctx, user, notice=done)


@router.post("/account/password")
async def change_password(
    request: Request,
    ctx: Ctx,
    user: SignedIn,
    current_password: Secret = "",
    password: Secret = "",
    password_confirm: Secret = "",
) -> Response:
    try:
        token = await signin.change_password(
            ctx, user.session, current=current_password, new=password, confirm=password_confirm
        )
    except DomainError as exc:
        return await _page(
            request, ctx, user, errors=FormErrors.of_domain(request.state.visitor.t, exc)
        )
    response = redirect(request, "/account?done=password")
    cookies = Cookies.of(ctx.settings.web_cookie_secure)
    cookies.set(response, cookies.session, token)
    return response


@router.post("/account/sessions/others")
async def sign_out_others(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    await signin.sign_out_others(ctx, user.session)
    return redirect(request, "/account?done=sessions")


@router.post("/account/recovery-codes")
async def new_recovery_codes(request: Request, ctx: Ctx, user: StepUp) -> Response:
    if not user.has_mfa:
        return redirect(request, "/account")
    codes = await signin.new_recovery_codes_for(ctx, user.session)
    return ctx.renderer.page(request, "auth/recovery_codes.html", codes=codes, next="/account")


@router.get("/account/enrol")
async def re_enrol_page(request: Request, ctx: Ctx, user: SignedIn) -> Response:
    """A new second factor; the old one stops working once the new one is confirmed."""
    return enrolment(ctx, request, user.account_id, user.username, "/account/enrol", FormErrors())


@router.post("/account/enrol")
async def re_enrol(
    request: Request,
    ctx: Ctx,
    user: StepUp,
    sealed: Annotated[str, Form(max_length=500)] = "",
    code: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    try:
        token, codes = await signin.enrol(
            ctx,
            user.session,
            sealed_secret=sealed,
            code=code,
            causation_id=request.state.request_id,
        )
    except DomainError as exc:
        return enrolment(
            ctx,
            request,
            user.account_id,
            user.username,
            "/account/enrol",
            FormErrors.of_domain(request.state.visitor.t, exc),
        )
    response = ctx.renderer.page(request, "auth/recovery_codes.html", codes=codes, next="/account")
    cookies = Cookies.of(ctx.settings.web_cookie_secure)
    cookies.set(response, cookies.session, token)
    return response
