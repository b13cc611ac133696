"""Reconciliation's effects as disbursement's state transitions (CONTRACT section 8).

`services.disbursement.reconciliation` decides, per bank entry or status line, `Confirm` or
`Fail`; here each becomes the change the disbursement rules make:

- `Confirm` → `confirm_payment` (batched in an approved batch → sent; reserved → disbursed);
- `Fail` before booking (a pain.002 rejection) → `fail_payment` (batched → failed);
- `Fail` after booking (a return or reversal of a paid payment) → `return_payment` (sent →
  failed; disbursed → reserved, or released at once when the case was withdrawn).

Imported only where a bank file is handled: the reconciliation package (XSDs, xmlschema) costs
a process ~12 MB, which a disbursement process that never sees a statement does not pay.
"""

from __future__ import annotations

import re
from datetime import date

from services.disbursement.domain.batches import Batch, confirm_payment, fail_payment
from services.disbursement.domain.grants import Grant
from services.disbursement.domain.payments import Payment, Settlement
from services.disbursement.domain.reservations import Reservation
from services.disbursement.domain.statements import return_payment
from services.disbursement.reconciliation import Confirm, Effect, Fail, KnownPayment

# A reason code as it is stored and published: an ISO code (AC04) or a bank's own code. A
# proprietary "code" that reads like words is free text from the file: it is not kept.
_CODE = re.compile(r"^[A-Za-z0-9_.:\-]{1,35}$")


def reason_code(reason: str, fallback: str = "returned") -> str:
    return reason if _CODE.match(reason) else fallback


def known_payment(payment: Payment, batch: Batch | None, seen: frozenset[str]) -> KnownPayment:
    """A payment as reconciliation sees it; `seen`: bank references already applied to it."""
    approved = (
        batch is not None and batch.batch_id == payment.batch_id and batch.status == "approved"
    )
    return KnownPayment(
        payment.payment_id,
        payment.amount,
        payment.status,
        payment.batch_id,
        batch_approved=approved,
        bank_reference=payment.bank_reference,
        failure_reason=payment.failure_reason,
        seen_references=seen,
    )


def settle(
    effect: Effect,
    payment: Payment,
    *,
    batch: Batch | None,
    reservation: Reservation,
    grant: Grant,
    returned_on: date,
) -> Settlement:
    """One effect of a bank file on its payment, reservation and grant; `returned_on` dates a
    return after booking (the returning entry's booking day)."""
    if effect.payment_id != payment.payment_id:
        raise ValueError("the effect is about another payment")
    if isinstance(effect, Confirm):
        return confirm_payment(
            payment,
            batch=batch,
            reservation=reservation,
            grant=grant,
            bank_reference=effect.bank_reference,
            paid_on=effect.paid_on,
        )
    assert isinstance(effect, Fail)
    reason = reason_code(effect.reason, "returned" if effect.after_booking else "rejected")
    if effect.after_booking:
        return return_payment(
            payment, reservation=reservation, grant=grant, reason=reason, returned_on=returned_on
        )
    return fail_payment(payment, batch=batch, reservation=reservation, grant=grant, reason=reason)
