"""Events published by the disbursement service: grants, FX, reservations, payments, batches."""

from datetime import date
from typing import Literal

from shared.events.common import Amount, Category, CountryCode, Id
from shared.events.envelope import EventData
from shared.money import Currency, DecimalString


class Restrictions(EventData):
    countries: list[CountryCode] = []
    categories: list[Category] = []


class GrantCreated(EventData):
    grant_id: Id
    donor: str
    name: str
    amount: DecimalString
    currency: Currency
    restrictions: Restrictions
    valid_from: date
    valid_to: date


class GrantAdjusted(EventData):
    grant_id: Id
    donor: str
    delta: str
    amount: DecimalString
    currency: Currency
    reason: str | None = None


class FxRateRecorded(EventData):
    base: Currency
    quote: Currency
    rate: str
    as_of: date


class CategoryAmount(EventData):
    """A share of an amount by assistance category, in the grant's currency (donor reports)."""

    category: Category
    amount: DecimalString


class FxConversion(EventData):
    """One approved item converted into the grant's currency, with the rate and its date."""

    item_id: Id | None = None
    category: Category
    amount: DecimalString
    currency: Currency
    converted: DecimalString
    rate: str
    as_of: date
    base: Currency
    quote: Currency
    inverted: bool = False


class BudgetReserved(EventData):
    case_id: Id
    grant_id: Id
    reservation_id: Id
    country: CountryCode
    amount: DecimalString
    currency: Currency
    fx_rate: str
    fx_as_of: date | None = None
    by_category: list[CategoryAmount] = []
    conversions: list[FxConversion] = []


class BudgetInsufficient(EventData):
    case_id: Id
    shortfall: Amount
    # Every shortfall when no grant is eligible and the approval spans several currencies.
    shortfalls: list[Amount] = []
    grant_id: Id | None = None


class BudgetReleased(EventData):
    case_id: Id
    grant_id: Id
    reservation_id: Id
    amount: DecimalString
    currency: Currency
    reason: str | None = None
    country: CountryCode | None = None


PaymentStatus = Literal["awaiting_payee", "scheduled", "batched", "sent", "failed", "cancelled"]


class PaymentEvent(EventData):
    payment_id: Id
    case_id: Id
    grant_id: Id
    country: CountryCode | None = None
    payee_id: Id | None = None
    amount: DecimalString
    currency: Currency
    batch_id: Id | None = None
    bank_reference: str | None = None
    by_category: list[CategoryAmount] = []


class PaymentAwaitingPayee(PaymentEvent):
    pass


class PaymentScheduled(PaymentEvent):
    pass


class PaymentBatched(PaymentEvent):
    pass


class PaymentSent(PaymentEvent):
    paid_on: date | None = None


class PaymentFailed(PaymentEvent):
    reason: str = "bank_rejected"


class PaymentCancelled(PaymentEvent):
    reason: str | None = None


class PaymentSplit(PaymentEvent):
    """`amount` stays on `payment_id`; `parts` are the new payments' ids."""

    parts: list[Id] = []


class PayeeRegistered(EventData):
    payee_id: Id
    kind: Literal["organisation", "provider"]
    org_id: Id | None = None
    registered_by: Id
    is_default: bool = False


class PayeeBankDetailsChanged(EventData):
    """New bank details wait for a second officer; the IBAN itself never travels."""

    payee_id: Id
    org_id: Id | None = None
    requested_by: Id


class PayeeConfirmed(EventData):
    payee_id: Id
    confirmed_by: Id
    org_id: Id | None = None


class BatchCreated(EventData):
    batch_id: Id
    payment_ids: list[Id]
    count: int
    total: DecimalString
    currency: Currency
    created_by: Id


class BatchApproved(EventData):
    batch_id: Id
    approved_by: Id
    count: int | None = None
    total: DecimalString | None = None
    currency: Currency | None = None
