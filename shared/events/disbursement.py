"""Events published by the disbursement service: grants, FX, reservations, payments, batches.

Every field that is never null in what the service publishes is required here; the optional
ones say when they are absent (and stay optional where events already in the log lack them)."""

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.events.common import Category, CountryCode, Id
from shared.events.envelope import EventData
from shared.money import Currency, DecimalString

# A rate as people write it (no exponent): what the rates column holds, 18 + 12 digits.
Rate = Annotated[str, Field(pattern=r"^[0-9]{1,18}(\.[0-9]{1,12})?$", examples=["0.95"])]
SignedDecimal = Annotated[
    str, Field(pattern=r"^-?[0-9]{1,12}(\.[0-9]{1,4})?$", examples=["-250.00"])
]
# A sum of approved amounts: more digits than one amount (a case approved beyond any grant).
TotalDecimal = Annotated[str, Field(pattern=r"^[0-9]{1,19}(\.[0-9]{1,4})?$", examples=["1250.00"])]
# How far a proposed rate lies from the confirmed one (rate / reference - 1), e.g. "-0.031250".
Deviation = Annotated[str, Field(pattern=r"^-?[0-9]{1,40}\.[0-9]{6}$", examples=["0.031250"])]
Code = Annotated[str, Field(min_length=1, max_length=80)]


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
    delta: SignedDecimal
    amount: DecimalString
    currency: Currency
    reason: Code | None = None  # absent when the officer gave none


class FxRateProposed(EventData):
    """A finance officer proposed a rate; it converts nothing until another confirms it.
    `reference_rate` is the confirmed rate it is compared with (absent for a pair's first
    rate), `flagged` when it deviates from it by more than the configured limit."""

    rate_id: Id
    base: Currency
    quote: Currency
    rate: Rate
    as_of: date
    proposed_by: Id
    reference_rate: Rate | None = None
    deviation: Deviation | None = None
    flagged: bool


class FxRateRecorded(EventData):
    """A rate took effect: a second finance officer confirmed it. Events recorded before rates
    were confirmed carry only base, quote, rate and as_of."""

    base: Currency
    quote: Currency
    rate: Rate
    as_of: date
    rate_id: Id | None = None
    proposed_by: Id | None = None
    confirmed_by: Id | None = None
    deviation: Deviation | None = None  # absent for a pair's first rate
    flagged: bool | None = None


class FxRateRejected(EventData):
    rate_id: Id
    base: Currency
    quote: Currency
    rate: Rate
    as_of: date
    proposed_by: Id
    rejected_by: Id


class CategoryAmount(EventData):
    """A share of an amount by assistance category, in the grant's currency (donor reports)."""

    category: Category
    amount: DecimalString


class TotalAmount(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    amount: TotalDecimal
    currency: Currency


class FxConversion(EventData):
    """One approved item converted into the grant's currency, with the rate and its date."""

    item_id: Id
    category: Category
    amount: DecimalString
    currency: Currency
    converted: DecimalString
    rate: Rate
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
    fx_rate: Rate
    fx_as_of: date | None = None  # absent when nothing was converted
    by_category: Annotated[list[CategoryAmount], Field(min_length=1)]
    conversions: Annotated[list[FxConversion], Field(min_length=1)]


class BudgetInsufficient(EventData):
    case_id: Id
    shortfall: TotalAmount
    # Every shortfall when no grant is eligible and the approval spans several currencies.
    shortfalls: Annotated[list[TotalAmount], Field(min_length=1)]
    grant_id: Id | None = None  # absent when no grant is eligible at all


class BudgetReleased(EventData):
    case_id: Id
    grant_id: Id
    reservation_id: Id
    amount: DecimalString
    currency: Currency
    reason: Code
    country: CountryCode


PaymentStatus = Literal["awaiting_payee", "scheduled", "batched", "sent", "failed", "cancelled"]


class PaymentEvent(EventData):
    payment_id: Id
    case_id: Id
    grant_id: Id
    country: CountryCode
    payee_id: Id | None = None  # absent while the payment awaits a payee
    amount: DecimalString
    currency: Currency
    batch_id: Id | None = None  # absent outside a batch
    bank_reference: str | None = None  # absent until the bank executed it
    by_category: Annotated[list[CategoryAmount], Field(min_length=1)]


class PaymentAwaitingPayee(PaymentEvent):
    pass


class PaymentScheduled(PaymentEvent):
    payee_id: Id


class PaymentBatched(PaymentEvent):
    payee_id: Id
    batch_id: Id


class PaymentSent(PaymentEvent):
    payee_id: Id
    batch_id: Id
    bank_reference: str
    paid_on: date


class PaymentFailed(PaymentEvent):
    """`returned_on`: the payment had been paid (a `payment.sent` before) and the bank gave the
    money back that day (a return or reversal after booking): it no longer counts as paid.
    Absent for a failure before any booking."""

    reason: Code
    returned_on: date | None = None


class PaymentCancelled(PaymentEvent):
    reason: Code


class PaymentSplit(PaymentEvent):
    """`amount` stays on `payment_id`; `parts` are the new payments' ids."""

    parts: Annotated[list[Id], Field(min_length=1)]


class PayeeRegistered(EventData):
    payee_id: Id
    kind: Literal["organisation", "provider"]
    org_id: Id
    registered_by: Id
    is_default: bool


class PayeeBankDetailsChanged(EventData):
    """New bank details wait for a second officer; the IBAN itself never travels."""

    payee_id: Id
    org_id: Id
    requested_by: Id


class PayeeConfirmed(EventData):
    payee_id: Id
    confirmed_by: Id
    org_id: Id


class BatchCreated(EventData):
    batch_id: Id
    payment_ids: Annotated[list[Id], Field(min_length=1)]
    count: int
    total: DecimalString
    currency: Currency
    created_by: Id


class BatchApproved(EventData):
    batch_id: Id
    approved_by: Id
    count: int
    total: DecimalString
    currency: Currency


# --- bank statements and status reports (reconciliation) ----------------------------------------

MessageName = Annotated[
    str, Field(pattern=r"^(camt\.05[34]|pain\.002)\.001\.[0-9]{2}$", examples=["camt.053.001.08"])
]
Count = Annotated[int, Field(ge=0)]


class StatementImported(EventData):
    """A bank statement (camt.053) or notification (camt.054) of the fund's `account` was read
    and matched: `matched` entries paid or returned payments, `unmatched` ones wait for a
    second officer. Never a name, text or amount from the file: only counts."""

    statement_id: Id
    account: Annotated[str, Field(min_length=5, max_length=34, pattern=r"^[A-Z0-9]+$")]
    message: MessageName
    entries: Count
    matched: Count
    unmatched: Count
    by: Id


class StatusReportImported(EventData):
    """A payment status report (pain.002) was read: `rejected` lines failed payments before
    any booking; `unmatched` ones name nothing vfund could apply them to."""

    report_id: Id
    message: MessageName
    lines: Count
    rejected: Count
    unmatched: Count
    by: Id


class StatementEntryMatched(EventData):
    """An entry left unmatched was matched by hand by another officer than the importer:
    `outcome` matched (the payments are paid) or returned (they came back)."""

    statement_id: Id
    entry: Count
    outcome: Literal["matched", "returned"]
    payment_ids: Annotated[list[Id], Field(min_length=1)]
    by: Id


class StatementEntryDismissed(EventData):
    """An entry left unmatched was set aside by another officer than the importer (charges,
    incoming funds, ...), with a reason code from a fixed list."""

    statement_id: Id
    entry: Count
    reason: Code
    by: Id
