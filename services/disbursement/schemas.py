"""Request bodies of the disbursement API: strict, bounded, no unknown fields.

Shapes and bounds are checked here (422 naming the field); what needs the state of things or a
currency's minor units is checked by the domain, which names the field too."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.events.common import Category, CountryCode
from shared.money import Currency, DecimalString
from shared.types import IsoDate, Line, Name

# Names people read: one visible line, no markup delimiters (they end up in pages and files).
Title = Annotated[Name, Field(min_length=1, max_length=140, pattern=r"^[^<>{}]+$")]
Code = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:\- ]+$")]
OrgId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
SignedDecimal = Annotated[str, Field(pattern=r"^-?[0-9]{1,12}(\.[0-9]{1,4})?$", max_length=18)]
Rate = Annotated[str, Field(pattern=r"^[0-9]{1,12}(\.[0-9]{1,12})?$", max_length=25)]
Iban = Annotated[str, Field(min_length=5, max_length=42, pattern=r"^[A-Za-z0-9 ]+$")]
Bic = Annotated[str, Field(min_length=8, max_length=11, pattern=r"^[A-Za-z0-9]+$")]
# ISO 20022 / SWIFT character set, Max35Text.
BankReference = Annotated[
    str, Field(min_length=1, max_length=35, pattern=r"^[A-Za-z0-9/\-?:().,'+ ]+$")
]
ItemId = Annotated[Line, Field(min_length=1, max_length=64)]


class Body(BaseModel):
    # defer_build: validators are built on first use, as for EventData (shared/events/envelope.py).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class RestrictionsIn(Body):
    countries: Annotated[list[CountryCode], Field(max_length=250)] = []
    categories: Annotated[list[Category], Field(max_length=5)] = []


class GrantIn(Body):
    donor: Title
    name: Title
    amount: DecimalString
    currency: Currency
    valid_from: IsoDate
    valid_to: IsoDate
    restrictions: RestrictionsIn = RestrictionsIn()


class AdjustmentIn(Body):
    delta: SignedDecimal
    currency: Currency
    reason: Code | None = None


class FxRateIn(Body):
    base: Currency
    quote: Currency
    rate: Rate
    as_of: IsoDate


class PayeeIn(Body):
    org_id: OrgId
    kind: Literal["organisation", "provider"] = "organisation"
    name: Title
    iban: Iban
    bic: Bic | None = None
    default: bool = False


class BankDetailsIn(Body):
    iban: Iban
    bic: Bic | None = None


class PayeeChoice(Body):
    payee_id: UUID


class RescheduleIn(Body):
    payee_id: UUID | None = None


class SplitPartIn(Body):
    amount: DecimalString
    payee_id: UUID | None = None
    item_ids: Annotated[list[ItemId], Field(max_length=50)] = []


class SplitIn(Body):
    parts: Annotated[list[SplitPartIn], Field(min_length=2, max_length=20)]


class ConfirmIn(Body):
    bank_reference: BankReference
    paid_on: IsoDate


class ReasonIn(Body):
    reason: Code


class BatchIn(Body):
    currency: Currency
    payment_ids: Annotated[list[UUID] | None, Field(min_length=1, max_length=1000)] = None


# --- bank statements ---------------------------------------------------------------------------

# reconciliation.DISMISS_REASONS, spelt out here so that the API's schema needs no XSD machinery
# (tests/unit/disbursement/test_disbursement_reconciling.py holds the two together).
DismissReason = Literal[
    "bank_charges",
    "incoming_funds",
    "internal_transfer",
    "not_a_vfund_payment",
    "duplicate_booking",
    "other",
]


class EntryMatchIn(Body):
    """The payments an unmatched entry is about: paid by a debit, returned by a credit (with
    the ISO return reason code when the bank gave none)."""

    payment_ids: Annotated[list[UUID], Field(min_length=1, max_length=100)]
    reason_code: Annotated[str | None, Field(pattern=r"^[A-Z0-9]{4}$")] = None


class DismissIn(Body):
    reason: DismissReason
