"""Web settings: sign-in, sessions, cookies, the token it mints, the services it calls."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from shared.settings import Settings


class WebSettings(Settings):
    http_port: int = 8000
    # `required`: a user without a second factor reaches only its enrolment. `optional`: the
    # demo's choice, said when it starts.
    web_mfa: Literal["required", "optional"] = "required"
    # Sessions end after this long idle, and after this long in all.
    web_session_idle_minutes: float = Field(default=30, gt=0)
    web_session_absolute_hours: float = Field(default=12, gt=0)
    # The session cookie is `__Host-vfund`, Secure. The dev launcher on loopback HTTP is the one
    # exception (contract section 7): it turns Secure off, and the cookie is then plain `vfund`,
    # since browsers refuse a `__Host-` cookie that is not Secure.
    web_cookie_secure: bool = True
    # The Ed25519 private key (PEM) the web service signs the signed-in user's tokens with; the
    # four services trust its public key through VFUND_JWT_PUBLIC_KEYS.
    web_token_key: Path | None = None
    web_token_minutes: float = Field(default=5, gt=0, le=5)
    web_token_audience: str = "vfund-api"  # noqa: S105 - a name, not a secret
    web_token_issuer: str = "vfund"  # noqa: S105 - a name, not a secret
    # The services the pages call.
    web_intake_url: str = "http://127.0.0.1:8001"
    web_assessment_url: str = "http://127.0.0.1:8002"
    web_disbursement_url: str = "http://127.0.0.1:8003"
    web_audit_url: str = "http://127.0.0.1:8004"
    web_service_timeout_seconds: float = 10.0
    # Single sign-on (OpenID Connect); off while the issuer is unset.
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    # Where the provider sends people back; by default this service's own address.
    web_public_url: str | None = None
    # Failed sign-ins: after `slow_after` failures in a row each attempt waits longer (doubling
    # from `slow_seconds`); after `lock_after` the account is locked for `lock_minutes`.
    web_slow_after: int = Field(default=3, ge=1)
    web_slow_seconds: float = Field(default=2, ge=0)
    web_lock_after: int = Field(default=10, ge=2)
    web_lock_minutes: float = Field(default=15, gt=0)
    web_invitation_hours: float = Field(default=48, gt=0)
    # A sensitive action asks for the second factor again when it was given longer ago.
    web_step_up_minutes: float = Field(default=5, gt=0)
    # Notifications (contract section 10). E-mail over SMTP: `smtp://`, `smtp+starttls://` or
    # `smtps://[user:password@]host[:port]`; unset: the inbox only, no e-mail is queued.
    smtp_url: str | None = None
    # The sender of every e-mail; its domain is the Message-IDs'. Links in e-mails start with
    # `web_public_url` (by default this service's own address).
    mail_from: str = "vfund <notifications@vfund.invalid>"
    # Seconds between tries of an e-mail the server did not take (the last one repeats).
    mail_retry_delays: list[float] = Field(default_factory=lambda: [10.0, 30.0, 60.0, 300.0, 900.0])
    mail_timeout_seconds: float = Field(default=30, gt=0)
    # How often the mailer looks for due e-mails when no commit woke it.
    mail_poll_seconds: float = Field(default=5, gt=0)
    # An event older than this tells nobody: a first deployment on a long stream, or a long
    # outage, floods no one with what is long past.
    notify_max_age_hours: float = Field(default=72, gt=0)
    # Tests only: a route that moves this service's clock (`/_test/clock`). Off in production.
    web_test_hooks: bool = False
