"""Request bodies of the disbursement API: strict, bounded, no unknown fields."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.events.common import Category, CountryCode
from shared.money import Currency, DecimalString, MoneyError, to_minor
from shared.types import IsoDate

# Names and codes: printable, no control characters, no markup delimiters.
Text = Annotated[str, Field(min_length=1, max_length=140, pattern=r"^[^\x00-\x1f<>{}\x7f]+$")]
Code = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:\- ]+$")]
OrgId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")]
SignedDecimal = Annotated[str, Field(pattern=r"^-?\d{1,15}(\.\d{1,4})?$", max_length=21)]
Rate = Annotated[str, Field(pattern=r"^\d{1,12}(\.\d{1,12})?$", max_length=25)]
# ISO 20022 / SWIFT character set, Max35Text.
BankReference = Annotated[str, Field(min_length=1, max_length=35,
                                     pattern=r"^[A-Za-z0-9/\-?:().,'+ ]+$")]


class Body(BaseModel):
    # defer_build: validators are built on first use, as for EventData (shared/events/envelope.py).
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


def _precise(amount: str, currency: str) -> None:
    try:
        to_minor(amount.lstrip("-"), currency)
    except MoneyError as exc:
        raise ValueError(str(exc)) from exc


class RestrictionsIn(Body):
    countries: Annotated[list[CountryCode], Field(max_length=250)] = []
    categories: Annotated[list[Category], Field(max_length=5)] = []


class GrantIn(Body):
    donor: Text
    name: Text
    amount: DecimalString
    currency: Currency
    valid_from: IsoDate
    valid_to: IsoDate
    restrictions: RestrictionsIn = RestrictionsIn()

    @model_validator(mode="after")
    def _money(self) -> GrantIn:
        _precise(self.amount, self.currency)
        return self


class AdjustmentIn(Body):
    delta: SignedDecimal
    currency: Currency
    reason: Code | None = None

    @model_validator(mode="after")
    def _money(self) -> AdjustmentIn:
        _precise(self.delta, self.currency)
        return self


class FxRateIn(Body):
    base: Currency
    quote: Currency
    rate: Rate
    as_of: IsoDate


class PayeeIn(Body):
    org_id: OrgId
    kind: Literal["organisation", "provider"] = "organisation"
    name: Text
    iban: Annotated[str, Field(min_length=5, max_length=42, pattern=r"^[A-Za-z0-9 ]+$")]
    bic: Annotated[str | None, Field(min_length=8, max_length=11,
                                     pattern=r"^[A-Za-z0-9]+$")] = None
    default: bool = False


class BankDetailsIn(Body):
    iban: Annotated[str, Field(min_length=5, max_length=42, pattern=r"^[A-Za-z0-9 ]+$")]
    bic: Annotated[str | None, Field(min_length=8, max_length=11,
                                     pattern=r"^[A-Za-z0-9]+$")] = None


class PayeeChoice(Body):
    payee_id: UUID


class RescheduleIn(Body):
    payee_id: UUID | None = None


class SplitPartIn(Body):
    amount: DecimalString
    payee_id: UUID | None = None
    item_ids: Annotated[list[Annotated[str, Field(min_length=1, max_length=64)]],
                        Field(max_length=50)] = []


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
