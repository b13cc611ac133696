"""Builders of valid disbursement objects for the unit tests ("object mothers")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from services.disbursement.domain.batches import Batch, approve_batch, batchable, create_batch
from services.disbursement.domain.common import CaseRef
from services.disbursement.domain.fx import FxRate
from services.disbursement.domain.grants import Grant, Restrictions, create_grant
from services.disbursement.domain.payees import Payee, confirm_payee, register_payee
from services.disbursement.domain.payments import Payment
from services.disbursement.domain.reservations import ApprovedCase, ApprovedItem
from shared.money import Money

TODAY = date(2025, 3, 1)
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
IBAN_DE = "DE89 3704 0044 0532 0130 00"
IBAN_CH = "CH93 0076 2011 6238 5295 7"
IBAN_GB = "GB33 BUKB 2020 1555 5555 55"
RATES = (
    FxRate("EUR", "CHF", Decimal("0.9500"), TODAY - timedelta(days=1)),
    FxRate("CHF", "USD", Decimal("1.1250"), TODAY - timedelta(days=1)),  # USD→CHF by inversion
    FxRate("EUR", "CHF", Decimal("0.9000"), TODAY - timedelta(days=30)),
    FxRate("EUR", "CHF", Decimal("2.0000"), TODAY + timedelta(days=1)),  # future: never used
)


def money(amount: str, currency: str = "CHF") -> Money:
    return Money.parse(amount, currency)


def grant(
    amount: str = "10000.00",
    currency: str = "CHF",
    *,
    valid_from: date = TODAY - timedelta(days=30),
    valid_to: date = TODAY + timedelta(days=365),
    countries: frozenset[str] = frozenset(),
    categories: frozenset[str] = frozenset(),
    created_at: datetime = NOW - timedelta(days=30),
    grant_id: UUID | None = None,
) -> Grant:
    return create_grant(
        grant_id=grant_id or uuid4(),
        donor="Donor State",
        name="Emergency grant",
        amount=money(amount, currency),
        valid_from=valid_from,
        valid_to=valid_to,
        created_at=created_at,
        restrictions=Restrictions(countries, categories),
    ).state


def case(
    *items: tuple[str, str, str],
    country: str = "UG",
    org_id: str = "org-a",
    approved_at: datetime = NOW,
) -> ApprovedCase:
    items = items or (("medical", "100.00", "CHF"),)
    return ApprovedCase(
        ref(org_id=org_id, country=country),
        tuple(
            ApprovedItem(f"item-{n + 1}", cat, money(amount, ccy))
            for n, (cat, amount, ccy) in enumerate(items)
        ),
        approved_at,
    )


def ref(*, org_id: str = "org-a", country: str = "UG", case_id: UUID | None = None) -> CaseRef:
    """A case as events name it; its story's correlation id is its own id."""
    case_id = case_id or uuid4()
    return CaseRef(case_id, org_id, country, str(case_id))


def payee(
    org_id: str = "org-a",
    *,
    is_default: bool = True,
    confirmed: bool = True,
    iban: str = IBAN_DE,
    name: str = "Partner NGO",
) -> Payee:
    registered = register_payee(
        payee_id=uuid4(),
        org_id=org_id,
        kind="organisation",
        name=name,
        iban=iban,
        bic=None,
        is_default=is_default,
        requested_by="finance-1",
        at=NOW,
    ).state
    return confirm_payee(registered, confirmed_by="finance-2").state if confirmed else registered


def approved_batch(
    payments: list[Payment], payees: dict[UUID, Payee]
) -> tuple[Batch, list[Payment]]:
    currency = payments[0].amount.currency
    made = create_batch(
        batch_id=uuid4(),
        currency=currency,
        payments=batchable(payments, currency, payees),
        payees=payees,
        created_by="finance-1",
        at=NOW,
    )
    return approve_batch(made.batch, approved_by="finance-2", at=NOW).state, list(made.payments)
