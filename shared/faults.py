"""Crash points for fault tests: a process dies here with SIGKILL when its settings arm it."""

from __future__ import annotations

import os
import random
import signal

# Armed once at startup from the settings (`arm`), read on the hot path: one set lookup.
_ARMED_POINTS: frozenset[str] = frozenset()
_ARMED_PROBABILITY = 1.0


def arm(points: str, probability: float) -> None:
    """Set the crash points of this process (`VFUND_CRASH_POINTS`, comma-separated)."""
    global _ARMED_POINTS, _ARMED_PROBABILITY
    _ARMED_POINTS = frozenset(p for p in points.split(",") if p)
    _ARMED_PROBABILITY = probability


def crash_point(name: str) -> None:
    if name in _ARMED_POINTS and random.random() < _ARMED_PROBABILITY:
        os.kill(os.getpid(), signal.SIGKILL)
