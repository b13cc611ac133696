"""The units of work of the disbursement service: the only place a write transaction opens.

Each command opens it (or lets shared.idempotency open it, for creating POSTs), guards it (the
inbox for events, If-Match for changes), loads and locks what it changes, applies the domain,
saves, and queues the events in the same transaction."""

from __future__ import annotations

from shared.deps import check_if_match


def check_reviewed(if_match: str | None, version: int) -> None:
    """A confirmation or approval names the version the officer reviewed (428 without it, 412
    when the resource changed since)."""
    check_if_match(if_match, version, required=True)
