"""One typed HTTP client per service; each call carries a token minted for the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from services.web.clients.assessment import AssessmentClient
from services.web.clients.audit import AuditClient
from services.web.clients.base import Reply, ServiceClient, ServiceRefusal, ServiceUnavailable
from services.web.clients.disbursement import DisbursementClient
from services.web.clients.intake import IntakeClient
from services.web.keys import TokenMinter
from services.web.settings import WebSettings

__all__ = [
    "AssessmentClient",
    "AuditClient",
    "Clients",
    "DisbursementClient",
    "IntakeClient",
    "Reply",
    "ServiceClient",
    "ServiceRefusal",
    "ServiceUnavailable",
]


@dataclass(frozen=True)
class Clients:
    intake: IntakeClient
    assessment: AssessmentClient
    disbursement: DisbursementClient
    audit: AuditClient
    http: httpx.AsyncClient

    @classmethod
    def create(cls, settings: WebSettings, minter: TokenMinter) -> Clients:
        http = httpx.AsyncClient(
            timeout=settings.web_service_timeout_seconds,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=40),
            follow_redirects=False,
        )
        return cls(
            intake=IntakeClient(settings.web_intake_url, http, minter),
            assessment=AssessmentClient(settings.web_assessment_url, http, minter),
            disbursement=DisbursementClient(settings.web_disbursement_url, http, minter),
            audit=AuditClient(settings.web_audit_url, http, minter),
            http=http,
        )

    async def close(self) -> None:
        await self.http.aclose()
