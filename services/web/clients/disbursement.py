"""The disbursement service as the pages see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.web.clients.base import ServiceClient
from services.web.keys import Claims


@dataclass(frozen=True)
class BatchSummary:
    batch_id: str
    currency: str
    status: str
    count: int
    total: str
    created_by: str
    created_at: str

    @classmethod
    def of(cls, item: dict[str, Any]) -> BatchSummary:
        return cls(
            batch_id=str(item["batch_id"]),
            currency=str(item["currency"]),
            status=str(item["status"]),
            count=int(item["count"]),
            total=str(item["total"]),
            created_by=str(item["created_by"]),
            created_at=str(item["created_at"]),
        )


class DisbursementClient(ServiceClient):
    service = "disbursement"

    async def batches(
        self, user: Claims, *, status: str | None = None, limit: int = 20
    ) -> list[BatchSummary]:
        page = await self.get("/batches", user, status=status, limit=limit)
        return [BatchSummary.of(item) for item in page["items"]]

    async def payments_count(self, user: Claims, *, status: str, limit: int = 50) -> int:
        page = await self.get("/payments", user, status=status, limit=limit)
        return len(page["items"])
