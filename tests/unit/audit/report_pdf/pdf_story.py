"""A grant's life in the audit log, built from the catalogue's own event models (a "mother").

Fifteen cases of one grant in three countries (KE 7, UG 5, LB 3: a country below five), with
reservations split by category, a release, fourteen payments after waits in every bucket (five
within two days, every other bucket below five), and a
second grant's events interleaved that the report must leave out. Entries are numbered as the
log numbers them, and a real Merkle tree head is signed over them.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit.domain import merkle, reports
from services.audit.domain.canonical import canonical_json
from services.audit.domain.heads import format_timestamp, sign_tree_head
from services.audit.domain.memory_tree import MemoryTree
from services.audit.report_pdf import Lang, render_pdf, report_view
from services.audit.report_pdf.view import View
from shared.events import subjects
from shared.events.common import Item
from shared.events.disbursement import (
    BudgetReleased,
    BudgetReserved,
    CategoryAmount,
    FxConversion,
    PaymentSent,
)
from shared.events.envelope import EventData, new_event
from shared.events.intake import CaseSubmitted, Needs

GRANT = "grant-hope"
OTHER_GRANT = "grant-other"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
START = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
# (country, days from request to payment or None if never paid, categories with amounts)
CASES: list[tuple[str, int | None, dict[str, str]]] = [
    ("KE", 1, {"medical": "400.00", "psychological": "100.00"}),
    ("KE", 2, {"medical": "250.00"}),
    ("KE", 0, {"legal": "300.00"}),
    ("KE", 2, {"medical": "120.50", "social": "79.50"}),
    ("KE", 12, {"relocation": "900.00"}),
    ("KE", 20, {"medical": "60.00"}),
    ("KE", None, {"legal": "500.00"}),
    ("UG", 1, {"medical": "700.00"}),
    ("UG", 6, {"psychological": "180.00"}),
    ("UG", 25, {"social": "220.00"}),
    ("UG", 45, {"medical": "1000.00", "legal": "250.00"}),
    ("UG", 70, {"medical": "90.00"}),
    ("LB", 4, {"medical": "1500.00"}),
    ("LB", 40, {"legal": "640.00"}),
    ("LB", 100, {"relocation": "2000.00"}),
]


@dataclass
class Story:
    events: list[dict[str, Any]] = field(default_factory=list)

    def add(self, nats_subject: str, data: EventData, *, at: datetime, subject: str) -> int:
        event = new_event(nats_subject, data, service=nats_subject.split(".")[1],
                          subject=subject, actor="story", now=at)  # fmt: skip
        self.events.append(orjson.loads(event.to_json()))
        return len(self.events) - 1

    def entries(self) -> list[tuple[int, dict[str, Any]]]:
        return list(enumerate(self.events))

    def grant_entries(self, grant_id: str = GRANT) -> list[tuple[int, dict[str, Any]]]:
        """What repository.grant_entries reads: the grant's report events, in log order."""
        return [(i, e) for i, e in self.entries()
                if e["type"] in reports.REPORT_TYPES and e["data"].get("grant_id") == grant_id]  # fmt: skip

    def report_entries(self, grant_id: str = GRANT) -> list[tuple[int, dict[str, Any]]]:
        """The grant's entries and the submissions of its cases: what render_pdf is given."""
        mine = self.grant_entries(grant_id)
        cases = {e["data"]["case_id"] for _, e in mine}
        asked = [(i, e) for i, e in self.entries()
                 if e["type"].endswith("case.submitted.v1") and e["data"]["case_id"] in cases]  # fmt: skip
        return sorted(mine + asked, key=lambda pair: pair[0])

    def report(self, start: date | None = None, end: date | None = None) -> dict[str, Any]:
        return reports.report_json(reports.donor_report(self.grant_entries(), start=start, end=end))

    def head(self) -> dict[str, Any]:
        tree = MemoryTree(merkle.leaf_hash(canonical_json(e)) for e in self.events)
        stamp = format_timestamp(datetime(2026, 6, 1, 12, tzinfo=UTC))
        return sign_tree_head(KEY, len(tree), tree.root().hex(), stamp)


