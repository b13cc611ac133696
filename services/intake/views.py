"""Read models -> response bodies: what each reader is shown of a case."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from services.intake.domain import status
from services.intake.domain.access import DUPLICATE_JUDGES, Actor
from services.intake.domain.bounds import APPROVED_ITEMS
from services.intake.personal import FACTS, INFORMATION_PREFIX, ITEM_DESCRIPTIONS, VICTIM
from shared.money import from_minor


class Row(Protocol):
    """A database row (asyncpg.Record), read by column name."""

    def __getitem__(self, key: str, /) -> Any: ...


def summary(row: Row, actor: Actor) -> dict[str, Any]:
    """A case in a list, and the head of a case read: no personal data."""
    flagged = row["possible_duplicate"] and bool(actor.roles & DUPLICATE_JUDGES)
    return {
        "case_id": str(row["case_id"]),
        "reference": row["reference"],
        "org_id": row["org_id"],
        "status": row["status"],
        "urgency": row["urgency"],
        "country": row["country"],
        "submitted_at": row["submitted_at"].isoformat(),
        "possible_duplicate": bool(flagged),
        "version": row["version"],
        "awaiting_caseworker": status.awaiting_caseworker(row["status"]),
    }


def case_list(rows: Sequence[Row], actor: Actor, next_cursor: str | None) -> dict[str, Any]:
    return {"items": [summary(r, actor) for r in rows], "next_cursor": next_cursor}


def case_file(
    case: Row,
    actor: Actor,
    *,
    items: Sequence[Row],
    history: Sequence[Row],
    documents: Sequence[Row],
    requests: Sequence[Row],
) -> dict[str, Any]:
    """Status, items, timeline, documents and requests; personal data withheld until
    `include_personal` adds it."""
    judge = bool(actor.roles & DUPLICATE_JUDGES)
    approved = _approved(history)
    open_requests = sum(r["answered_at"] is None for r in requests)
    owner = "caseworker" in actor.roles and actor.org == case["org_id"]
    return summary(case, actor) | {
        "items": [_item(i, approved) for i in items],
        "needs": {"medical": case["needs_medical"], "legal": case["needs_legal"]},
        "history": [
            {
                "at": h["at"].isoformat(),
                "kind": h["kind"],
                "actor": h["actor"],
                "detail": h["detail"],
            }
            for h in history
        ],
        "duplicate_of": [str(d) for d in case["duplicate_of"]]
        if case["possible_duplicate"] and judge
        else [],
        "documents": [document(d) for d in documents],
        "information_requests": [
            {
                "request_id": r["request_id"],
                "question_category": r["question_category"],
                "requested_at": r["requested_at"].isoformat(),
                "status": "open" if r["answered_at"] is None else "answered",
                "document_ids": [str(d) for d in r["document_ids"]],
            }
            for r in requests
        ],
        "payments": status.payments((h["kind"], h["detail"] or {}) for h in history),
        "actions": status.open_actions(
            case["status"], erased=case["erased_at"] is not None, open_requests=open_requests
        )
        if owner
        else [],
        "personal_data": "erased" if case["erased_at"] is not None else "withheld",
    }


def _approved(history: Sequence[Row]) -> dict[str, dict[str, str]] | None:
    """The items of the case's approval by id (its latest, should there be two), or None."""
    found = None
    for h in history:
        if h["kind"] == "case.approved" and APPROVED_ITEMS in (h["detail"] or {}):
            found = {i["item_id"]: i for i in h["detail"][APPROVED_ITEMS]}
    return found


def _item(row: Row, approved: dict[str, dict[str, str]] | None) -> dict[str, Any]:
    """A requested item, with what the approval granted of it (zero when it left it out)."""
    out = {
        "item_id": row["item_id"],
        "category": row["category"],
        "amount": from_minor(row["amount_minor"], row["currency"]),
        "currency": row["currency"],
    }
    if approved is not None:
        granted = approved.get(row["item_id"])
        out["approved_amount"] = granted["amount"] if granted else from_minor(0, row["currency"])
        out["approved_currency"] = granted["currency"] if granted else row["currency"]
    return out


def document(row: Row) -> dict[str, Any]:
    return {
        "document_id": str(row["document_id"]),
        "purpose": row["purpose"],
        "media_type": row["media_type"],
        "size_bytes": row["size_bytes"],
        "sha256": row["sha256"],
        "uploaded_at": row["uploaded_at"].isoformat(),
        "stored": row["stored"],
    }


def include_personal(out: dict[str, Any], opened: Mapping[str, Any]) -> None:
    """The decrypted fields, for those who may read them (the read is logged by the caller)."""
    out["victim"] = opened[VICTIM]
    out["facts"] = opened[FACTS]
    for item, text in zip(out["items"], opened[ITEM_DESCRIPTIONS], strict=False):
        item["description"] = text
    for request in out["information_requests"]:
        request["answer"] = opened.get(INFORMATION_PREFIX + request["request_id"])
    out["personal_data"] = "included"


def uploaded(
    *, document_id: str, case_id: str, media_type: str, size_bytes: int, sha256: str, purpose: str
) -> dict[str, Any]:
    return {
        "document_id": document_id,
        "case_id": case_id,
        "media_type": media_type,
        "size_bytes": size_bytes,
        "sha256": sha256,
        "purpose": purpose,
    }


def changed(case_id: str, status: str, version: int) -> dict[str, Any]:
    return {"case_id": case_id, "status": status, "version": version}
