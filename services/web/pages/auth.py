"""Signing in and out: password, second factor, enrolment, invitations, language, SSO.

Who may come: anyone (these pages are the door). What they ask: only the web's database."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

import httpx
from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from services.web.access import Cookies, PageNotFound, VisitorDep
from services.web.clients import ServiceUnavailable
from services.web.commands import signin
from services.web.context import Ctx
from services.web.credentials import new_totp_secret, provisioning_uri
from services.web.forms import FormErrors
from services.web.i18n import LANGUAGES
from services.web.oidc import SignOnFailed
from services.web.pages import finish, local, page_router, redirect
from shared.errors import DomainError

router = page_router()
Text = Annotated[str, Form(max_length=1000)]
Next = Annotated[str, Form(max_length=2000)]


def _cookies(ctx: Ctx) -> Cookies:
    return Cookies.of(ctx.settings.web_cookie_secure)


def _entered(ctx: Ctx, request: Request, token: str, stage: str, next_page: str) -> Response:
    """A new session cookie, and the page its stage leads to."""
    target = {
        "second_factor": "/sign-in/code?next=" + quote(next_page),
        "enrol": "/enrol",
    }.get(stage, next_page)
    response = redirect(request, target)
    _cookies(ctx).set(response, _cookies(ctx).session, token)
    return response


@router.get("/sign-in")
async def sign_in_page(
    request: Request,
    ctx: Ctx,
    visitor: VisitorDep,
    next: str = "/",
    out: str = "",
    ended: str = "",
) -> Response:
    if visitor.user is not None:
        return redirect(request, local(next))
    if visitor.pending is not None and visitor.pending.stage == "second_factor":
        return redirect(request, "/sign-in/code?next=" + quote(local(next)))
    if visitor.pending is not None and visitor.pending.stage == "enrol":
        return redirect(request, "/enrol")
    return ctx.renderer.page(
        request,
        "auth/sign_in.html",
        next=local(next),
        username="",
        refused=None,
        wait="",
        ended=visitor.ended is not None or ended == "1",
        signed_out=out == "1",
        oidc=ctx.oidc is not None,
    )


@router.post("/sign-in")
async def sign_in(
    request: Request,
    ctx: Ctx,
    visitor: VisitorDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Next = "/",
) -> Response:
    entry = await signin.sign_in(
        ctx, username=username, password=password, causation_id=request.state.request_id
    )
    if entry.token is None or entry.stage is None:
        return ctx.renderer.page(
            request,
            "auth/sign_in.html",
            next=local(next),
            username=username,
            refused=entry.refused,
            wait=visitor.t.duration(entry.wait.total_seconds()),
            ended=False,
            signed_out=False,
            oidc=ctx.oidc is not None,
        )
    return _entered(ctx, request, entry.token, entry.stage, local(next))


@router.get("/sign-in/code")
async def code_page(request: Request, ctx: Ctx, visitor: VisitorDep, next: str = "/") -> Response:
    if visitor.pending is None or visitor.pending.stage != "second_factor":
        return redirect(request, "/sign-in")
    return ctx.renderer.page(request, "auth/code.html", next=local(next), refused=None, wait="")


@router.post("/sign-in/code")
async def code(
    request: Request,
    ctx: Ctx,
    visitor: VisitorDep,
    code: Annotated[str, Form(max_length=100)] = "",
    next: Next = "/",
) -> Response:
    if visitor.pending is None or visitor.pending.stage != "second_factor":
        return redirect(request, "/sign-in")
    entry = await signin.second_factor(
        ctx, visitor.pending, code=code, causation_id=request.state.request_id
    )
    if entry.token is None:
        return ctx.renderer.page(
            request,
            "auth/code.html",
            next=local(next),
            refused=entry.refused,
            wait=visitor.t.duration(entry.wait.total_seconds()),
        )
    return _entered(ctx, request, entry.token, "active", local(next))


def enrolment(
    ctx: Ctx, request: Request, account_id: str, username: str, action: str, errors: FormErrors
) -> Response:
    """A fresh secret, as text and as an otpauth:// link, sealed into the form."""
    secret = new_totp_secret()
    return ctx.renderer.page(
        request,
        "auth/enrol.html",
        secret=" ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        uri=provisioning_uri(secret, username=username),
        sealed=ctx.sealer.seal(secret, account_id=account_id),
        action=action,
        errors=errors,
    )


@router.get("/enrol")
async def enrol_page(request: Request, ctx: Ctx, visitor: VisitorDep) -> Response:
    """Where a person without a second factor goes (the only page they reach when required)."""
    session = visitor.pending
    if session is None or session.stage != "enrol":
        return redirect(request, "/account" if visitor.user else "/sign-in")
    account = session.account.domain
    return enrolment(ctx, request, account.account_id, account.username, "/enrol", FormErrors())