def _submitted(case_id: str, country: str, items: dict[str, str]) -> CaseSubmitted:
    return CaseSubmitted(
        case_id=case_id, reference=f"VF-2026-{case_id[-6:]}", org_id="org-a", country=country,
        urgency="standard", needs=Needs(medical=True, legal=True), submitted_by="caseworker-a",
        items=[Item(item_id=f"{case_id}-{n}", category=c, amount=a, currency="CHF")  # type: ignore[arg-type]
               for n, (c, a) in enumerate(items.items())],
    )  # fmt: skip


def _total(items: dict[str, str]) -> str:
    return f"{sum(Decimal(a) for a in items.values()):.2f}"


def grant_story() -> Story:
    story = Story()
    for n, (country, wait, items) in enumerate(CASES):
        case_id, asked = f"case-{n:06d}", START + timedelta(days=3 * n, hours=n)
        story.add(subjects.CASE_SUBMITTED, _submitted(case_id, country, items), at=asked,
                  subject=case_id)  # fmt: skip
        other = f"other-{n:06d}"
        story.add(subjects.CASE_SUBMITTED, _submitted(other, "CH", {"medical": "10.00"}),
                  at=asked, subject=other)  # fmt: skip
        by_category = [CategoryAmount(category=c, amount=a) for c, a in items.items()]  # type: ignore[arg-type]
        amount = _total(items)
        conversions = [
            FxConversion(item_id=f"item-{i}", category=c, amount=a, currency="CHF",  # type: ignore[arg-type]
                         converted=a, rate="1", as_of=START.date(), base="CHF", quote="CHF")
            for i, (c, a) in enumerate(items.items())
        ]  # fmt: skip
        for grant, case in ((GRANT, case_id), (OTHER_GRANT, other)):
            story.add(subjects.BUDGET_RESERVED, BudgetReserved(
                case_id=case, grant_id=grant, reservation_id=f"r-{case}", country=country,
                amount=amount, currency="CHF", fx_rate="1", by_category=by_category,
                conversions=conversions,
            ), at=asked + timedelta(hours=12), subject=case)  # fmt: skip
        if wait is None:
            story.add(subjects.BUDGET_RELEASED, BudgetReleased(
                case_id=case_id, grant_id=GRANT, reservation_id=f"r-{case_id}", amount="200.00",
                currency="CHF", reason="withdrawn", country=country,
            ), at=asked + timedelta(days=2), subject=case_id)  # fmt: skip
            continue
        paid_on = asked.date() + timedelta(days=wait)
        for grant, case in ((GRANT, case_id), (OTHER_GRANT, other)):
            story.add(subjects.PAYMENT_SENT, PaymentSent(
                payment_id=f"p-{case}", case_id=case, grant_id=grant, country=country,
                amount=amount, currency="CHF", by_category=by_category,
                payee_id="payee-1", batch_id=f"batch-{n}", bank_reference=f"B{n}", paid_on=paid_on,
            ), at=datetime.combine(paid_on, datetime.min.time(), UTC) + timedelta(hours=15),
               subject=case)  # fmt: skip
    return story


@functools.cache
def story() -> Story:
    return grant_story()


def view(lang: Lang = "en", **kw: Any) -> View:
    s = story()
    args: dict[str, Any] = {
        "grant_id": GRANT,
        "start": None,
        "end": None,
        "head": s.head(),
        "entries": s.report_entries(),
        "lang": lang,
    } | kw
    return report_view(s.report(args["start"], args["end"]), **args)


@functools.cache
def pdf(lang: Lang) -> bytes:
    s = story()
    return render_pdf(s.report(), grant_id=GRANT, start=None, end=None, head=s.head(),
                      entries=s.report_entries(), lang=lang)  # fmt: skip
