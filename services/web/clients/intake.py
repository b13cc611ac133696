"""The intake service as the pages see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.web.clients.base import ServiceClient
from services.web.keys import Claims


@dataclass(frozen=True)
class CaseSummary:
    case_id: str
    reference: str
    status: str
    urgency: str
    country: str
    submitted_at: str

    @classmethod
    def of(cls, item: dict[str, Any]) -> CaseSummary:
        return cls(
            case_id=str(item["case_id"]),
            reference=str(item["reference"]),
            status=str(item["status"]),
            urgency=str(item["urgency"]),
            country=str(item["country"]),
            submitted_at=str(item["submitted_at"]),
        )


class IntakeClient(ServiceClient):
    service = "intake"

    async def cases(
        self, user: Claims, *, status: str | None = None, limit: int = 20
    ) -> list[CaseSummary]:
        page = await self.get("/cases", user, status=status, limit=limit)
        return [CaseSummary.of(item) for item in page["items"]]
