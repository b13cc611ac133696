"""When a session ends, and when a sensitive action asks who you are again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Ended = Literal["idle", "absolute"]


@dataclass(frozen=True)
class SessionPolicy:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    step_up: timedelta = timedelta(minutes=5)
    # A pending second step (code after password) lasts no longer than this.
    second_factor: timedelta = timedelta(minutes=10)
    # last_seen_at is written at most this often (a page view is otherwise read-only).
    touch_every: timedelta = timedelta(seconds=60)


def ended(
    *,
    created_at: datetime,
    last_seen_at: datetime,
    stage: str,
    now: datetime,
    policy: SessionPolicy,
) -> Ended | None:
    if now - created_at >= policy.absolute:
        return "absolute"
    if stage != "active" and now - created_at >= policy.second_factor:
        return "idle"
    if now - last_seen_at >= policy.idle:
        return "idle"
    return None


def needs_touch(last_seen_at: datetime, now: datetime, policy: SessionPolicy) -> bool:
    return now - last_seen_at >= policy.touch_every


def step_up_needed(verified_at: datetime, now: datetime, policy: SessionPolicy) -> bool:
    return now - verified_at > policy.step_up
