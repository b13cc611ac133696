"""/assessment/cases/{id}: a case as assessors and fund managers work it.

Who may come: medical and legal assessors, fund managers. What it asks: the case from the
assessment service (with `actions`, what this person may do now: the page offers nothing
else), intake's history of it without personal data; the victim's data and the facts only when
an assessor chooses to see them and says why (intake records the read with that purpose). The
forms post to the services with the version the person saw (If-Match); a decision, a second
approval and a ratification ask for the second factor again after five minutes (step-up)."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response

from services.web.access import PageNotFound, User, role_required, stepped_up
from services.web.clients import Reply, ServiceRefusal
from services.web.context import Ctx
from services.web.domain.navigation import N_
from services.web.forms import FormErrors
from services.web.messages import CASE_STATUSES, register
from services.web.pages import page_router, redirect
from services.web.pages.assessment_case import (
    CaseView,
    Sent,
    checked_id,
    if_match,
    item_lines,
    load,
    renumbered,
    text,
    values_of,
)

router = page_router()
ASSESSOR_ROLES = ("medical_assessor", "legal_assessor")
Reader = Annotated[User, role_required(*ASSESSOR_ROLES, "fund_manager")]
Assessor = Annotated[User, role_required(*ASSESSOR_ROLES)]
Manager = Annotated[User, role_required("fund_manager")]


async def _manager_stepped_up(request: Request, ctx: Ctx, user: Manager) -> User:
    """A fund manager (else the 403 page) who gave the second factor in the last five minutes
    (else asked again: the form is sent again with the code)."""
    return await stepped_up(request, ctx, user)


DecidingManager = Annotated[User, Depends(_manager_stepped_up)]

# Why an assessor reads the victim's personal data: intake records the code with the read.
PURPOSES: dict[str, str] = {
    "assessment": N_("To assess the request"),
    "information_review": N_("To read the answer to a request for information"),
    "duplicate_check": N_("To check a possible duplicate"),
    "safety_check": N_("To check a risk to the person's safety"),
}
DONE: dict[str, str] = {
    "assessed": N_("The assessment is recorded."),
    "asked": N_("The request for information is sent to the caseworker."),
    "ruled": N_("The ruling on the possible duplicate is recorded."),
    "approved": N_("The case is approved."),
    "pending": N_("Your approval is recorded. Another fund manager must now approve it too."),
    "rejected": N_("The case is rejected."),
    "ratified": N_("The fast-track approval is ratified."),
}
register(
    {
        "case-withdrawn": N_("The case was withdrawn."),
        "already-decided": N_("The case has already been decided."),
        "assessment-missing": N_("The assessments this case needs are not all recorded yet."),
        "information-pending": N_("A request for information is still waiting for its answer."),
        "decision-pending": N_("A first approval is waiting for its second: nothing can change."),
        "not-required": N_("This case needs no assessment of this kind."),
        "nothing-to-ratify": N_("No fast-track approval is waiting for ratification."),
        "amounts-differ-from-first-approval": N_(
            "The amounts must be those of the first approval."
        ),
        "wrong-role": N_("Your role does not allow this."),
        "assessor-cannot-decide": N_(
            "You took part in assessing this case: another fund manager must decide it."
        ),
        "same-manager": N_("Another fund manager must confirm this: not the one who approved it."),
        "amount-above-requested": N_("An amount is above what was requested."),
        "amount-not-positive": N_("Enter an amount greater than zero, or leave it empty."),
        "negative-amount": N_("An amount cannot be negative."),
        "currency-mismatch": N_("An amount is not in the currency of its item."),
        "total-too-large": N_("The amounts add up to more than vfund accepts."),
        "unknown-item": N_("This item is not part of the case."),
        "approved-items-required": N_("Approve at least one item, with its amount."),
        "reason-code-required": N_("Choose a reason."),
        "unknown-reason-code": N_("Choose one of the options."),
        "unknown-question-category": N_("Choose one of the options."),
        "not-flagged": N_("The case is no longer flagged as a possible duplicate."),
        "personal-data-in-notes": N_("Some text seems to contain personal data."),
        "personal_data": N_(
            "This seems to contain personal data (a date, a phone number, an e-mail address, an"
            " IBAN or an identity number). Describe the need without them."
        ),
        "precision": N_("Too many decimal places for this currency."),
        "duplicate": N_("Each item once."),
    }
)


async def _page(
    request: Request,
    ctx: Ctx,
    user: User,
    case_id: str,
    *,
    sent: Sent | None = None,
    personal: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    view = await load(ctx, user, case_id)
    sent = sent or Sent()
    return ctx.renderer.page(
        request,
        "assessment/case.html",
        status_code=status_code,
        view=view,
        case=view.case,
        personal=personal,
        sent=sent,
        errors=sent.errors,
        purposes=PURPOSES,
        intake_statuses=CASE_STATUSES,
        done=DONE.get(request.query_params.get("done", ""), ""),
        may_read_personal=user.has(*ASSESSOR_ROLES),
        may_rule=user.has(*ASSESSOR_ROLES),
        key=secrets.token_urlsafe(16),
    )


@router.get("/assessment/cases/{case_id}")
async def case_page(request: Request, ctx: Ctx, user: Reader, case_id: str) -> Response:
    return await _page(request, ctx, user, checked_id(case_id))


@router.post("/assessment/cases/{case_id}/personal-data")
async def personal_data(request: Request, ctx: Ctx, user: Assessor, case_id: str) -> Response:
    """The victim's data and the facts, read from intake with the purpose the assessor chose
    (intake records the read); shown on this answer only, never kept."""
    case_id = checked_id(case_id)
    form = await request.form()
    purpose = form.get("purpose")
    if not isinstance(purpose, str) or purpose not in PURPOSES:
        t = request.state.visitor.t
        errors = FormErrors()
        errors.add("purpose", t.gettext("Choose one of the options."))
        return await _page(request, ctx, user, case_id, sent=Sent("personal", {}, errors))
    try:
        reply = await ctx.clients.intake.call(
            "GET", f"/cases/{case_id}", user.claims, params={"purpose": purpose}
        )
    except ServiceRefusal as exc:
        if exc.status in (404, 422):
            raise PageNotFound from exc
        raise
    return await _page(request, ctx, user, case_id, personal=reply.body)


async def _send(
    request: Request,
    ctx: Ctx,
    user: User,
    case_id: str,
    form_name: str,
    call: Awaitable[Reply],
    *,
    lines: str | None = None,
) -> Response | Reply:
    """Sends the change; a refusal shows the page again with the form as it was sent and the
    service's reasons next to its fields (a stale version: the case as it is now)."""
    form = await request.form()
    numbers: dict[int, int] = {}
    if lines is not None:
        _, numbers = item_lines(form, lines)
    try:
        reply = await call
    except ServiceRefusal as exc:
        if exc.status == 404:
            raise PageNotFound from exc
        if exc.status == 401:  # the web's own token refused: the error page, not the form
            raise
        t = request.state.visitor.t
        if lines is not None:
            renumbered(exc, lines, numbers)
        errors = FormErrors.of_refusal(t, exc)
        values = {} if exc.status == 412 else values_of(form)
        sent = Sent(form_name, values, errors)
        return await _page(request, ctx, user, case_id, sent=sent, status_code=exc.status)
    return reply


