"""The CaseFile aggregate to and from JSON (the `state` column): money as minor units + currency.

Also the JSON of recommended amounts kept with an assessment's notes (the catalogue's item form).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from services.assessment.domain.codes import (
    AssessmentKind,
    CaseStatus,
    Category,
    DeadlineStage,
    Decision,
    QuestionCategory,
    Recommendation,
    RejectionReason,
    Urgency,
)
from services.assessment.domain.model import (
    Assessment,
    CaseFile,
    InformationRequest,
    ItemAmount,
    Outcome,
    PendingApproval,
    Ratification,
    RequestedItem,
    ReviewRequest,
)
from shared.money import Money

Json = dict[str, Any]
SCHEMA = 1


def _t(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _dt(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _req_dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _money(m: Money) -> Json:
    return {"minor": m.minor, "currency": m.currency}


def _to_money(j: Json) -> Money:
    return Money(int(j["minor"]), str(j["currency"]))


def _line(line: ItemAmount | RequestedItem) -> Json:
    return {"item_id": line.item_id, "category": line.category.value, **_money(line.amount)}


def _to_line(j: Json) -> ItemAmount:
    return ItemAmount(j["item_id"], Category(j["category"]), _to_money(j))


def item_lines(lines: Iterable[ItemAmount | RequestedItem]) -> list[dict[str, str]]:
    """Amounts as the catalogue and the API write them: decimal strings with their currency."""
    return [
        {
            "item_id": x.item_id,
            "category": x.category.value,
            "amount": x.amount.amount,
            "currency": x.amount.currency,
        }
        for x in lines
    ]


def case_to_json(case: CaseFile) -> Json:
    return {
        "schema": SCHEMA,
        "case_id": case.case_id,
        "org_id": case.org_id,
        "country": case.country,
        "urgency": case.urgency.value,
        "items": [_line(i) for i in case.items],
        "required": sorted(k.value for k in case.required),
        "review_requests": [
            {
                "kind": r.kind.value,
                "requested_by": r.requested_by,
                "requested_at": _t(r.requested_at),
            }
            for r in case.review_requests
        ],
        "assessments": [
            {
                "kind": a.kind.value,
                "assessor": a.assessor,
                "recommendation": a.recommendation.value,
                "amounts": [_line(x) for x in a.amounts],
                "has_reason_for_exceeding": a.has_reason_for_exceeding,
                "recorded_at": _t(a.recorded_at),
            }
            for a in case.assessments
        ],
        "information_requests": [
            {
                "request_id": r.request_id,
                "kind": r.kind.value,
                "requested_by": r.requested_by,
                "category": r.category.value,
                "requested_at": _t(r.requested_at),
                "answered_at": _t(r.answered_at),
            }
            for r in case.information_requests
        ],
        "reassessment_due": sorted(k.value for k in case.reassessment_due),
        "status": case.status.value,
        "pending_approval": _pending_to_json(case.pending_approval),
        "ratification": _ratification_to_json(case.ratification),
        "outcome": _outcome_to_json(case.outcome),
        "submitted_at": _t(case.submitted_at),
        "paused_total_us": case.paused_total // timedelta(microseconds=1),
        "paused_since": _t(case.paused_since),
        "deadlines_approaching": sorted(s.value for s in case.deadlines_approaching),
        "deadlines_missed": sorted(s.value for s in case.deadlines_missed),
        "ratification_missed": case.ratification_missed,
        "version": case.version,
    }


def _pending_to_json(p: PendingApproval | None) -> Json | None:
    if p is None:
        return None
    return {
        "first_manager": p.first_manager,
        "items": [_line(x) for x in p.items],
        "total_chf": None if p.total_chf is None else str(p.total_chf),
        "approved_at": _t(p.approved_at),
    }


def _ratification_to_json(r: Ratification | None) -> Json | None:
    if r is None:
        return None
    return {
        "first_manager": r.first_manager,
        "due_at": _t(r.due_at),
        "ratified_by": r.ratified_by,
        "ratified_at": _t(r.ratified_at),
    }


def _outcome_to_json(o: Outcome | None) -> Json | None:
    if o is None:
        return None
    return {
        "decision": o.decision.value,
        "items": [_line(x) for x in o.items],
        "reason_code": None if o.reason_code is None else o.reason_code.value,
        "decided_by": list(o.decided_by),
        "decided_at": _t(o.decided_at),
        "fast_track": o.fast_track,
    }


def case_from_json(j: Json) -> CaseFile:
    if j.get("schema") != SCHEMA:
        raise ValueError(f"unknown case file schema {j.get('schema')!r}")
    return CaseFile(
        case_id=j["case_id"],
        org_id=j["org_id"],
        country=j["country"],
        urgency=Urgency(j["urgency"]),
        items=tuple(
            RequestedItem(i["item_id"], Category(i["category"]), _to_money(i)) for i in j["items"]
        ),
        required=frozenset(AssessmentKind(k) for k in j["required"]),
        review_requests=tuple(
            ReviewRequest(AssessmentKind(r["kind"]), r["requested_by"], _req_dt(r["requested_at"]))
            for r in j["review_requests"]
        ),
        assessments=tuple(
            Assessment(
                kind=AssessmentKind(a["kind"]),
                assessor=a["assessor"],
                recommendation=Recommendation(a["recommendation"]),
                amounts=tuple(_to_line(x) for x in a["amounts"]),
                has_reason_for_exceeding=bool(a["has_reason_for_exceeding"]),
                recorded_at=_req_dt(a["recorded_at"]),
            )
            for a in j["assessments"]
        ),
        information_requests=tuple(
            InformationRequest(
                request_id=r["request_id"],
                kind=AssessmentKind(r["kind"]),
                requested_by=r["requested_by"],
                category=QuestionCategory(r["category"]),
                requested_at=_req_dt(r["requested_at"]),
                answered_at=_dt(r["answered_at"]),
            )
            for r in j["information_requests"]
        ),
        reassessment_due=frozenset(AssessmentKind(k) for k in j["reassessment_due"]),
        status=CaseStatus(j["status"]),
        pending_approval=_pending_from_json(j["pending_approval"]),
        ratification=_ratification_from_json(j["ratification"]),
        outcome=_outcome_from_json(j["outcome"]),
        submitted_at=_req_dt(j["submitted_at"]),
        paused_total=timedelta(microseconds=int(j["paused_total_us"])),
        paused_since=_dt(j["paused_since"]),
        # absent from case files saved before deadlines were announced
        deadlines_approaching=frozenset(
            DeadlineStage(s) for s in j.get("deadlines_approaching", ())
        ),
        deadlines_missed=frozenset(DeadlineStage(s) for s in j["deadlines_missed"]),
        ratification_missed=bool(j["ratification_missed"]),
        version=int(j["version"]),
    )


def _pending_from_json(j: Json | None) -> PendingApproval | None:
    if j is None:
        return None
    total = j["total_chf"]
    return PendingApproval(
        first_manager=j["first_manager"],
        items=tuple(_to_line(x) for x in j["items"]),
        total_chf=None if total is None else Decimal(total),
        approved_at=_req_dt(j["approved_at"]),
    )


def _ratification_from_json(j: Json | None) -> Ratification | None:
    if j is None:
        return None
    return Ratification(
        first_manager=j["first_manager"],
        due_at=_req_dt(j["due_at"]),
        ratified_by=j["ratified_by"],
        ratified_at=_dt(j["ratified_at"]),
    )


def _outcome_from_json(j: Json | None) -> Outcome | None:
    if j is None:
        return None
    reason = j["reason_code"]
    return Outcome(
        decision=Decision(j["decision"]),
        items=tuple(_to_line(x) for x in j["items"]),
        reason_code=None if reason is None else RejectionReason(reason),
        decided_by=tuple(j["decided_by"]),
        decided_at=_req_dt(j["decided_at"]),
        fast_track=bool(j["fast_track"]),
    )
