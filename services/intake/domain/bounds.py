"""Limits on what a case may hold: every count, total and date fits the storage and is plausible."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any, Final

from shared.events.intake import MAX_ITEMS, MAX_MATCHES
from shared.money import MAX_MINOR, MINOR_UNITS
from shared.types import visible

MAX_DOCUMENTS_PER_CASE: Final = 50
# Cases one possible-duplicate event names: a common name may match many cases, and an event
# must stay far below the stream's message size. The first matches by id are named.
MAX_DUPLICATE_MATCHES: Final = MAX_MATCHES
# The integer digits of an amount on the wire (shared.money.DecimalString: "^\d{1,12}...").
WIRE_INTEGER_DIGITS: Final = 12

EARLIEST_BIRTH: Final = date(1900, 1, 1)
# A consent older than this is no consent to a request made now: it must be asked again.
CONSENT_VALID_DAYS: Final = 2 * 366
# The calendar runs up to 14 hours ahead of UTC (Kiribati): "today" somewhere on Earth.
_AHEAD_OF_UTC = timedelta(hours=14)


def latest_today(now: datetime) -> date:
    """The latest date that is today somewhere on Earth: no person's date is after it."""
    return (now + _AHEAD_OF_UTC).date()


def birth_date_problem(born: date, now: datetime) -> str | None:
    if born < EARLIEST_BIRTH:
        return f"must not be before {EARLIEST_BIRTH.isoformat()}"
    if born > latest_today(now):
        return "must not be in the future"
    return None


def consent_date_problem(given: date, now: datetime) -> str | None:
    if given > latest_today(now):
        return "must not be in the future"
    if given < now.date() - timedelta(days=CONSENT_VALID_DAYS):
        return f"must be within the last {CONSENT_VALID_DAYS} days; ask for consent again"
    return None


def largest_total_minor(currency: str) -> int:
    """The most a case may ask for in one currency: one amount, at most, that vfund accepts
    (MAX_MINOR) and writes on the wire (12 integer digits, which end first in currencies of up
    to 3 decimals). An approval of the whole case, a reservation or a shortfall of it is then
    an amount every service downstream can hold, store and publish."""
    written: int = 10 ** (WIRE_INTEGER_DIGITS + MINOR_UNITS[currency]) - 1
    return min(MAX_MINOR, written)


def totals_problem(amounts: Iterable[tuple[int, str]]) -> str | None:
    """A case's total per currency must itself be an amount vfund accepts and writes."""
    totals: dict[str, int] = {}
    for minor, currency in amounts:
        totals[currency] = totals.get(currency, 0) + minor
    over = sorted(c for c, total in totals.items() if total > largest_total_minor(c))
    if over:
        return f"the total in {', '.join(over)} is above the largest amount vfund accepts"
    return None


# What the timeline keeps of another service's event: codes, ids, amounts and flags, by name.
TIMELINE_FIELDS: Final = frozenset(
    {
        "reason_code",
        "stage",
        "recommendation",
        "amount",
        "currency",
        "payment_id",
        "request_id",
        "question_category",
        "grant_id",
        "reservation_id",
        "batch_id",
        "due_at",
        "decided_by",
        "shortfall",
        "fast_track",
        "kind",
    }
)
MAX_TIMELINE_TEXT: Final = 100
MAX_TIMELINE_LIST: Final = 10
# An approval's items, kept whole so that the caseworker sees what was approved of each item.
APPROVED_ITEMS: Final = "approved_items"
# An approved item as the timeline keeps it: its id, amount (a decimal string) and currency.
_ITEM_KEYS: Final = ("item_id", "amount", "currency")
_AMOUNT = re.compile(r"^\d{1,18}(\.\d{1,4})?$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def timeline_detail(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The timeline fields of an event, each kept only when it is a short plain value (a code,
    an id, an amount, a flag, or a short list of ids): nothing else of an event is shown, and
    nothing a database or a page could not hold."""
    detail: dict[str, Any] = {}
    for name in sorted(TIMELINE_FIELDS & fields.keys()):
        value = fields[name]
        if isinstance(value, list):
            if len(value) <= MAX_TIMELINE_LIST and all(plain(v) for v in value):
                detail[name] = value
        elif plain(value) or _number(value):
            detail[name] = value
    items = _approved_items(fields.get(APPROVED_ITEMS))
    if items is not None:
        detail[APPROVED_ITEMS] = items
    return detail


def _approved_items(value: Any) -> list[dict[str, str]] | None:
    """An approval's items `{item_id, amount, currency}`, kept only when every one is plain (at
    most as many as a case holds): anything else of them is left out, as for other fields."""
    if not isinstance(value, list) or not 0 < len(value) <= MAX_ITEMS:
        return None
    kept = []
    for entry in value:
        if not isinstance(entry, Mapping) or not all(plain(entry.get(k)) for k in _ITEM_KEYS):
            return None
        if not (_AMOUNT.match(entry["amount"]) and _CURRENCY.match(entry["currency"])):
            return None
        kept.append({k: entry[k] for k in _ITEM_KEYS})
    return kept


def plain(value: Any) -> bool:
    """A short printable text with something visible in it: a code or an id."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_TIMELINE_TEXT
        and value.isprintable()
        and visible(value)
    )


def _number(value: Any) -> bool:
    # JSON numbers that every reader holds exactly (a bool is an int too).
    if isinstance(value, int):
        return abs(value) <= 2**53
    return isinstance(value, float) and math.isfinite(value)
