"""Value types shared by several services' events: codes, ids and money, never personal data."""

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.money import Currency, DecimalString
from shared.types import Line

Category = Literal["medical", "psychological", "social", "legal", "relocation"]
Urgency = Literal["emergency", "standard"]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$", examples=["CH"])]
# One line without control characters: a consumer refuses (dead-letters at once) an id that a
# database or a log line could not hold, instead of failing on it again and again.
Id = Annotated[Line, Field(min_length=1, max_length=64)]


class Amount(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    amount: DecimalString
    currency: Currency


class Item(BaseModel):
    """A requested, recommended or approved line of assistance."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    item_id: Id
    category: Category
    amount: DecimalString
    currency: Currency
