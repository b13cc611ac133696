"""Invitations: a single-use link that expires."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

State = Literal["valid", "used", "expired"]


def state(*, expires_at: datetime, used_at: datetime | None, now: datetime) -> State:
    if used_at is not None:
        return "used"
    if now >= expires_at:
        return "expired"
    return "valid"
