"""The assessment service as the pages see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from services.web.clients.base import ServiceClient
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
        )

    @property
    def overdue(self) -> bool:
        return self.time_left_seconds < 0


class AssessmentClient(ServiceClient):
    service = "assessment"

    async def queue(self, user: Claims, kind: QueueKind, *, limit: int = 20) -> list[QueueLine]:
        page = await self.get("/queue", user, kind=kind, limit=limit)
        return [QueueLine.of(item) for item in page["items"]]
