"""/audit/log, /audit/tree-heads, /audit/verify: the audit log, its signed tree heads and how to
verify them.

Who may come: auditors and administrators (the whole log), donors (the audit service gives them
only the entries behind their grants' reports). What it asks: the audit service's /log,
/tree-heads, /proofs/inclusion and /proofs/consistency; it shows their answers as they are."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import orjson
from fastapi import Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.background import BackgroundTask

from services.web.access import PageNotFound, User, role_required
from services.web.clients.base import ServiceRefusal
from services.web.context import Ctx
from services.web.forms import FormErrors
from services.web.i18n import Translator
from services.web.pages import page_router

router = page_router()
Reader = Annotated[User, role_required("auditor", "donor", "admin")]
# The whole log is for auditors (and admins), as the audit service's /export says.
Exporter = Annotated[User, role_required("auditor", "admin")]
Text = Annotated[str, Query(max_length=200)]
Number = Annotated[str, Query(max_length=20)]
PAGE = 50
AUDITORS = ("auditor", "admin")


def _refused(t: Translator, exc: ServiceRefusal) -> FormErrors:
    """A 422 of the audit service next to the field it names; anything else is the page's."""
    if exc.status != 422:
        raise exc
    return FormErrors.of_refusal(t, exc)


@router.get("/audit/log")
async def log(
    request: Request,
    ctx: Ctx,
    user: Reader,
    type: Text = "",  # the audit service's names
    subject: Text = "",
    start: Annotated[str, Query(alias="from", max_length=20)] = "",
    end: Annotated[str, Query(alias="to", max_length=20)] = "",
    after: Number = "",
) -> Response:
    t: Translator = request.state.visitor.t
    form = {"type": type, "subject": subject, "from": start, "to": end}
    errors = FormErrors()
    page: dict[str, Any] = {"items": [], "next_cursor": None}
    try:
        reply = await ctx.clients.audit.call(
            "GET", "/log", user.claims, params=form | {"after": after, "limit": PAGE}
        )
        page = reply.body
    except ServiceRefusal as exc:
        errors = _refused(t, exc)
    cursor = page.get("next_cursor")
    more = f"/audit/log?{urlencode({k: v for k, v in form.items() if v} | {'after': cursor})}"
    return ctx.renderer.page(
        request,
        "audit/log.html",
        form=form,
        errors=errors,
        entries=page["items"],
        next_page=more if cursor is not None else None,
    )


@router.get("/audit/tree-heads")
async def tree_heads(
    request: Request,
    ctx: Ctx,
    user: Reader,
    cursor: Number = "",
    first: Number = "",
    second: Number = "",
) -> Response:
    t: Translator = request.state.visitor.t
    audit = ctx.clients.audit
    latest: dict[str, Any] | None = None
    try:
        latest = (await audit.call("GET", "/tree-heads/latest", user.claims)).body
    except ServiceRefusal as exc:
        if exc.status != 404:
            raise
    errors = FormErrors()
    try:
        heads = (
            await audit.call(
                "GET", "/tree-heads", user.claims, params={"limit": PAGE, "cursor": cursor}
            )
        ).body
    except ServiceRefusal as exc:
        errors, heads = _refused(t, exc), {"items": [], "next_cursor": None}
    consistency: dict[str, Any] | None = None
    may_prove = user.has(*AUDITORS)
    if may_prove and (first or second):
        try:
            consistency = (
                await audit.call(
                    "GET",
                    "/proofs/consistency",
                    user.claims,
                    params={"first": first, "second": second},
                )
            ).body
        except ServiceRefusal as exc:
            errors = _refused(t, exc)
    next_cursor = heads.get("next_cursor")
    return ctx.renderer.page(
        request,
        "audit/tree_heads.html",
        latest=latest,
        heads=heads["items"],
        next_page=f"/audit/tree-heads?cursor={next_cursor}" if next_cursor else None,
        may_prove=may_prove,
        form={"first": first, "second": second},
        errors=errors,
        consistency=consistency,
    )


@router.get("/audit/verify")
async def verify(request: Request, ctx: Ctx, user: Reader, index: Number = "") -> Response:
    """How to verify the log offline; with `index`, one entry with its inclusion proof at the
    latest signed tree head."""
    t: Translator = request.state.visitor.t
    audit = ctx.clients.audit
    errors = FormErrors()
    entry: dict[str, Any] | None = None
    proof: dict[str, Any] | None = None
    head: dict[str, Any] | None = None
    public_key = b""
    if index:
        if not index.isdigit() or len(index) > 18:
            errors.add("index", t.gettext("Enter the entry's index, a whole number."))
        else:
            try:
                head = (await audit.call("GET", "/tree-heads/latest", user.claims)).body
                found = await audit.get("/log", user.claims, after=int(index) - 1, limit=1)
            except ServiceRefusal as exc:
                raise PageNotFound from exc
            items = found["items"]
            if not items or items[0]["index"] != int(index):
                raise PageNotFound
            entry = items[0]
            if int(index) < head["tree_size"]:
                proof = await audit.get(
                    "/proofs/inclusion", user.claims, index=index, tree_size=head["tree_size"]
                )
                public_key = await audit.get("/tree-heads/public-key", user.claims)
    return ctx.renderer.page(
        request,
        "audit/verify.html",
        index=index,
        errors=errors,
        entry=entry,
        proof=proof,
        head=head,
        # what the browser's own check reads (the event as the log holds it, parsed again there)
        event_json=_event_json(entry),
        path_json=orjson.dumps(proof["audit_path"]).decode() if proof else "",
        public_key=public_key.decode("ascii"),
        may_export=bool({"auditor", "admin"} & set(user.roles)),
    )


def _event_json(entry: dict[str, Any] | None) -> str:
    """The event for the browser's check; "" when it nests deeper than a serialiser goes (the
    page then points to the offline verifier)."""
    if entry is None:
        return ""
    try:
        return orjson.dumps(entry["event"]).decode()
    except orjson.JSONEncodeError:
        return ""


@router.get("/audit/export.jsonl")
async def export(ctx: Ctx, user: Exporter) -> Response:
    """The log as the audit service exports it (every entry a signed head covers, then those
    heads), passed on as it comes: what `vfund audit verify` takes."""
    upstream = await ctx.clients.audit.stream("/export", user.claims)
    return StreamingResponse(
        upstream.aiter_raw(),
        media_type="application/x-ndjson",
        headers={
            "Content-Disposition": 'attachment; filename="audit-export.jsonl"',
            "Cache-Control": "no-store",
        },
        background=BackgroundTask(upstream.aclose),
    )


@router.get("/audit/public-key.pem")
async def public_key(ctx: Ctx, user: Reader) -> Response:
    """The audit service's public key, to verify the tree heads offline."""
    pem = await ctx.clients.audit.get("/tree-heads/public-key", user.claims)
    return Response(
        pem,
        media_type="application/x-pem-file",
        headers={"Content-Disposition": 'attachment; filename="audit_signing.pub.pem"'},
    )
