"""Form errors: a refusal (the web's own, or a service's problem+json) shown next to the field
it names and in a summary at the top, in the person's language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from services.web.clients import ServiceRefusal
from services.web.i18n import Translator
from services.web.messages import PROBLEMS, STATUS_MESSAGES
from shared.errors import DomainError

_LOCATIONS = ("body", "query", "path", "header")


def field_name(location: str) -> str:
    """`body.items.0.amount` (a service's `errors[].field`) -> `items.0.amount` (the form's)."""
    parts = [p for p in location.split(".") if p]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    return ".".join(parts)


def message(t: Translator, code: str, status: int | None = None) -> str:
    known = PROBLEMS.get(code) or PROBLEMS.get(code.replace("_", "-"))
    if known is None and status is not None:
        known = STATUS_MESSAGES.get(status)
    return t.gettext(known or PROBLEMS["value_error"])


@dataclass
class FormErrors:
    fields: dict[str, list[str]] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.fields or self.general)

    def of(self, name: str) -> list[str]:
        return self.fields.get(name, [])

    def add(self, name: str | None, text: str) -> None:
        if name:
            self.fields.setdefault(name, []).append(text)
        else:
            self.general.append(text)

    @classmethod
    def of_errors(
        cls, t: Translator, errors: list[dict[str, Any]], *, code: str, status: int | None
    ) -> FormErrors:
        out = cls()
        for error in errors:
            name = field_name(str(error.get("field", "")))
            out.add(name or None, message(t, str(error.get("code", "")), None))
        if not out:
            out.add(None, message(t, code, status))
        return out

    @classmethod
    def of_domain(cls, t: Translator, exc: DomainError) -> FormErrors:
        return cls.of_errors(t, exc.errors or [], code=exc.code, status=None)

    @classmethod
    def of_refusal(cls, t: Translator, exc: ServiceRefusal) -> FormErrors:
        return cls.of_errors(t, exc.errors, code=exc.code, status=exc.status)