def _done(request: Request, case_id: str, outcome: Response | Reply, done: str) -> Response:
    if isinstance(outcome, Response):
        return outcome
    return redirect(request, f"/assessment/cases/{case_id}?done={done}")


def _headers(form: Any, version_field: str = "version") -> dict[str, str]:
    key = form.get("idempotency_key")
    headers = if_match(form.get(version_field))
    if isinstance(key, str) and 8 <= len(key) <= 64:
        headers["Idempotency-Key"] = key
    return headers


@router.post("/assessment/cases/{case_id}/assessment")
async def assess(request: Request, ctx: Ctx, user: Assessor, case_id: str) -> Response:
    case_id = checked_id(case_id)
    form = await request.form()
    kind = form.get("kind")
    if kind not in ("medical", "legal"):
        raise PageNotFound
    lines, _ = item_lines(form, "recommended_items")
    body: dict[str, Any] = {
        "recommendation": text(form, "recommendation"),
        "recommended_items": lines,
        "notes": text(form, "notes"),
    }
    reason = text(form, "exceeding_reason")
    if reason.strip():
        body["exceeding_reason"] = reason
    call = ctx.clients.assessment.call(
        "POST",
        f"/cases/{case_id}/{kind}-assessment",
        user.claims,
        json=body,
        headers=_headers(form),
    )
    outcome = await _send(
        request, ctx, user, case_id, "assessment", call, lines="recommended_items"
    )
    return _done(request, case_id, outcome, "assessed")


