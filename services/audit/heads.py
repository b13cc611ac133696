"""Signed tree heads: one per interval while the log grows, stored and published via the outbox.

Cadence: every `tree_head_interval_seconds` the signer heads the whole log if anything other than
`tree_head.signed` events joined it since the last head. A head's own event is logged too, but
alone it never causes another head, so an idle log stays quiet and the work stays bounded (at
most one head per interval); the next real event's head covers those entries as well.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from services.audit import merkle, repository
from services.audit.settings import AuditSettings
from services.audit.verify import format_timestamp, key_id, load_public_key, sign_tree_head
from shared import outbox
from shared.db import Db
from shared.events import subjects
from shared.events.audit import TreeHeadSigned
from shared.events.envelope import event_type, new_event
from shared.faults import crash_point

if TYPE_CHECKING:  # the context holds a HeadSigner; only the job's annotation needs it
    from services.audit.context import AuditContext

HEAD_EVENT_TYPE = event_type(subjects.TREE_HEAD_SIGNED)


def load_signing_key(settings: AuditSettings) -> Ed25519PrivateKey:
    """The configured Ed25519 key; refuses to start without one, or with a mismatched pair."""
    if settings.audit_signing_key is None:
        raise RuntimeError("VFUND_AUDIT_SIGNING_KEY is not set: the audit log cannot sign heads")
    key = serialization.load_pem_private_key(settings.audit_signing_key.read_bytes(), None)
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError("the audit signing key is not an Ed25519 key")
    if settings.audit_public_key is not None:
        public = load_public_key(settings.audit_public_key.read_bytes())
        if key_id(public) != key_id(key.public_key()):
            raise RuntimeError("the audit public key does not match the signing key")
    return key


class HeadSigner:
    def __init__(self, db: Db, key: Ed25519PrivateKey) -> None:
        self._db = db
        self._key = key

    async def sign_if_grown(self, now: datetime | None = None) -> dict[str, Any] | None:
        """Sign, store and publish a head of the whole log if it grew; None if it did not."""
        async with self._db.transaction() as tx:
            await tx.execute("SELECT pg_advisory_xact_lock($1)", repository.SIGNER_LOCK)
            latest = await repository.latest_head(tx)
            size = await repository.log_size(tx)
            if size == 0 or (latest is not None and size <= latest["tree_size"]):
                return None
            if latest is not None and not await repository.grew_since(
                tx, tree_size=latest["tree_size"], except_type=HEAD_EVENT_TYPE
            ):
                return None
            nodes = await repository.fetch_nodes(tx, merkle.frontier_nodes(size))
            root = merkle.root_hash(size, nodes).hex()
            stamp = format_timestamp(now or datetime.now(UTC))
            head = sign_tree_head(self._key, size, root, stamp)
            if not await repository.insert_head(tx, head):
                return None
            event = new_event(
                subjects.TREE_HEAD_SIGNED,
                TreeHeadSigned(**head),
                service="audit",
                subject="audit-log",
                actor="audit",
            )
            await outbox.add(tx, [(subjects.TREE_HEAD_SIGNED, event)], service="audit")
            crash_point("audit.head_before_commit")
        return head


async def sign_periodically(ctx: AuditContext) -> None:
    """Background job (the service shell repeats it forever): wait one interval, then sign."""
    await asyncio.sleep(ctx.settings.tree_head_interval_seconds)
    await ctx.signer.sign_if_grown()
