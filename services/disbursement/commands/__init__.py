"""The units of work of the disbursement service: the only place a write transaction opens.

Each command opens it (or lets shared.idempotency open it, for creating POSTs), guards it (the
inbox for events, If-Match for changes), loads and locks what it changes, applies the domain,
saves, and queues the events in the same transaction."""

from __future__ import annotations

from shared.deps import check_if_match
from shared.problems import Problem


def check_reviewed(if_match: str | None, version: int) -> None:
    """A confirmation or approval names the version the officer reviewed: 428 without it (or
    with `*`, which names none), 412 when the resource changed since."""
    tags = {tag.strip() for tag in (if_match or "").split(",")}
    if if_match is None or "*" in tags:
        raise Problem(
            428,
            "confirm what you reviewed: send If-Match with the ETag you were shown",
            code="if-match-required",
        )
    check_if_match(if_match, version, required=True)
