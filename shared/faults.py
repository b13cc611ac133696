"""Crash points for fault tests: a process dies here with SIGKILL when the environment asks."""

from __future__ import annotations

import os
import random
import signal

# VFUND_CRASH_POINTS="outbox.after_publish,consumer.after_commit"; VFUND_CRASH_PROBABILITY=0.05.
# Unset in production; read once so the hot path costs one set lookup.
_POINTS = frozenset(p for p in os.environ.get("VFUND_CRASH_POINTS", "").split(",") if p)
_PROBABILITY = float(os.environ.get("VFUND_CRASH_PROBABILITY", "1.0"))


def crash_point(name: str) -> None:
    if name in _POINTS and random.random() < _PROBABILITY:
        os.kill(os.getpid(), signal.SIGKILL)
