"""The case view says what its reader may do now (`actions`), as the running service decides
it: the pages of issue 18 offer exactly these; and a fast-tracked approval is flagged."""

from __future__ import annotations

from support import Api
from support.assessment_probe import assess, decide, read, reviewed, submit
from support.factories import item


def actions(api: Api, case_id: str, user: str) -> list[str]:
    found: list[str] = read(api, case_id, user)["actions"]
    return found


def test_each_reader_is_offered_what_the_service_would_accept(api: Api) -> None:
    case_id = submit(api, item("medical", "4000.00"), item("legal", "2000.00"))
    assert actions(api, case_id, "medical-1") == ["medical_assessment", "information_request"]
    assert actions(api, case_id, "legal-1") == ["legal_assessment", "information_request"]
    assert actions(api, case_id, "manager-1") == []
    for kind in ("medical", "legal"):
        recorded = assess(api, case_id, kind)
        assert recorded.status_code == 201, recorded.text
        assert recorded.json()["actions"] == [f"{kind}_assessment", "information_request"]
    assert actions(api, case_id, "manager-1") == ["approve", "reject"]
    lines = [
        {"item_id": "item-1", "amount": "4000.00", "currency": "CHF"},
        {"item_id": "item-2", "amount": "2000.00", "currency": "CHF"},
    ]
    first = decide(api, case_id, "manager-1", decision="approve", approved_items=lines)
    assert first.status_code == 202, first.text
    assert first.json()["actions"] == ["reject"], "the first approver may not approve again"
    assert actions(api, case_id, "manager-2") == ["second_approval", "reject"]
    assert actions(api, case_id, "medical-1") == []
    second = decide(
        api,
        case_id,
        "manager-2",
        decision="approve",
        approved_items=lines,
        etag=reviewed(api, case_id, "manager-2"),
    )
    assert second.status_code == 200, second.text
    assert second.json()["actions"] == []
    assert "fast_track" not in second.json()["flags"]


def test_a_fast_tracked_approval_is_flagged_and_offered_to_another_manager_to_ratify(
    api: Api,
) -> None:
    case_id = submit(api, item("social", "900.00"), urgency="emergency")
    line = {"item_id": "item-1", "amount": "900.00", "currency": "CHF"}
    approved = decide(api, case_id, "manager-1", decision="approve", approved_items=[line])
    assert approved.status_code == 200, approved.text
    assert "fast_track" in approved.json()["flags"]
    assert approved.json()["actions"] == []
    assert actions(api, case_id, "manager-2") == ["ratify"]
