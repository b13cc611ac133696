"""/cases and /cases/new: a partner organisation's cases, and the request for a new one.

Who may come: caseworkers (their organisation's cases, and new requests); an organisation's
admin (`org_admin`) sees the same list with status only. What it asks: intake, which decides
everything; the page keeps nothing of what is typed (no database row, no log line, no URL).
One case's page is pages/cases_file.py; the form's fields and body, pages/cases_form.py."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import Response

from services.web.access import User, role_required
from services.web.clients import ServiceRefusal
from services.web.clients.intake import CasePage
from services.web.context import Ctx
from services.web.domain.navigation import N_
from services.web.forms import FormErrors, field_name, message
from services.web.i18n import Translator
from services.web.messages import CASE_STATUSES, URGENCIES, register
from services.web.pages import page_router, redirect
from services.web.pages.cases_form import (
    CATEGORIES,
    SEXES,
    CaseForm,
    countries,
    currencies,
    new_key,
)

router = page_router()
Caseworker = Annotated[User, role_required("caseworker")]
Member = Annotated[User, role_required("caseworker", "org_admin")]
Filter = Annotated[str, Query(max_length=200)]
PAGE_SIZE = 25
FILTERS = ("status", "urgency", "submitted_from", "submitted_to")

# Intake's refusals the caseworker's pages meet, in words.
register(
    {
        "birth_date_implausible": N_(
            "Enter a real date of birth: not in the future, not before 1900."
        ),
        "consent_date_invalid": N_(
            "Enter the day consent was given: not in the future, and within the last two years."
        ),
        "total_too_large": N_("The total in one currency is above what vfund accepts."),
        "amount_too_large": N_("This amount is above what vfund accepts."),
        "too_short": N_("This field is required."),
        "idempotency-key-reused": N_(
            "This form was already sent with other values. Check your cases before you send"
            " a new request."
        ),
        "unknown_document": N_("Choose documents of this case."),
        "unknown-documents": N_("Choose documents of this case."),
        "uuid_parsing": N_("Choose documents of this case."),
        "already-answered": N_("This question has already been answered."),
        "assessment-over": N_("The assessment is over: this question needs no answer now."),
        "not-withdrawable": N_("This case can no longer be withdrawn."),
        "not-paid": N_("The use-of-funds report is sent once the case is paid."),
        "case-final": N_("This case takes no more documents."),
        "too-many-documents": N_("This case holds as many documents as it may."),
        "personal-data-erased": N_("The victim's personal data was erased: this is not possible."),
        "request-not-found": N_("This question was not found on this case."),
        "too_large": N_("The file is larger than 10 MB."),
        "unsupported_type": N_("Send a PDF, JPEG or PNG file."),
        "type_mismatch": N_("The file is not what its type says. Send a PDF, JPEG or PNG file."),
        "empty": N_("The file is empty."),
        "file-missing": N_("Choose a file."),
        "confirm-missing": N_("Tick the box to confirm."),
        "purpose-missing": N_("Say why you need to see the victim's data."),
    }
)
# The same code means something more precise on some fields.
FIELD_MESSAGES: dict[tuple[str, str], str] = {
    ("victim.full_name", "missing"): N_("Enter the victim's full name."),
    ("country", "missing"): N_("Enter the country where the help is given."),
    ("urgency", "missing"): N_("Choose how urgent the request is."),
    ("facts", "missing"): N_("Write what happened."),
    ("consent.date", "missing"): N_("Enter the day consent was given."),
    ("items.N.category", "missing"): N_("Choose the kind of help."),
    ("items.N.description", "missing"): N_("Say what is needed."),
    ("items.N.amount", "missing"): N_("Enter the amount."),
    ("items.N.currency", "missing"): N_("Choose the currency."),
    ("answer", "missing"): N_("Write your answer."),
    ("reason", "missing"): N_("Choose a reason."),
    ("no_other_support", "missing"): N_("Confirm that no other support can be reached."),
    ("consent.given", "missing"): N_("Confirm that the victim gave consent."),
    ("country", "string_pattern_mismatch"): N_("Choose a country from the list."),
    ("country", "value_error"): N_("Choose a country from the list."),
    ("victim.nationality", "string_pattern_mismatch"): N_("Choose a country from the list."),
    ("victim.nationality", "value_error"): N_("Choose a country from the list."),
    ("items", "too_short"): N_("Add at least one item."),
    ("document_ids", "too_short"): N_("Choose at least one document."),
}
_ITEM = re.compile(r"^items\.\d+$")
_LISTED = re.compile(r"^(document_ids)\.\d+$")


def translator(request: Request) -> Translator:
    t: Translator = request.state.visitor.t
    return t


def case_errors(t: Translator, exc: ServiceRefusal, prefix: str = "") -> FormErrors:
    """Intake's refusal next to the fields it names, in the person's language. An item's
    amount checked against its currency is named by intake as the whole item: shown at its
    amount. `prefix` tells one form of a page from another."""
    out = FormErrors()
    for error in exc.errors:
        name = field_name(str(error.get("field", "")))
        name = name + ".amount" if _ITEM.match(name) else _LISTED.sub(r"\1", name)
        code = str(error.get("code", ""))
        precise = FIELD_MESSAGES.get((re.sub(r"^items\.\d+\.", "items.N.", name), code))
        text = t.gettext(precise) if precise else message(t, code)
        out.add(prefix + name if name else None, text)
    if not out:
        out.add(None, message(t, exc.code, exc.status))
    return out


def refusal(t: Translator, code: str, field: str | None) -> FormErrors:
    """A refusal of the page's own (a box not ticked, no file chosen), before asking intake."""
    out = FormErrors()
    out.add(field, message(t, code))
    return out


