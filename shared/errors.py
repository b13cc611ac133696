"""Refusals the domain raises, free of any web framework; `shared.problems` maps them to HTTP."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Refusal(StrEnum):
    """Why a command is refused; each maps to one HTTP status (shared.problems)."""

    INVALID = "invalid"  # 422: the request itself is wrong
    CONFLICT = "conflict"  # 409: the request is fine, the state of things forbids it
    FORBIDDEN = "forbidden"  # 403: this person may not do this to this object
    NOT_FOUND = "not_found"  # 404: no such object (or one this person may not know of)


class DomainError(Exception):
    """A refused command: its kind, a stable machine `code`, a detail free of personal data, and
    optionally the fields it concerns (`errors`, as in a validation problem)."""

    def __init__(
        self,
        refusal: Refusal,
        code: str,
        detail: str = "",
        *,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.refusal = refusal
        self.code = code
        self.detail = detail or code.replace("_", " ").replace("-", " ")
        self.errors = errors
