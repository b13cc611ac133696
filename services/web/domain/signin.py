"""Throttling and lockout of failed sign-ins: the same answer whatever was wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    slow_after: int = 3
    slow: timedelta = timedelta(seconds=2)
    lock_after: int = 10
    lock_for: timedelta = timedelta(minutes=15)
    max_wait: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class Attempts:
    """Failed attempts in a row for one typed username (known or not)."""

    failures: int
    next_allowed_at: datetime


@dataclass(frozen=True)
class Failure:
    attempts: Attempts
    # Set when this failure locks an existing account.
    lock_until: datetime | None


def wait_before(attempts: Attempts | None, now: datetime) -> timedelta:
    """How long the next attempt must wait (zero when it may go ahead)."""
    if attempts is None or attempts.next_allowed_at <= now:
        return timedelta(0)
    return attempts.next_allowed_at - now


def fail(attempts: Attempts | None, now: datetime, policy: ThrottlePolicy) -> Failure:
    """One more failure: slower after `slow_after`, the account locked at `lock_after`."""
    failures = (attempts.failures if attempts else 0) + 1
    lock_until = None
    if failures >= policy.lock_after:
        lock_until = now + policy.lock_for
        wait = policy.lock_for
        failures = 0
    elif failures >= policy.slow_after:
        wait = min(policy.slow * 2 ** (failures - policy.slow_after), policy.max_wait)
    else:
        wait = timedelta(0)
    return Failure(Attempts(failures, now + wait), lock_until)


def is_locked(locked_until: datetime | None, now: datetime) -> bool:
    return locked_until is not None and locked_until > now