# the list


@router.get("/cases")
async def cases(
    request: Request,
    ctx: Ctx,
    user: Member,
    status: Filter = "",
    urgency: Filter = "",
    submitted_from: Filter = "",
    submitted_to: Filter = "",
    cursor: Filter = "",
) -> Response:
    filters = {
        "status": status,
        "urgency": urgency,
        "submitted_from": submitted_from,
        "submitted_to": submitted_to,
    }
    chosen = {k: v for k, v in filters.items() if v}
    errors = FormErrors()
    try:
        page = await ctx.clients.intake.case_page(
            user.claims, limit=PAGE_SIZE, cursor=cursor or None, **chosen
        )
    except ServiceRefusal as exc:
        if exc.status not in (400, 422):
            raise
        errors = case_errors(translator(request), exc)
        page = CasePage([], None)
    return ctx.renderer.page(
        request,
        "cases/list.html",
        page=page,
        filters=filters,
        statuses=CASE_STATUSES,
        urgencies=URGENCIES,
        errors=errors,
        status_only=not user.has("caseworker"),
        later=f"/cases?{urlencode(chosen | {'cursor': page.next_cursor})}"
        if page.next_cursor
        else None,
        first=f"/cases?{urlencode(chosen)}" if cursor else None,
    )


# a new request


def _form_page(
    request: Request,
    ctx: Ctx,
    form: CaseForm,
    *,
    errors: FormErrors | None = None,
    focus: int | None = None,
    status_code: int = 200,
    template: str = "cases/new.html",
) -> Response:
    t = translator(request)
    return ctx.renderer.page(
        request,
        template,
        status_code=status_code,
        form=form,
        errors=errors or FormErrors(),
        focus=focus,
        categories=CATEGORIES,
        sexes=SEXES,
        urgencies=URGENCIES,
        countries=countries(t.code),
        currencies=currencies(t.code),
    )


def _changed(form: CaseForm, change: object) -> int | None:
    """A row added ("add") or removed ("remove:N"): the row to focus, or -1 for the add button."""
    if change == "add":
        return form.add_row()
    if isinstance(change, str) and change.startswith("remove:") and change[7:].isdigit():
        form.remove_row(int(change[7:]))
        return -1
    return None


@router.get("/cases/new")
async def new_case(request: Request, ctx: Ctx, _: Caseworker) -> Response:
    return _form_page(request, ctx, CaseForm())


@router.post("/cases/new/items")
async def item_rows(request: Request, ctx: Ctx, _: Caseworker) -> Response:
    """The item rows after one is added or removed in place (htmx): the rows' values travel in
    the request's body, never in its URL, and are sent back, not kept."""
    submitted = await request.form()
    form = CaseForm.read(submitted)
    focus = _changed(form, submitted.get("change"))
    return _form_page(request, ctx, form, focus=focus, template="cases/item_rows.html")


@router.post("/cases/new")
async def submit_case(request: Request, ctx: Ctx, user: Caseworker) -> Response:
    """The request sent to intake once per form (its Idempotency-Key): a double click or the
    same form sent again answers with the case made the first time. Without JavaScript, the
    item buttons come here too: the form comes back with a row more or less, nothing sent."""
    submitted = await request.form()
    form = CaseForm.read(submitted)
    focus = _changed(form, submitted.get("change"))
    if focus is not None:
        return _form_page(request, ctx, form, focus=focus)
    form.compact()
    t = translator(request)
    try:
        reply = await ctx.clients.intake.call(
            "POST",
            "/cases",
            user.claims,
            json=form.body(t.code),
            headers={"Idempotency-Key": form.key},
        )
    except ServiceRefusal as exc:
        if exc.code == "idempotency-key-reused":
            form.key = new_key()
        return _form_page(
            request, ctx, form, errors=case_errors(t, exc), status_code=_shown(exc.status)
        )
    created: dict[str, Any] = reply.body
    return redirect(request, f"/cases/{created['case_id']}?done=submitted")


def _shown(status: int) -> int:
    """The status a form shown again answers with: the refusal's, or 422 for a malformed one."""
    return status if status in (409, 412, 413, 415, 422) else 422
