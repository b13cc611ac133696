"""The assessment service as the pages see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from services.web.clients.base import Reply, ServiceClient
from services.web.keys import Claims

QueueKind = Literal["medical", "legal", "decision"]


@dataclass(frozen=True)
class QueueLine:
    case_id: str
    reference: str
    urgency: str
    country: str
    due_at: str
    time_left_seconds: int
    flags: tuple[str, ...]
    status: str = ""
    categories: tuple[str, ...] = ()

    @classmethod
    def of(cls, item: dict[str, Any]) -> QueueLine:
        return cls(
            case_id=str(item["case_id"]),
            reference=str(item["reference"]),
            urgency=str(item["urgency"]),
            country=str(item["country"]),
            due_at=str(item["due_at"]),
            time_left_seconds=int(item["time_left_seconds"]),
            flags=tuple(str(f) for f in item.get("flags", [])),
            status=str(item.get("status", "")),
            categories=tuple(str(c) for c in item.get("categories", [])),
        )

    @property
    def overdue(self) -> bool:
        return self.time_left_seconds < 0


@dataclass(frozen=True)
class QueuePage:
    lines: list[QueueLine]
    next_cursor: str | None


class AssessmentClient(ServiceClient):
    service = "assessment"

    async def queue(self, user: Claims, kind: QueueKind, *, limit: int = 20) -> list[QueueLine]:
        page = await self.get("/queue", user, kind=kind, limit=limit)
        return [QueueLine.of(item) for item in page["items"]]

    async def queue_page(
        self,
        user: Claims,
        kind: QueueKind,
        *,
        urgency: str | None = None,
        country: str | None = None,
        cursor: str | None = None,
        limit: int = 50,
    ) -> QueuePage:
        """One page of a queue, most urgent and oldest first, with the filters the API takes."""
        page = await self.get(
            "/queue", user, kind=kind, urgency=urgency, country=country, cursor=cursor, limit=limit
        )
        cursor = page.get("next_cursor")
        return QueuePage([QueueLine.of(i) for i in page["items"]], str(cursor) if cursor else None)

    async def case(self, user: Claims, case_id: str) -> Reply:
        """The case as assessment sees it (no personal data), its ETag, and `actions`: what this
        user may do to it now."""
        return await self.call("GET", f"/cases/{case_id}", user)
