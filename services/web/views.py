"""Read models of the pages: what the home page shows each role, from the services' APIs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from services.web import repository
from services.web.access import User
from services.web.clients import ServiceRefusal, ServiceUnavailable
from services.web.context import WebContext
from services.web.domain.navigation import N_


@dataclass
class Section:
    """One box of the home page: a title, a figure, a few lines, a link to the page."""

    key: str
    title: str
    link: str | None
    count: int | None = None
    items: list[Any] = field(default_factory=list)
    failed: bool = False


QUEUES = (
    ("medical_assessor", "medical", N_("Medical assessments waiting"), "/queue/medical"),
    ("legal_assessor", "legal", N_("Legal assessments waiting"), "/queue/legal"),
    ("fund_manager", "decision", N_("Decisions waiting"), "/queue/decision"),
)


async def _filled(section: Section, work: Awaitable[list[Any]], *, limit: int = 5) -> Section:
    try:
        found = await work
    except (ServiceRefusal, ServiceUnavailable):
        section.failed = True
        return section
    section.count = len(found)
    section.items = found[:limit]
    return section


async def home(ctx: WebContext, user: User) -> list[Section]:
    """What needs this person now, by role; a service that does not answer leaves its box
    saying so, and the rest of the page still shows."""
    claims = user.claims
    pending: list[Awaitable[Section]] = []
    if user.has("caseworker"):
        pending.append(
            _filled(
                Section("information", N_("Cases waiting for your answer"), "/cases"),
                ctx.clients.intake.cases(claims, status="information_requested", limit=50),
            )
        )
    for role, kind, title, link in QUEUES:
        if user.has(role):
            pending.append(
                _filled(
                    Section(kind, title, link),
                    ctx.clients.assessment.queue(claims, kind, limit=50),  # type: ignore[arg-type]
                )
            )
    if user.has("finance"):
        pending.append(_batches_to_approve(ctx, user))
    sections = list(await asyncio.gather(*pending))
    if user.has("auditor", "donor", "admin"):
        sections.append(await _tree_head(ctx, user))
    if user.has("admin", "org_admin"):
        sections.append(await _people(ctx, user))
    return sections


async def _batches_to_approve(ctx: WebContext, user: User) -> Section:
    section = Section("batches", N_("Batches waiting for your approval"), "/finance/batches")

    async def others() -> list[Any]:
        drafts = await ctx.clients.disbursement.batches(user.claims, status="draft", limit=50)
        # Four eyes: a batch is approved by an officer who did not create it.
        return [b for b in drafts if b.created_by != user.account_id]

    return await _filled(section, others())


async def _tree_head(ctx: WebContext, user: User) -> Section:
    section = Section("log", N_("The audit log"), "/audit/log")
    try:
        head = await ctx.clients.audit.latest_tree_head(user.claims)
    except ServiceRefusal:
        head = None
    except ServiceUnavailable:
        section.failed = True
        return section
    section.items = [head] if head else []
    section.count = head.tree_size if head else 0
    return section


async def _people(ctx: WebContext, user: User) -> Section:
    org = None if user.has("admin") else user.org_id
    async with ctx.db.connection() as conn:
        accounts = await repository.accounts(conn, org_id=org)
    waiting = [a for a in accounts if a.domain.status == "invited"]
    section = Section("people", N_("People"), "/admin/users", count=len(accounts))
    section.items = waiting[:5]
    return section
