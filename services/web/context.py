"""What every web route receives: settings, pool, clock, keys, the service clients, the pages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends

from services.web.assets import Assets
from services.web.clients import Clients
from services.web.credentials import Passwords, Sealer
from services.web.domain.sessions import SessionPolicy
from services.web.domain.signin import ThrottlePolicy
from services.web.i18n import I18n
from services.web.keys import Keys, TokenMinter
from services.web.settings import WebSettings
from shared.consume import FromContext
from shared.db import Db
from shared.deps import context_of
from shared.service import Platform

if TYPE_CHECKING:
    from services.web.mail.sender import Mailer
    from services.web.oidc import Oidc
    from services.web.templating import Renderer


@dataclass
class Clock:
    """The service's clock. Tests move it through /_test/clock (only where the settings allow
    it) to see sessions and step-up expire without sleeping."""

    offset: timedelta = field(default_factory=timedelta)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


@dataclass(frozen=True)
class WebContext:
    settings: WebSettings
    db: Db
    clock: Clock
    keys: Keys
    passwords: Passwords
    sealer: Sealer
    clients: Clients
    i18n: I18n
    sessions: SessionPolicy
    throttle: ThrottlePolicy
    renderer: Renderer
    assets: Assets
    oidc: Oidc | None
    # The paths some route serves: the navigation shows only those (set once routes exist).
    served: frozenset[str]
    # Sends the outbox of e-mails; None without VFUND_SMTP_URL (notifications: the inbox only).
    mailer: Mailer | None = None


def policies(settings: WebSettings) -> tuple[SessionPolicy, ThrottlePolicy]:
    return (
        SessionPolicy(
            idle=timedelta(minutes=settings.web_session_idle_minutes),
            absolute=timedelta(hours=settings.web_session_absolute_hours),
            step_up=timedelta(minutes=settings.web_step_up_minutes),
        ),
        ThrottlePolicy(
            slow_after=settings.web_slow_after,
            slow=timedelta(seconds=settings.web_slow_seconds),
            lock_after=settings.web_lock_after,
            lock_for=timedelta(minutes=settings.web_lock_minutes),
        ),
    )


async def build(platform: Platform[WebSettings]) -> WebContext:
    from services.web import pages
    from services.web.oidc import Oidc
    from services.web.templating import Renderer, environment

    settings = platform.settings
    keys = Keys.from_settings(settings)
    minter = TokenMinter(
        keys.signing,
        audience=settings.web_token_audience,
        issuer=settings.web_token_issuer,
        lifetime=settings.web_token_minutes * 60,
    )
    session_policy, throttle = policies(settings)
    clients = Clients.create(settings, minter)
    oidc = Oidc.from_settings(settings, clients.http, keys) if settings.oidc_issuer else None
    renderer = Renderer(environment(), pages.layout, pages.finish)
    i18n = I18n()
    return WebContext(
        settings=settings,
        db=platform.db,
        clock=Clock(),
        keys=keys,
        passwords=Passwords.create(),
        sealer=Sealer(keys.totp),
        clients=clients,
        i18n=i18n,
        sessions=session_policy,
        throttle=throttle,
        renderer=renderer,
        assets=Assets(),
        oidc=oidc,
        served=pages.served_paths(),
        mailer=mailer(settings, platform.db, renderer, i18n, keys),
    )


def mailer(
    settings: WebSettings, db: Db, renderer: Renderer, i18n: I18n, keys: Keys
) -> Mailer | None:
    """The mailer VFUND_SMTP_URL asks for; a URL or sender it cannot use stops the start."""
    from services.web.mail.compose import Composer
    from services.web.mail.sender import Mailer
    from services.web.mail.smtp import SmtpTarget

    if not settings.smtp_url:
        return None
    base = settings.web_public_url or f"http://{settings.http_host}:{settings.http_port}"
    return Mailer(
        db,
        SmtpTarget.parse(settings.smtp_url, timeout=settings.mail_timeout_seconds),
        Composer(renderer.env, i18n, sender=settings.mail_from, base_url=base),
        links=Sealer(keys.links),
        delays=settings.mail_retry_delays,
        poll_seconds=settings.mail_poll_seconds,
    )


Ctx = Annotated[WebContext, Depends(context_of(WebContext))]
HandlerCtx = Annotated[WebContext, FromContext("context")]
