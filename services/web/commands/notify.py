"""Notifications, the unit of work: an event (inbox guard, ack after commit) becomes inbox
entries and queued e-mails for the people who must hear of it; a person reads them and
chooses which come by e-mail. The only place their transactions open."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from services.web.clients import ServiceRefusal, ServiceUnavailable
from services.web.context import WebContext
from services.web.domain import notifications as domain
from services.web.domain.notifications import CaseFacts, Notice
from services.web.keys import Claims
from services.web.mail.compose import sender_domain
from services.web.repository import notifications as repository
from shared import inbox
from shared.consume import Retry
from shared.db import Connection
from shared.events.disbursement import PaymentFailed
from shared.events.envelope import CloudEvent

CONSUMER = "web"
# Who the web is when it asks the assessment service about a case for a notification: a
# reader of the case view (ids, codes, queues; the assessment service holds no personal data).
NOTIFIER = Claims("web", "vfund web notifications", ("fund_manager",), None, None)

Tell = Callable[[CaseFacts], Sequence[Notice]]


def now() -> datetime:
    # Notifications keep real time: the pages' clock is moved by tests of sessions.
    return datetime.now(UTC)


def _fresh(ctx: WebContext, event: CloudEvent[Any]) -> bool:
    max_age = timedelta(hours=ctx.settings.notify_max_age_hours)
    return domain.fresh(event.time, now(), max_age)


async def case_facts(ctx: WebContext, case_id: str) -> CaseFacts | None:
    """The case as the assessment service has it now; None when it does not know it (or the
    id is none it could hold)."""
    path = f"/cases/{quote(case_id, safe='')}"
    try:
        reply = await ctx.clients.assessment.call("GET", path, NOTIFIER)
    except ServiceRefusal as exc:
        if exc.status in (404, 422):
            return None
        raise
    except ServiceUnavailable as exc:
        # A passing outage: retried for as long as it lasts, never dead-lettered.
        raise ConnectionError("the assessment service is unavailable") from exc
    body = reply.body
    return CaseFacts(
        case_id=str(body["case_id"]),
        reference=str(body["reference"]),
        org_id=str(body["org_id"]),
        urgency=str(body["urgency"]),
        queues=frozenset(str(q) for q in body["queues"]),
        missing=frozenset(str(k) for k in body["needs"]["missing"]),
        version=int(body["version"]),
        answered=frozenset(
            str(r["request_id"]) for r in body["information_requests"] if r.get("answered_at")
        ),
    )


async def about_case(
    ctx: WebContext,
    event: CloudEvent[Any],
    case_id: str,
    tell: Tell | None = None,
    *,
    published: datetime,
    taken: Callable[[CaseFacts], bool] | None = None,
) -> None:
    """An event about a case: the queues it entered since the web last saw it, and what the
    event itself tells.

    Early (the assessment service does not know the case yet, or has not `taken` another
    service's event yet): asked again later, for as long as an early event may wait
    (`VFUND_RETRY_WINDOW_SECONDS` since it reached the stream). After that the assessment
    service has refused it (and dead-lettered it there): the web tells what it knows."""
    if not _fresh(ctx, event):
        return
    facts = await case_facts(ctx, case_id)
    if facts is None or (taken is not None and not taken(facts)):
        if now() - published < timedelta(seconds=ctx.settings.retry_window_seconds):
            raise Retry("the assessment service has not taken the event yet")
        if facts is None:
            await about(ctx, event, [])
            return
    at = now()
    async with ctx.db.transaction() as tx:
        if not await inbox.first_time(tx, event.id, consumer=CONSUMER):
            return
        seen = await repository.seen(tx, facts=facts, now=at)
        after, entered = domain.entered(seen, facts)
        if after != seen:
            await repository.save_seen(tx, case_id=facts.case_id, seen=after, now=at)
        notices = domain.queued(event.id, facts, entered)
        notices += list(tell(facts)) if tell else []
        await _tell(tx, ctx, notices, at)


async def about(ctx: WebContext, event: CloudEvent[Any], notices: Sequence[Notice]) -> None:
    """An event whose notices need nothing but the event."""
    if not _fresh(ctx, event):
        return
    at = now()
    async with ctx.db.transaction() as tx:
        if not await inbox.first_time(tx, event.id, consumer=CONSUMER):
            return
        await _tell(tx, ctx, notices, at)


async def payment_failed(ctx: WebContext, event: CloudEvent[PaymentFailed]) -> None:
    """Finance hears of it whether or not the case is known to the assessment service (a
    payment is never kept from them for want of a reference)."""
    if not _fresh(ctx, event):
        return
    case_id = event.data.case_id
    async with ctx.db.connection() as conn:
        reference = await repository.known_reference(conn, case_id=case_id)
    if reference is None and (facts := await case_facts(ctx, case_id)) is not None:
        reference = facts.reference
    notice = domain.payment_failed(event.id, case_id=case_id, reference=reference)
    await about(ctx, event, [notice])


async def _tell(tx: Connection, ctx: WebContext, notices: Sequence[Notice], at: datetime) -> None:
    """Inbox entries for everyone who hears each notice; e-mails for those who want them."""
    if not notices:
        return
    roles = sorted(set().union(*(n.audience.roles for n in notices)))
    people = await repository.people(tx, roles=roles)
    told = [(n, p) for n in notices for p in domain.recipients(n, people)]
    made = await repository.add_notifications(tx, told=told, now=at)
    if ctx.mailer is None:
        return
    mail_domain = sender_domain(ctx.settings.mail_from)
    mails = [
        repository.Mail(
            notification_id=t.notification_id,
            message_id=domain.message_id(t.notice.key, t.person.account_id, mail_domain),
            recipient=t.person.email,
            language=t.person.language,
        )
        for t in made
        if domain.by_email(t.person, t.notice)
    ]
    await repository.queue_mail(tx, mails=mails, now=at)


# What a person does with their notifications.


async def mark(ctx: WebContext, *, account_id: str, notification_id: str, read: bool) -> bool:
    """Read or unread again; False when the person has no such notification."""
    try:
        nid = uuid.UUID(notification_id)
    except ValueError:
        return False
    async with ctx.db.transaction() as tx:
        return await repository.mark(
            tx, account_id=account_id, notification_id=nid, read_at=now() if read else None
        )


async def mark_all_read(ctx: WebContext, *, account_id: str) -> int:
    async with ctx.db.transaction() as tx:
        return await repository.mark_all_read(tx, account_id=account_id, now=now())


async def choose_email(
    ctx: WebContext, *, account_id: str, roles: Sequence[str], wanted: Sequence[str]
) -> None:
    """E-mail for the ticked kinds of the person's roles, none for the others."""
    kinds = domain.kinds_for(roles)
    async with ctx.db.transaction() as tx:
        await repository.set_email_choices(
            tx, account_id=account_id, kinds=kinds, off=domain.email_off(roles, wanted)
        )
