"""Donor reports computed from the audit log alone: every figure is the sum of its entries."""

from __future__ import annotations

import csv
import io
import uuid
from decimal import Decimal
from typing import Any

import orjson
from support import Api, publish, wait_for

from dev.stack import Stack


def _event(subject: str, time: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/vfund/disbursement",
        "type": "org.vfund." + subject.removeprefix("vfund.") + ".v1",
        "subject": data["case_id"],
        "time": time,
        "datacontenttype": "application/json",
        "data": data,
        "correlationid": str(uuid.uuid4()),
        "causationid": str(uuid.uuid4()),
        "actor": "finance-1",
    }


def _parts(**amounts: str) -> list[dict[str, str]]:
    return [{"category": c, "amount": a} for c, a in amounts.items()]


def _publish_story(stack: Stack, grant: str) -> list[dict[str, Any]]:
    c1, c2, r1, r2 = (str(uuid.uuid4()) for _ in range(4))
    money = {"grant_id": grant, "currency": "CHF", "fx_rate": "1"}
    events = [
        _event("vfund.disbursement.budget.reserved", "2026-01-15T10:00:00Z", money | {
            "case_id": c1, "reservation_id": r1, "country": "KE", "amount": "300.00",
            "by_category": _parts(medical="200.00", legal="100.00")}),
        _event("vfund.disbursement.budget.reserved", "2026-02-03T10:00:00Z", money | {
            "case_id": c2, "reservation_id": r2, "country": "UG", "amount": "150.00",
            "by_category": _parts(social="150.00")}),
        _event("vfund.disbursement.budget.released", "2026-02-20T10:00:00Z", money | {
            "case_id": c2, "reservation_id": r2, "amount": "50.00"}),
        _event("vfund.disbursement.payment.sent", "2026-02-11T08:00:00Z", money | {
            "case_id": c1, "payment_id": str(uuid.uuid4()), "country": "KE", "amount": "300.00",
            "paid_on": "2026-02-10", "by_category": _parts(medical="200.00", legal="100.00")}),
        _event("vfund.disbursement.budget.reserved", "2026-01-15T10:00:00Z", money | {
            "grant_id": str(uuid.uuid4()), "case_id": c1, "reservation_id": r1, "country": "KE",
            "amount": "999.00", "by_category": _parts(medical="999.00")}),
    ]  # fmt: skip
    for event in events:
        subject = "vfund." + event["type"].removeprefix("org.vfund.").removesuffix(".v1")
        publish(stack.nats_url or "", subject, orjson.dumps(event))
    return events


def _entry(api: Api, index: int) -> dict[str, Any]:
    page = api.get("audit", f"/log?after={index - 1}&limit=1", user="auditor-1").json()
    event: dict[str, Any] = page["items"][0]["event"]
    return event


def test_donor_report_figures_are_sums_of_their_entries_and_csv_matches(
    api: Api, stack: Stack
) -> None:
    grant = str(uuid.uuid4())
    events = _publish_story(stack, grant)

    def report(query: str = "") -> dict[str, Any]:
        got = api.get("audit", f"/reports/donor?grant_id={grant}{query}", user="auditor-1")
        assert got.status_code == 200, got.text
        body: dict[str, Any] = got.json()
        return body

    def complete() -> dict[str, Any] | None:
        got = api.get("audit", f"/reports/donor?grant_id={grant}", user="auditor-1")
        if got.status_code == 404 and "no-tree-head" in got.text:
            return None  # the report is computed at a signed head: none yet
        assert got.status_code == 200, got.text
        body: dict[str, Any] = got.json()
        indexes = {
            i
            for row in body["rows"]
            for m in ("reserved", "released", "paid")
            for i in row[m]["indexes"]
        }
        return body if len(indexes) == 4 else None

    body = wait_for(complete, what="the grant's four entries in the report")
    assert body["totals"] == [
        {
            "currency": "CHF",
            "reserved": {"amount": "450.00", "indexes": body["totals"][0]["reserved"]["indexes"]},
            "released": {"amount": "50.00", "indexes": body["totals"][0]["released"]["indexes"]},
            "paid": {"amount": "300.00", "indexes": body["totals"][0]["paid"]["indexes"]},
            "net_reserved": "400.00",
            "cases": {"count": None, "below": 5},  # two cases: masked, as every count below 5
        }
    ]
    ids = {e["id"] for e in events[:4]}
    for row in body["rows"]:
        for measure in ("reserved", "released", "paid"):
            entries = [_entry(api, i) for i in row[measure]["indexes"]]
            assert {e["id"] for e in entries} <= ids
            if measure == "released":  # its reservation has one category: all of it
                total = sum(Decimal(e["data"]["amount"]) for e in entries)
            else:
                total = sum(
                    Decimal(p["amount"])
                    for e in entries
                    for p in e["data"]["by_category"]
                    if p["category"] == row["category"]
                )
                assert all(e["data"]["country"] == row["country"] for e in entries)
            assert Decimal(row[measure]["amount"]) == total, (row, measure)
    months = {m["month"]: m for m in body["by_month"]}
    assert months["2026-01"]["reserved"]["amount"] == "300.00"
    assert months["2026-02"]["paid"]["amount"] == "300.00"  # paid_on, not the event time
    assert {c["country"]: c["net_reserved"] for c in body["by_country"]} == {
        "KE": "300.00",
        "UG": "100.00",
    }

    february = report("&from=2026-02-01&to=2026-02-28")
    assert february["totals"][0]["reserved"]["amount"] == "150.00"
    assert february["totals"][0]["paid"]["amount"] == "300.00"

    got = api.get("audit", f"/reports/donor?grant_id={grant}&format=csv", user="auditor-1")
    assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
    header, *records = list(csv.reader(io.StringIO(got.text)))
    as_json = [
        [
            r["month"],
            r["country"],
            r["category"],
            r["currency"],
            r["reserved"]["amount"],
            r["released"]["amount"],
            r["net_reserved"],
            r["paid"]["amount"],
        ]
        + [" ".join(map(str, r[m]["indexes"])) for m in ("reserved", "released", "paid")]
        for r in body["rows"]
    ]
    assert header[:4] == ["month", "country", "category", "currency"]
    assert records == as_json
