"""Wire types stricter than pydantic's lax defaults: a date is an ISO string, not a number."""

from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema


def _iso_text(value: Any) -> Any:
    # Lax pydantic reads 0 as 1970-01-01; an API that means a calendar day wants "YYYY-MM-DD".
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or len(value) != 10:
        raise ValueError("a date must be written YYYY-MM-DD")
    return value


IsoDate = Annotated[
    date,
    BeforeValidator(_iso_text),
    WithJsonSchema({"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}),
]
