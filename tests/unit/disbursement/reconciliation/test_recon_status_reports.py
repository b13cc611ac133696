"""pain.002: a rejection fails payments with its ISO reason code before any booking."""

from __future__ import annotations

from uuid import UUID

import pytest
from support.statements import PAIN002_VERSIONS, TxStatus, pain002

from services.disbursement.reconciliation import (
    Fail,
    KnownPayment,
    Reconciliation,
    Rejected,
    Unchanged,
    Unmatched,
    match_status_report,
    read_status_report,
    referenced_by_report,
)
from shared.money import Money

P, Q, R = UUID(int=1), UUID(int=2), UUID(int=3)
B, B2 = UUID(int=100), UUID(int=200)
CHF = Money(125_000, "CHF")


def pay(payment_id: UUID, status: str = "batched", *, batch: UUID | None = B,
        approved: bool = True, reason: str | None = None) -> KnownPayment:  # fmt: skip
    reference = "B-1" if status == "sent" else None
    return KnownPayment(payment_id, CHF, status, batch, approved, reference, reason)  # type: ignore[arg-type]


BATCH = [pay(P), pay(Q), pay(R, batch=B2)]


def run(payments: list[KnownPayment], version: int = 10, **kw: object) -> Reconciliation:
    kw.setdefault("original_message_id", B.hex)
    data = pain002(version=version, **kw)  # type: ignore[arg-type]
    return match_status_report(read_status_report(data), payments)


def summary(result: Reconciliation) -> list[tuple[str, object]]:
    return [(d.outcome, getattr(d, "reason", getattr(d, "why", None))) for d in result.decisions]


@pytest.mark.parametrize("version", PAIN002_VERSIONS)
def test_a_rejected_transaction_fails_with_its_reason_code_in_every_version(version: int) -> None:
    result = run(BATCH, version, payment_info_id=B.hex,
                 statuses=[TxStatus(P.hex, "RJCT", "AC04"), TxStatus(Q.hex, "ACSC", None)])  # fmt: skip
    assert result.decisions == (
        Rejected(0, (P,), "AC04"), Unchanged(1, "acknowledged", (Q,)),
    )  # fmt: skip
    assert result.effects == (Fail(P, "AC04", after_booking=False),)
    assert [(p.payment_id, p.status, p.failure_reason) for p in result.payments] == [
        (P, "failed", "AC04")
    ]


def test_a_rejected_group_fails_every_payment_of_the_batch_sent_as_that_message() -> None:
    result = run(BATCH, group_status="RJCT", group_reason="FF01")
    assert result.decisions == (Rejected(0, (P, Q), "FF01"),)
    assert {e.payment_id for e in result.effects} == {P, Q}  # not R: another batch


def test_a_rejected_block_fails_its_batch_except_what_a_transaction_line_says() -> None:
    result = run(
        BATCH, group_status="PART", payment_info_id=B.hex, block_status="RJCT",
        block_reason="AM04", statuses=[TxStatus(Q.hex, "ACCP", None)],
    )  # fmt: skip
    assert summary(result) == [
        ("unchanged", "acknowledged"), ("rejected", "AM04"), ("unchanged", "acknowledged"),
    ]  # fmt: skip
    assert result.effects == (Fail(P, "AM04", after_booking=False),)


def test_a_rejection_without_a_reason_code_still_fails() -> None:
    result = run(BATCH, payment_info_id=B.hex, statuses=[TxStatus(P.hex, "RJCT", None)])
    assert result.effects == (Fail(P, "rejected", after_booking=False),)


def test_accepted_statuses_change_nothing() -> None:
    for status in ("ACCP", "ACSC", "ACSP", "ACTC", "ACWC", "PDNG", "RCVD"):
        result = run(BATCH, group_status=status)
        assert summary(result) == [("unchanged", "acknowledged")]
        assert result.effects == ()


@pytest.mark.parametrize(
    ("payments", "kw", "expected"),
    [
        ([pay(P, "sent")], {"payment_info_id": B.hex, "statuses": [TxStatus(P.hex)]}, "rejected_after_booking"),
        ([pay(P, "sent"), pay(Q)], {"group_status": "RJCT"}, "rejected_after_booking"),
        ([pay(P)], {"payment_info_id": B.hex, "statuses": [TxStatus(UUID(int=9).hex)]}, "unknown_end_to_end_id"),
        ([pay(P)], {"payment_info_id": B.hex, "statuses": [TxStatus("NOTPROVIDED")]}, "unknown_end_to_end_id"),
        ([pay(P)], {"payment_info_id": B2.hex, "statuses": [TxStatus(P.hex)]}, "batch_differs"),
        ([pay(P)], {"original_message_id": B2.hex, "group_status": "RJCT"}, "unknown_batch"),
        ([pay(P)], {"payment_info_id": "OTHER", "block_status": "RJCT"}, "unknown_batch"),
        ([pay(P)], {"payment_info_id": B.hex, "statuses": [TxStatus(P.hex, amount=Money(1, "CHF"))]}, "amount_differs"),
        ([pay(P, "scheduled", batch=B, approved=False)], {"group_status": "RJCT"}, "not_sent"),
        ([pay(P, "cancelled")], {"group_status": "RJCT"}, "payment_cancelled"),
    ],
)  # fmt: skip
def test_what_a_rejection_cannot_apply_to_is_left_unmatched(
    payments: list[KnownPayment], kw: dict[str, object], expected: str
) -> None:
    result = run(payments, **kw)
    decision = result.decisions[-1]
    assert isinstance(decision, Unmatched) and decision.reason == expected
    assert result.effects == ()


def test_the_same_rejection_twice_changes_nothing_the_second_time() -> None:
    kw = {"payment_info_id": B.hex, "statuses": [TxStatus(P.hex, "RJCT", "AC04")]}
    first = run(BATCH, **kw)
    second = run(list(first.payments), **kw)
    assert second.decisions == (Unchanged(0, "already_recorded", (P,)),)
    assert second.effects == ()
    group = run([pay(P, "failed", reason="FF01")], group_status="RJCT", group_reason="FF01")
    assert summary(group) == [("unchanged", "already_recorded")]


def test_a_group_rejection_leaves_alone_what_failed_or_was_cancelled_before() -> None:
    payments = [pay(P, "failed", reason="AC04"), pay(Q), pay(R, "cancelled")]
    result = run(payments, group_status="RJCT", group_reason="FF01")
    assert result.decisions == (Rejected(0, (Q,), "FF01"),)
    assert result.effects == (Fail(Q, "FF01", after_booking=False),)


def test_a_status_report_says_which_payments_and_batches_to_load() -> None:
    data = pain002(original_message_id=B.hex, payment_info_id=B2.hex,
                   statuses=[TxStatus(P.hex), TxStatus("NOTPROVIDED")])  # fmt: skip
    assert referenced_by_report(read_status_report(data)) == ({P}, {B, B2})