@router.post("/assessment/cases/{case_id}/information-request")
async def request_information(request: Request, ctx: Ctx, user: Assessor, case_id: str) -> Response:
    case_id = checked_id(case_id)
    form = await request.form()
    body = {"question_category": text(form, "question_category")}
    call = ctx.clients.assessment.call(
        "POST",
        f"/cases/{case_id}/information-requests",
        user.claims,
        json=body,
        headers=_headers(form),
    )
    outcome = await _send(request, ctx, user, case_id, "information", call)
    return _done(request, case_id, outcome, "asked")


@router.post("/assessment/cases/{case_id}/duplicate-ruling")
async def rule_on_duplicate(request: Request, ctx: Ctx, user: Assessor, case_id: str) -> Response:
    """Intake's ruling (the blind-index match is intake's), with the version of intake's case
    the assessor saw."""
    case_id = checked_id(case_id)
    form = await request.form()
    body = {"reason_code": text(form, "reason_code")}
    call = ctx.clients.intake.call(
        "POST",
        f"/cases/{case_id}/duplicate-ruling",
        user.claims,
        json=body,
        headers=_headers(form, "intake_version"),
    )
    outcome = await _send(request, ctx, user, case_id, "duplicate", call)
    return _done(request, case_id, outcome, "ruled")


@router.post("/assessment/cases/{case_id}/decision")
async def decide(request: Request, ctx: Ctx, user: DecidingManager, case_id: str) -> Response:
    """A first approval (amounts per item), a second approval (the first one's amounts), or a
    rejection (a reason code): 200 when final, 202 when a second manager must approve."""
    case_id = checked_id(case_id)
    form = await request.form()
    decision = form.get("decision")
    body: dict[str, Any] = {"decision": decision}
    if decision == "approve":
        body["approved_items"], _ = item_lines(form, "approved_items")
        form_name = "second" if form.get("second") == "1" else "approve"
    elif decision == "reject":
        body["reason_code"] = text(form, "reason_code") or None
        form_name = "reject"
    else:
        raise PageNotFound
    call = ctx.clients.assessment.call(
        "POST", f"/cases/{case_id}/decision", user.claims, json=body, headers=_headers(form)
    )
    outcome = await _send(request, ctx, user, case_id, form_name, call, lines="approved_items")
    if isinstance(outcome, Reply) and decision == "approve":
        return _done(request, case_id, outcome, "pending" if outcome.status == 202 else "approved")
    return _done(request, case_id, outcome, "rejected")


@router.post("/assessment/cases/{case_id}/ratification")
async def ratify(request: Request, ctx: Ctx, user: DecidingManager, case_id: str) -> Response:
    case_id = checked_id(case_id)
    form = await request.form()
    call = ctx.clients.assessment.call(
        "POST", f"/cases/{case_id}/ratification", user.claims, headers=_headers(form)
    )
    outcome = await _send(request, ctx, user, case_id, "ratify", call)
    return _done(request, case_id, outcome, "ratified")


__all__ = ["CaseView", "router"]