@router.post("/enrol")
async def enrol(
    request: Request,
    ctx: Ctx,
    visitor: VisitorDep,
    sealed: Annotated[str, Form(max_length=500)] = "",
    code: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    session = visitor.pending
    if session is None or session.stage != "enrol":
        return redirect(request, "/sign-in")
    try:
        token, codes = await signin.enrol(
            ctx, session, sealed_secret=sealed, code=code, causation_id=request.state.request_id
        )
    except DomainError as exc:
        account = session.account.domain
        return enrolment(
            ctx,
            request,
            account.account_id,
            account.username,
            "/enrol",
            FormErrors.of_domain(visitor.t, exc),
        )
    response = ctx.renderer.page(request, "auth/recovery_codes.html", codes=codes, next="/")
    _cookies(ctx).set(response, _cookies(ctx).session, token)
    return response


@router.post("/sign-out")
async def sign_out(request: Request, ctx: Ctx, visitor: VisitorDep) -> Response:
    session = visitor.user.session if visitor.user else visitor.pending
    if session is not None:
        await signin.sign_out(ctx, session_hash=session.session_hash)
    response = redirect(request, "/sign-in?out=1")
    _cookies(ctx).clear(response, _cookies(ctx).session)
    return response


@router.get("/invitation/{token}")
async def invitation_page(request: Request, ctx: Ctx, token: str) -> Response:
    found = await signin.invitation(ctx, token=token[:100])
    return ctx.renderer.page(
        request,
        "auth/invitation.html",
        state=found.state if found else "unknown",
        username=found.account.domain.username if found else "",
        action=f"/invitation/{quote(token[:100])}",
    )


@router.post("/invitation/{token}")
async def accept_invitation(
    request: Request,
    ctx: Ctx,
    visitor: VisitorDep,
    token: str,
    password: Text = "",
    password_confirm: Text = "",
) -> Response:
    try:
        entry = await signin.accept_invitation(
            ctx,
            token=token[:100],
            password=password,
            confirm=password_confirm,
            causation_id=request.state.request_id,
        )
    except DomainError as exc:
        found = await signin.invitation(ctx, token=token[:100])
        return ctx.renderer.page(
            request,
            "auth/invitation.html",
            state=found.state if found else "unknown",
            username=found.account.domain.username if found else "",
            action=f"/invitation/{quote(token[:100])}",
            errors=FormErrors.of_domain(visitor.t, exc),
        )
    assert entry.token is not None and entry.stage is not None
    return _entered(ctx, request, entry.token, entry.stage, "/")


@router.post("/language")
async def language(
    request: Request,
    ctx: Ctx,
    visitor: VisitorDep,
    language: Annotated[str, Form(max_length=10)] = "en",
    next: Next = "/",
) -> Response:
    if language not in LANGUAGES:
        language = "en"
    if visitor.user is not None:
        await signin.set_language(ctx, account_id=visitor.user.account_id, language=language)
    response = redirect(request, local(next))
    cookies = _cookies(ctx)
    cookies.set(response, cookies.language, language, max_age=365 * 24 * 3600)
    return finish(request, response)


def _callback(request: Request, ctx: Ctx) -> str:
    base = ctx.settings.web_public_url or str(request.base_url)
    return base.rstrip("/") + "/sign-in/oidc/callback"


@router.get("/sign-in/oidc")
async def single_sign_on(request: Request, ctx: Ctx, next: str = "/") -> Response:
    if ctx.oidc is None:
        raise PageNotFound
    try:
        url, cookie = await ctx.oidc.begin(
            redirect_uri=_callback(request, ctx), next_page=local(next)
        )
    except (httpx.HTTPError, SignOnFailed) as exc:
        raise ServiceUnavailable("single sign-on") from exc
    response = finish(request, RedirectResponse(url, status_code=303))
    cookies = _cookies(ctx)
    cookies.set(response, cookies.oidc, cookie, max_age=600)
    return response


@router.get("/sign-in/oidc/callback")
async def single_sign_on_callback(
    request: Request, ctx: Ctx, code: str = "", state: str = ""
) -> Response:
    if ctx.oidc is None:
        raise PageNotFound
    cookies = _cookies(ctx)
    remembered = request.cookies.get(cookies.oidc)
    entry = signin.Entry(refused="wrong")
    try:
        identity = await ctx.oidc.finish(
            cookie=remembered,
            state=state[:200],
            code=code[:2000],
            redirect_uri=_callback(request, ctx),
        )
        entry = await signin.sign_in_oidc(
            ctx,
            issuer=identity.issuer,
            subject=identity.subject,
            mfa=identity.mfa,
            causation_id=request.state.request_id,
        )
    except (httpx.HTTPError, SignOnFailed):
        entry = signin.Entry(refused="wrong")
    response: Response
    if entry.token is None:
        response = ctx.renderer.page(
            request,
            "auth/sign_in.html",
            next="/",
            username="",
            refused="oidc",
            wait="",
            ended=False,
            signed_out=False,
            oidc=True,
        )
    else:
        response = _entered(
            ctx, request, entry.token, "active", local(ctx.oidc.next_page(remembered))
        )
    cookies.clear(response, cookies.oidc)
    return response
