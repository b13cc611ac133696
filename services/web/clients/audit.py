"""The audit service as the pages see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.web.clients.base import ServiceClient
from services.web.keys import Claims


@dataclass(frozen=True)
class TreeHead:
    tree_size: int
    root_hash: str
    timestamp: str

    @classmethod
    def of(cls, item: dict[str, Any]) -> TreeHead:
        return cls(int(item["tree_size"]), str(item["root_hash"]), str(item["timestamp"]))


class AuditClient(ServiceClient):
    service = "audit"

    async def latest_tree_head(self, user: Claims) -> TreeHead | None:
        body = await self.get("/tree-heads/latest", user)
        return TreeHead.of(body) if isinstance(body, dict) and "tree_size" in body else None
