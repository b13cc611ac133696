"""/admin/organisations and /admin/users: partner organisations and the people who sign in.

Who may come: an administrator (everything); an organisation's admin (`org_admin`) for its own
organisation's caseworkers only. What it asks: only the web's database."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import Response

from services.web import repository
from services.web.access import PageNotFound, StepUp, User, role_required
from services.web.commands import admin
from services.web.context import Ctx
from services.web.domain import accounts as domain
from services.web.domain.events import UserEvent
from services.web.domain.roles import ORG_ADMIN_MAY_ASSIGN, ROLES
from services.web.forms import FormErrors
from services.web.i18n import LANGUAGES
from services.web.messages import ROLE_LABELS
from services.web.pages import page_router, redirect
from shared.errors import DomainError, Refusal

router = page_router()
Admin = Annotated[User, role_required("admin")]
Manager = Annotated[User, role_required("admin", "org_admin")]
Short = Annotated[str, Form(max_length=300)]
Version = Annotated[int | None, Form()]


def _errors(request: Request, exc: DomainError) -> FormErrors:
    return FormErrors.of_domain(request.state.visitor.t, exc)


def _missing(exc: DomainError) -> None:
    if exc.refusal is Refusal.NOT_FOUND:
        raise PageNotFound from exc


# organisations


async def _organisations_page(
    request: Request,
    ctx: Ctx,
    *,
    errors: FormErrors | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    async with ctx.db.connection() as conn:
        organisations = await repository.organisations(conn)
    return ctx.renderer.page(
        request,
        "admin/organisations.html",
        organisations=organisations,
        errors=errors or FormErrors(),
        form=form or {"org_id": "", "name": "", "country": ""},
        done=request.query_params.get("done", ""),
    )


@router.get("/admin/organisations")
async def organisations(request: Request, ctx: Ctx, _: Admin) -> Response:
    return await _organisations_page(request, ctx)


@router.post("/admin/organisations")
async def register_organisation(
    request: Request,
    ctx: Ctx,
    user: Admin,
    org_id: Short = "",
    name: Short = "",
    country: Short = "",
) -> Response:
    try:
        org = await admin.register_organisation(
            ctx,
            user.actor,
            org_id=org_id,
            name=name,
            country=country,
            causation_id=request.state.request_id,
        )
    except DomainError as exc:
        form = {"org_id": org_id, "name": name, "country": country}
        return await _organisations_page(request, ctx, errors=_errors(request, exc), form=form)
    return redirect(request, f"/admin/organisations/{org.org_id}?done=registered")


async def _organisation_page(
    request: Request, ctx: Ctx, org_id: str, *, errors: FormErrors | None = None
) -> Response:
    async with ctx.db.connection() as conn:
        org = await repository.organisation(conn, org_id=org_id[:40])
        if org is None:
            raise PageNotFound
        people = await repository.accounts(conn, org_id=org.org_id)
    return ctx.renderer.page(
        request,
        "admin/organisation.html",
        org=org,
        people=people,
        errors=errors or FormErrors(),
        done=request.query_params.get("done", ""),
    )


@router.get("/admin/organisations/{org_id}")
async def organisation(request: Request, ctx: Ctx, _: Admin, org_id: str) -> Response:
    return await _organisation_page(request, ctx, org_id)


async def _change_organisation(
    request: Request,
    ctx: Ctx,
    user: User,
    org_id: str,
    version: int | None,
    change: admin.OrganisationChange,
    done: str,
) -> Response:
    try:
        await admin.change_organisation(
            ctx,
            user.actor,
            org_id=org_id[:40],
            version=version,
            change=change,
            causation_id=request.state.request_id,
        )
    except DomainError as exc:
        _missing(exc)
        return await _organisation_page(request, ctx, org_id, errors=_errors(request, exc))
    return redirect(request, f"/admin/organisations/{org_id[:40]}?done={done}")


@router.post("/admin/organisations/{org_id}")
async def update_organisation(
    request: Request,
    ctx: Ctx,
    user: Admin,
    org_id: str,
    name: Short = "",
    country: Short = "",
    version: Version = None,
) -> Response:
    change = partial(domain.update_organisation, user.actor, name=name, country=country)
    return await _change_organisation(request, ctx, user, org_id, version, change, "updated")


@router.post("/admin/organisations/{org_id}/suspend")
async def suspend_organisation(
    request: Request, ctx: Ctx, user: Admin, org_id: str, version: Version = None
) -> Response:
    change = partial(domain.suspend_organisation, user.actor)
    return await _change_organisation(request, ctx, user, org_id, version, change, "suspended")


@router.post("/admin/organisations/{org_id}/reinstate")
async def reinstate_organisation(
    request: Request, ctx: Ctx, user: Admin, org_id: str, version: Version = None
) -> Response:
    change = partial(domain.reinstate_organisation, user.actor)
    return await _change_organisation(request, ctx, user, org_id, version, change, "reinstated")


# users


def _role_options(request: Request, user: User) -> list[tuple[str, str]]:
    t = request.state.visitor.t
    allowed = ROLES if user.has("admin") else tuple(r for r in ROLES if r in ORG_ADMIN_MAY_ASSIGN)
    return [(role, t.gettext(ROLE_LABELS[role])) for role in allowed]


def _org_options(organisations: list[domain.Organisation]) -> list[tuple[str, str]]:
    return [(o.org_id, f"{o.name} ({o.org_id})") for o in organisations]


async def _users_page(
    request: Request,
    ctx: Ctx,
    user: User,
    *,
    errors: FormErrors | None = None,
    form: dict[str, object] | None = None,
    invited: tuple[str, admin.Invitation] | None = None,
) -> Response:
    async with ctx.db.connection() as conn:
        if user.has("admin"):
            people = await repository.accounts(conn)
            organisations = await repository.organisations(conn)
        else:
            people = [
                a
                for a in await repository.accounts(conn, org_id=user.org_id)
                if set(a.domain.roles) <= ORG_ADMIN_MAY_ASSIGN
            ]
            organisations = []
    return ctx.renderer.page(
        request,
        "admin/users.html",
        people=people,
        organisations=organisations,
        role_options=_role_options(request, user),
        org_options=_org_options(organisations),
        role_labels=ROLE_LABELS,
        language_options=[(code, language.name) for code, language in LANGUAGES.items()],
        errors=errors or FormErrors(),
        form=form
        or {
            "username": "",
            "display_name": "",
            "email": "",
            "language": "",
            "roles": [],
            "org_id": "",
            "donor": "",
        },
        invited=invited,
        now=ctx.clock.now(),
    )


@router.get("/admin/users")
async def users(request: Request, ctx: Ctx, user: Manager) -> Response:
    return await _users_page(request, ctx, user)


def _base_url(request: Request, ctx: Ctx) -> str:
    """Where invitation links point: the public address, else the one this request came to."""
    return ctx.settings.web_public_url or str(request.base_url)


@router.post("/admin/users")
async def invite(
    request: Request,
    ctx: Ctx,
    user: Manager,
    username: Short = "",
    display_name: Short = "",
    email: Short = "",
    roles: Annotated[list[str], Form(max_length=20)] = [],  # noqa: B006 - FastAPI's form default
    org_id: Short = "",
    donor: Short = "",
    language: Short = "",
) -> Response:
    if not user.has("admin"):
        org_id = user.org_id or ""
    try:
        account, invitation = await admin.invite(
            ctx,
            user.actor,
            username=username,
            display_name=display_name,
            email=email,
            roles=tuple(roles),
            org_id=org_id or None,
            donor=donor or None,
            # Only the languages offered; anything else: the inviter's.
            language=language if language in LANGUAGES else None,
            inviter_language=request.state.visitor.t.code,
            base_url=_base_url(request, ctx),
            causation_id=request.state.request_id,
        )
    except DomainError as exc:
        form: dict[str, object] = {
            "username": username,
            "display_name": display_name,
            "email": email,
            "language": language,
            "roles": roles,
            "org_id": org_id,
            "donor": donor,
        }
        return await _users_page(request, ctx, user, errors=_errors(request, exc), form=form)
    # The link is shown once, here, to the inviter (and e-mailed to the invitee): only its
    # hash is kept.
    return await _users_page(request, ctx, user, invited=(account.username, invitation))


async def _user_page(
    request: Request,
    ctx: Ctx,
    user: User,
    account_id: str,
    *,
    errors: FormErrors | None = None,
    invitation: admin.Invitation | None = None,
) -> Response:
    async with ctx.db.connection() as conn:
        row = await repository.account(conn, account_id=account_id[:64])
        if row is None:
            raise PageNotFound
        try:
            domain.check_manages(user.actor, row.domain)
        except DomainError as exc:
            raise PageNotFound from exc
        identities = await repository.identities_of(conn, account_id=row.domain.account_id)
        organisations = await repository.organisations(conn) if user.has("admin") else []
    return ctx.renderer.page(
        request,
        "admin/user.html",
        person=row,
        identities=identities,
        organisations=organisations,
        role_options=_role_options(request, user),
        org_options=_org_options(organisations),
        role_labels=ROLE_LABELS,
        errors=errors or FormErrors(),
        invitation=invitation,
        oidc=ctx.oidc is not None,
        locked=row.domain.locked_until is not None and row.domain.locked_until > ctx.clock.now(),
        now=ctx.clock.now(),
        done=request.query_params.get("done", ""),
    )


@router.get("/admin/users/{account_id}")
async def person(request: Request, ctx: Ctx, user: Manager, account_id: str) -> Response:
    return await _user_page(request, ctx, user, account_id)


async def _change(
    request: Request,
    ctx: Ctx,
    user: User,
    account_id: str,
    version: int | None,
    change: admin.AccountChange,
    done: str,
    org_id: str | None = None,
) -> Response:
    try:
        await admin.change_account(
            ctx,
            user.actor,
            account_id=account_id[:64],
            version=version,
            change=change,
            org_id=org_id,
            causation_id=request.state.request_id,
        )
    except DomainError as exc:
        _missing(exc)
        return await _user_page(request, ctx, user, account_id, errors=_errors(request, exc))
    return redirect(request, f"/admin/users/{account_id[:64]}?done={done}")


@router.post("/admin/users/{account_id}/roles")
async def change_roles(
    request: Request,
    ctx: Ctx,
    user: StepUp,
    account_id: str,
    roles: Annotated[list[str], Form(max_length=20)] = [],  # noqa: B006 - FastAPI's form default
    org_id: Short = "",
    donor: Short = "",
    version: Version = None,
) -> Response:
    if not user.has("admin", "org_admin"):
        raise PageNotFound
    if not user.has("admin"):
        org_id = user.org_id or ""

    def change(
        account: domain.Account, org: domain.Organisation | None
    ) -> tuple[domain.Account, UserEvent]:
        return domain.change_roles(
            user.actor,
            account,
            roles=tuple(roles),
            org_id=org_id or None,
            donor=donor or None,
            organisation=org,
        )

    return await _change(request, ctx, user, account_id, version, change, "roles", org_id or None)


@router.post("/admin/users/{account_id}/disable")
async def disable(
    request: Request, ctx: Ctx, user: Manager, account_id: str, version: Version = None
) -> Response:
    return await _change(
        request,
        ctx,
        user,
        account_id,
        version,
        lambda a, _: domain.disable(user.actor, a),
        "disabled",
    )


@router.post("/admin/users/{account_id}/enable")
async def enable(
    request: Request, ctx: Ctx, user: Manager, account_id: str, version: Version = None
) -> Response:
    return await _change(
        request,
        ctx,
        user,
        account_id,
        version,
        lambda a, _: domain.enable(user.actor, a),
        "enabled",
    )


@router.post("/admin/users/{account_id}/second-factor/reset")
async def reset_second_factor(
    request: Request, ctx: Ctx, user: Manager, account_id: str, version: Version = None
) -> Response:
    return await _change(
        request, ctx, user, account_id, version, lambda a, _: domain.reset_mfa(user.actor, a), "mfa"
    )


@router.post("/admin/users/{account_id}/unlock")
async def unlock(
    request: Request, ctx: Ctx, user: Manager, account_id: str, version: Version = None
) -> Response:
    now = ctx.clock.now()
    return await _change(
        request,
        ctx,
        user,
        account_id,
        version,
        lambda a, _: domain.unlock(user.actor, a, now=now),
        "unlocked",
    )


@router.post("/admin/users/{account_id}/invitation")
async def new_invitation(request: Request, ctx: Ctx, user: Manager, account_id: str) -> Response:
    try:
        invitation = await admin.reinvite(
            ctx,
            user.actor,
            account_id=account_id[:64],
            inviter_language=request.state.visitor.t.code,
            base_url=_base_url(request, ctx),
        )
    except DomainError as exc:
        _missing(exc)
        return await _user_page(request, ctx, user, account_id, errors=_errors(request, exc))
    return await _user_page(request, ctx, user, account_id, invitation=invitation)


@router.post("/admin/users/{account_id}/identity")
async def link_identity(
    request: Request, ctx: Ctx, user: Admin, account_id: str, oidc_subject: Short = ""
) -> Response:
    try:
        await admin.link_identity(
            ctx,
            user.actor,
            account_id=account_id[:64],
            subject=oidc_subject,
            causation_id=request.state.request_id,
        )
    except DomainError as exc:
        _missing(exc)
        return await _user_page(request, ctx, user, account_id, errors=_errors(request, exc))
    return redirect(request, f"/admin/users/{account_id[:64]}?done=identity")
