"""Reading the values of a schema-valid ISO 20022 tree: text, codes, amounts and dates, by path."""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from services.disbursement.reconciliation.validation import invalid
from shared.errors import DomainError
from shared.money import MAX_MINOR, MINOR_UNITS, Money

_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_FRACTION = re.compile(r"(\.\d{6})\d+")


@dataclass(frozen=True, slots=True)
class Node:
    """An element of one document (its namespace in hand) and its path, for error messages."""

    element: ET.Element
    namespace: str
    path: str

    def _tag(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}"

    def child(self, name: str) -> Node | None:
        found = self.element.find(self._tag(name))
        return None if found is None else Node(found, self.namespace, f"{self.path}/{name}")

    def at(self, dotted: str) -> Node | None:
        node: Node | None = self
        for name in dotted.split("/"):
            node = node.child(name) if node is not None else None
        return node

    def children(self, name: str) -> list[Node]:
        found = self.element.findall(self._tag(name))
        if len(found) == 1:
            return [Node(found[0], self.namespace, f"{self.path}/{name}")]
        return [Node(e, self.namespace, f"{self.path}/{name}[{i}]") for i, e in enumerate(found, 1)]

    def text(self, dotted: str | None = None) -> str | None:
        """The element's text with whitespace runs collapsed (no line breaks or tabs reach a
        reference or an event), or None when absent or blank."""
        node = self if dotted is None else self.at(dotted)
        if node is None or node.element.text is None:
            return None
        return " ".join(node.element.text.split()) or None

    def required(self, dotted: str) -> str:
        value = self.text(dotted)
        if value is None:  # the schema makes these mandatory; kept as a guard, not a path
            raise invalid("bank_file_invalid", f"{self.path}/{dotted} is missing")
        return value

    def flag(self, dotted: str) -> bool:
        return self.text(dotted) in ("true", "1")

    def count(self, dotted: str) -> int | None:
        value = self.text(dotted)
        return None if value is None else int(value)

    def money(self, dotted: str) -> Money | None:
        """An amount with its `Ccy` attribute, exact in the currency's minor units."""
        node = self.at(dotted)
        if node is None or node.text() is None:
            return None
        return to_money(node.text() or "", node.element.get("Ccy") or "", node.path)

    def day(self, dotted: str) -> date | None:
        """A DateAndDateTimeChoice (`Dt` or `DtTm`) or a plain date, as the calendar day."""
        node = self.at(dotted)
        if node is None:
            return None
        text = node.text("Dt") or node.text("DtTm") or node.text()
        return None if text is None else to_date(text, node.path)

    def moment(self, dotted: str) -> datetime | None:
        node = self.at(dotted)
        text = None if node is None else node.text()
        if node is None or text is None:
            return None
        try:
            return datetime.fromisoformat(_FRACTION.sub(r"\1", text))
        except ValueError as exc:
            raise invalid(
                "bank_file_invalid",
                f"{node.path} is not a date and time vfund can read",
                [{"field": node.path, "code": "date", "message": "not a usable date and time"}],
            ) from exc


def to_money(text: str, currency: str, path: str) -> Money:
    def refuse(message: str) -> DomainError:
        return invalid(
            "bank_file_invalid",
            f"{path}: {message}",
            [{"field": path, "code": "amount", "message": message}],
        )

    if currency not in MINOR_UNITS:
        raise refuse("the currency is not an active ISO 4217 currency vfund knows")
    try:
        scaled = Decimal(text).scaleb(MINOR_UNITS[currency])
    except InvalidOperation as exc:
        raise refuse("the amount is not a decimal number") from exc
    if scaled != scaled.to_integral_value():
        raise refuse(f"the amount has more decimals than {currency} has")
    if not 0 <= scaled <= MAX_MINOR:
        raise refuse("the amount is out of the range vfund accepts")
    return Money(int(scaled), currency)


def to_date(text: str, path: str) -> date:
    found = _DATE.match(text)
    day = None
    if found is not None:
        with contextlib.suppress(ValueError):
            day = date(int(found[1]), int(found[2]), int(found[3]))
    if day is None:
        raise invalid(
            "bank_file_invalid",
            f"{path} is not a date vfund can read",
            [{"field": path, "code": "date", "message": "not a usable calendar date"}],
        )
    return day
