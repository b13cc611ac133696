"""The intake service as the pages see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.web.clients.base import Reply, ServiceClient
from services.web.keys import Claims


@dataclass(frozen=True)
class CaseSummary:
    case_id: str
    reference: str
    status: str
    urgency: str
    country: str
    submitted_at: str
    # What needs the caseworker now (intake says: an answer, the use-of-funds report).
    awaiting: tuple[str, ...] = ()

    @classmethod
    def of(cls, item: dict[str, Any]) -> CaseSummary:
        return cls(
            case_id=str(item["case_id"]),
            reference=str(item["reference"]),
            status=str(item["status"]),
            urgency=str(item["urgency"]),
            country=str(item["country"]),
            submitted_at=str(item["submitted_at"]),
            awaiting=tuple(str(a) for a in item.get("awaiting_caseworker", [])),
        )


@dataclass(frozen=True)
class CasePage:
    items: list[CaseSummary]
    next_cursor: str | None


class IntakeClient(ServiceClient):
    service = "intake"

    async def cases(
        self, user: Claims, *, status: str | None = None, limit: int = 20
    ) -> list[CaseSummary]:
        page = await self.get("/cases", user, status=status, limit=limit)
        return [CaseSummary.of(item) for item in page["items"]]

    async def case_page(self, user: Claims, **filters: str | int | None) -> CasePage:
        """One page of the cases a user sees (status, urgency, submitted_from/_to, cursor)."""
        page = await self.get("/cases", user, **filters)
        return CasePage([CaseSummary.of(i) for i in page["items"]], page.get("next_cursor"))

    async def case(self, user: Claims, case_id: str, *, purpose: str | None = None) -> Reply:
        """A case and its ETag: without personal data, unless a `purpose` is given, which
        decrypts it for those who may read it (intake records the read)."""
        params = {"purpose": purpose} if purpose else {"personal_data": "false"}
        return await self.call("GET", f"/cases/{case_id}", user, params=params)

    async def change(
        self,
        user: Claims,
        case_id: str,
        action: str,
        body: dict[str, Any],
        *,
        version: str,
        key: str,
    ) -> Reply:
        """POST /cases/{id}/<action> at the version the person saw, once per form."""
        headers = {"If-Match": version, "Idempotency-Key": key}
        return await self.call(
            "POST", f"/cases/{case_id}/{action}", user, json=body, headers=headers
        )

    async def attach(
        self,
        user: Claims,
        case_id: str,
        *,
        content: bytes,
        media_type: str,
        purpose: str,
        version: str,
        key: str,
    ) -> Reply:
        """A document, sent on without the name it had on the person's computer."""
        return await self.call(
            "POST",
            f"/cases/{case_id}/documents",
            user,
            files={"file": ("document", content, media_type)},
            data={"purpose": purpose},
            headers={"If-Match": version, "Idempotency-Key": key},
        )

    async def document(self, user: Claims, case_id: str, document_id: str) -> Reply:
        return await self.call("GET", f"/cases/{case_id}/documents/{document_id}", user)
