"""Who is at the door: the session cookie, the signed-in user, roles, CSRF and step-up.

Page routes take these as dependencies: `Visitor` (anyone), `SignedIn` (a signed-in user),
`role_required(...)` (a 403 page otherwise), `StepUp` (the second factor given in the last
five minutes, asked again otherwise). Every router made by `pages.page_router()` checks the
CSRF token of every state-changing request."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from starlette.datastructures import UploadFile

from services.web import repository
from services.web.commands import signin, token_hash
from services.web.context import Ctx, WebContext
from services.web.domain.accounts import Actor
from services.web.domain.sessions import ended, needs_touch, step_up_needed
from services.web.i18n import Translator, negotiate
from services.web.keys import Claims
from services.web.repository import SessionRow
from services.web.security import csrf_secret, csrf_valid, mask

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
STEP_UP_FIELD = "step_up"


@dataclass(frozen=True)
class Cookies:
    session: str
    pre: str
    language: str
    oidc: str
    secure: bool

    @classmethod
    def of(cls, secure: bool) -> Cookies:
        # A `__Host-` cookie must be Secure (browsers refuse it otherwise): the dev launcher on
        # loopback HTTP, the one exception of section 7, gets the same cookies without prefix.
        prefix = "__Host-" if secure else ""
        return cls(
            f"{prefix}vfund",
            f"{prefix}vfund-pre",
            f"{prefix}vfund-lang",
            f"{prefix}vfund-oidc",
            secure,
        )

    def set(self, response: Any, name: str, value: str, *, max_age: int | None = None) -> None:
        response.set_cookie(
            name,
            value,
            max_age=max_age,
            path="/",
            secure=self.secure,
            httponly=True,
            samesite="lax",
        )

    def clear(self, response: Any, name: str) -> None:
        response.delete_cookie(name, path="/", secure=self.secure, httponly=True, samesite="lax")


@dataclass(frozen=True)
class User:
    """The signed-in person, as the pages and the service clients need them."""

    account_id: str
    username: str
    display_name: str
    roles: tuple[str, ...]
    org_id: str | None
    donor: str | None
    language: str | None
    has_mfa: bool
    session: SessionRow

    @property
    def claims(self) -> Claims:
        return Claims(self.account_id, self.display_name, self.roles, self.org_id, self.donor)

    @property
    def actor(self) -> Actor:
        return Actor(self.account_id, frozenset(self.roles), self.org_id)

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)


@dataclass
class Visitor:
    """Whoever made the request: signed in (`user`), half-way (`pending`), or nobody yet."""

    t: Translator
    csrf_seed: str
    user: User | None = None
    pending: SessionRow | None = None
    ended: str | None = None
    # Cookies to set on the answer (a first visit's CSRF seed).
    set_cookies: dict[str, str] = field(default_factory=dict)

    def csrf_token(self, key: bytes) -> str:
        return mask(csrf_secret(key, self.csrf_seed))


class SignInRequired(Exception):
    pass


class PageForbidden(Exception):
    pass


class PageNotFound(Exception):
    pass


class CsrfRefused(Exception):
    pass


class StepUpRequired(Exception):
    def __init__(self, action: str, fields: list[tuple[str, str]], failed: bool) -> None:
        super().__init__("step-up required")
        self.action = action
        self.fields = fields
        self.failed = failed


def _user(row: SessionRow) -> User:
    account = row.account.domain
    return User(
        account_id=account.account_id,
        username=account.username,
        display_name=account.display_name,
        roles=account.roles,
        org_id=account.org_id,
        donor=account.donor,
        language=row.account.language,
        has_mfa=account.has_mfa,
        session=row,
    )


async def _session(
    ctx: WebContext, token: str | None, now: datetime
) -> tuple[SessionRow | None, str | None]:
    if not token or len(token) > 100:
        return None, None
    hashed = token_hash(token)
    async with ctx.db.connection() as conn:
        row = await repository.session(conn, session_hash=hashed)
        if row is None:
            return None, None
        account = row.account
        why = ended(
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            stage=row.stage,
            now=now,
            policy=ctx.sessions,
        )
        usable = account.domain.status != "disabled" and account.org_status != "suspended"
        if why is not None or not usable:
            await repository.end_session(conn, session_hash=hashed)
            return None, why or "ended"
        if needs_touch(row.last_seen_at, now, ctx.sessions):
            await repository.touch_session(conn, session_hash=hashed, now=now)
    return row, None


async def load_visitor(request: Request, ctx: WebContext) -> Visitor:
    """Once per request (kept on request.state): the error pages use it too."""
    found = getattr(request.state, "visitor", None)
    if isinstance(found, Visitor):
        return found
    cookies = Cookies.of(ctx.settings.web_cookie_secure)
    token = request.cookies.get(cookies.session)
    row, why = await _session(ctx, token, ctx.clock.now())
    user = _user(row) if row is not None and row.stage == "active" else None
    language = user.language if user else None
    t = ctx.i18n.choose(
        language,
        request.cookies.get(cookies.language),
        negotiate(request.headers.get("accept-language")),
    )
    set_cookies: dict[str, str] = {}
    if row is not None:
        seed = "s:" + (token or "")
    else:
        pre = request.cookies.get(cookies.pre)
        if not pre or len(pre) > 100:
            pre = secrets.token_urlsafe(24)
            set_cookies[cookies.pre] = pre
        seed = "a:" + pre
    visitor = Visitor(
        t=t,
        csrf_seed=seed,
        user=user,
        pending=row if row is not None and row.stage != "active" else None,
        ended=why,
        set_cookies=set_cookies,
    )
    request.state.visitor = visitor
    return visitor


async def visitor(request: Request, ctx: Ctx) -> Visitor:
    return await load_visitor(request, ctx)


VisitorDep = Annotated[Visitor, Depends(visitor)]


async def signed_in(visitor: VisitorDep) -> User:
    if visitor.user is None:
        raise SignInRequired
    return visitor.user


SignedIn = Annotated[User, Depends(signed_in)]


def role_required(*roles: str) -> Any:
    """A dependency: the signed-in user holds one of these roles, else the 403 page."""

    async def dependency(user: SignedIn) -> User:
        if not user.has(*roles):
            raise PageForbidden
        return user

    return Depends(dependency)


async def csrf_protect(request: Request, ctx: Ctx, visitor: VisitorDep) -> None:
    """Every state-changing request carries the page's token (form field or htmx header), and
    comes from a page of this site."""
    if request.method in SAFE_METHODS:
        return
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        raise CsrfRefused
    token = request.headers.get(CSRF_HEADER)
    if token is None:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
    if not csrf_valid(ctx.keys.csrf, visitor.csrf_seed, token):
        raise CsrfRefused


async def stepped_up(request: Request, ctx: Ctx, user: SignedIn) -> User:
    """For a sensitive action: the second factor (or the password where there is none) given
    within five minutes, else asked again on a page that re-sends the same form."""
    if not step_up_needed(user.session.verified_at, ctx.clock.now(), ctx.sessions):
        return user
    form = await request.form()
    proof = form.get(STEP_UP_FIELD)
    if isinstance(proof, str) and proof and await signin.step_up(ctx, user.session, proof=proof):
        return user
    kept = [
        (k, v)
        for k, v in form.multi_items()
        if k not in (CSRF_FIELD, STEP_UP_FIELD) and not isinstance(v, UploadFile)
    ]
    raise StepUpRequired(request.url.path, kept, failed=bool(proof))


StepUp = Annotated[User, Depends(stepped_up)]
