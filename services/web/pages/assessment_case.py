"""What the page of a case in assessment is made of: the case as assessment sees it (with what
this person may do to it now), intake's history of it without its personal data, the names of
the people both services name by id; and the forms' item lines, sent and shown again.

No route here (the routes are in pages/assessment.py): this module only reads and shapes."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from services.web import repository
from services.web.access import PageNotFound, User
from services.web.clients import ServiceRefusal, ServiceUnavailable
from services.web.context import WebContext
from services.web.forms import FormErrors, field_name

CASE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
MAX_LINES = 50  # as many item lines as the assessment API takes


@dataclass(frozen=True)
class CaseView:
    """One case as the page shows it; `intake` is None when intake could not say (a case it
    does not know, or a moment it does not answer): the rest of the page still shows."""

    case: dict[str, Any]
    intake: dict[str, Any] | None
    names: dict[str, str]

    @property
    def actions(self) -> frozenset[str]:
        return frozenset(str(a) for a in self.case.get("actions", []))

    @property
    def version(self) -> int:
        return int(self.case["version"])

    @property
    def intake_version(self) -> int | None:
        return None if self.intake is None else int(self.intake["version"])


@dataclass
class Sent:
    """A form as the person sent it, shown again with the service's refusal next to its
    fields; `form` names which of the page's forms it was."""

    form: str = ""
    values: dict[str, str] = field(default_factory=dict)
    errors: FormErrors = field(default_factory=FormErrors)

    def value(self, form: str, name: str, default: Any = "") -> Any:
        return self.values.get(name, default) if self.form == form else default

    def errors_of(self, form: str) -> FormErrors:
        return self.errors if self.form == form else FormErrors()


def checked_id(case_id: str) -> str:
    """A case id as the services spell them; anything else is a page that does not exist."""
    if not CASE_ID.match(case_id):
        raise PageNotFound
    return case_id


async def _intake_view(ctx: WebContext, user: User, case_id: str) -> dict[str, Any] | None:
    try:
        reply = await ctx.clients.intake.call(
            "GET", f"/cases/{case_id}", user.claims, params={"personal_data": "false"}
        )
    except (ServiceRefusal, ServiceUnavailable):
        return None
    return reply.body if isinstance(reply.body, dict) else None


def _people(case: dict[str, Any], intake: dict[str, Any] | None) -> set[str]:
    found = {a["assessor"] for a in case.get("assessments", [])}
    found |= {r["requested_by"] for r in case.get("information_requests", [])}
    found |= {r["requested_by"] for r in case.get("review_requests", [])}
    decision = case.get("decision") or {}
    for part in ("pending_approval", "ratification"):
        if decision.get(part):
            found.add(decision[part]["first_decider"])
    ratification = decision.get("ratification") or {}
    if ratification.get("ratified_by"):
        found.add(ratification["ratified_by"])
    found |= set((decision.get("outcome") or {}).get("decided_by", []))
    if intake is not None:
        found |= {h["actor"] for h in intake.get("history", []) if h.get("actor")}
    return {str(p) for p in found if p}


async def load(ctx: WebContext, user: User, case_id: str) -> CaseView:
    """Both services asked at once; a case assessment does not know is the 404 page."""
    try:
        reply, intake = await asyncio.gather(
            ctx.clients.assessment.case(user.claims, case_id), _intake_view(ctx, user, case_id)
        )
    except ServiceRefusal as exc:
        if exc.status in (404, 422):
            raise PageNotFound from exc
        raise
    case: dict[str, Any] = reply.body
    async with ctx.db.connection() as conn:
        names = await repository.display_names(conn, account_ids=sorted(_people(case, intake)))
    return CaseView(case, intake, names)


def item_lines(form: FormData, prefix: str) -> tuple[list[dict[str, str]], dict[int, int]]:
    """The lines `prefix.N.item_id|amount|currency` of a form, those left blank left out, and
    for each line sent, its number in the form (where its errors are shown)."""
    lines: list[dict[str, str]] = []
    numbers: dict[int, int] = {}
    for n in range(MAX_LINES):
        item_id = form.get(f"{prefix}.{n}.item_id")
        if not isinstance(item_id, str):
            break
        amount = form.get(f"{prefix}.{n}.amount")
        currency = form.get(f"{prefix}.{n}.currency")
        if isinstance(amount, str) and amount.strip():
            numbers[len(lines)] = n
            currency = currency if isinstance(currency, str) else ""
            lines.append({"item_id": item_id, "amount": amount.strip(), "currency": currency})
    return lines, numbers


def renumbered(exc: ServiceRefusal, prefix: str, numbers: dict[int, int]) -> ServiceRefusal:
    """The refusal with its errors on the form's lines (the blank ones were not sent)."""
    for error in exc.errors:
        parts = field_name(str(error.get("field", ""))).split(".")
        if len(parts) > 1 and parts[0] == prefix and parts[1].isdigit():
            parts[1] = str(numbers.get(int(parts[1]), parts[1]))
            error["field"] = ".".join(parts)
    return exc


def text(form: FormData, name: str) -> str:
    """A text field of the form ("" when missing, or when a file was sent in its place)."""
    value = form.get(name)
    return value if isinstance(value, str) else ""


def values_of(form: FormData, names: Iterable[str] | None = None) -> dict[str, str]:
    """The text fields of a form, to show again (never a file, never the tokens)."""
    keep = None if names is None else set(names)
    return {
        k: v
        for k, v in form.multi_items()
        if isinstance(v, str) and k not in ("csrf_token", "step_up") and (keep is None or k in keep)
    }


def if_match(version: object) -> dict[str, str]:
    """The version a form was made from, as the If-Match the services take (none when the
    form carries none: a confirmation then answers 428, shown as "reload the page")."""
    if isinstance(version, str) and version.isdigit() and len(version) < 12:
        return {"If-Match": f'"{version}"'}
    return {}
