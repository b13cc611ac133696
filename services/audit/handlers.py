"""The audit service's background jobs: the log writer (every event on vfund.>, dead letters
aside, appended once, in stream order) and the tree-head signer."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from services.audit.domain.entries import NewEntry, NotAnEvent, entry_of
from shared.consume import Batch, consume_in_order
from shared.events import subjects

if TYPE_CHECKING:  # the context module imports the commands this module's jobs call
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
                entries.append(
                    entry_of(
                        raw.data, nats_subject=raw.subject, stream_seq=raw.metadata.sequence.stream
                    )
                )
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


async def sign_heads(ctx: AuditContext) -> None:
    """Background job (the service shell repeats it forever): wait one interval, then sign."""
    await asyncio.sleep(ctx.settings.tree_head_interval_seconds)
    await ctx.signer.sign_if_grown()
