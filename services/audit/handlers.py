"""The audit writer: every event on vfund.> (dead letters aside) appended once, in stream order."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.audit.repository import NewEntry
from services.audit.tree_store import NotAnEvent, parse_entry
from shared.consume import Batch, consume_in_order
from shared.events import subjects

if TYPE_CHECKING:
    from services.audit.context import AuditContext

DEADLETTER_PREFIX = subjects.deadletter("")


async def write_log(ctx: AuditContext) -> None:
    """Background job: append each fetch of `vfund.>` in one transaction.

    The log is written here, not by a FastStream subscriber: it must take whole fetches in
    stream order (see shared.consume.consume_in_order)."""

    async def append(batch: Batch) -> None:
        entries: list[NewEntry] = []
        for raw in batch.msgs:
            if raw.subject.startswith(DEADLETTER_PREFIX):
                continue  # kept on their own subject; logging them would log their event twice
            try:
                entries.append(parse_entry(raw))
            except NotAnEvent as exc:
                await batch.dead_letter(raw, str(exc))
        if entries:
            await ctx.writer.append(entries)

    await consume_in_order(
        ctx.delivery,
        append,
        subject=subjects.ALL,
        durable="audit-log",
        batch=ctx.settings.audit_batch,
    )
