"""What a service process does before it imports anything else.

The development tools install packages beside vfund that libraries then use just because they
are importable: schemathesis brings `rich`, and structlog, finding it, imports rich's traceback
and pretty-printer machinery (with pygments) into every process that logs. A service never renders
a rich traceback: its logs are JSON and never carry a frame's locals (they can hold personal
data). Kept out, they cost nothing; let in, ~6 MB of every service's 80 MB budget. The production
image does not install them at all; this makes the development run behave the same.
"""

from __future__ import annotations

import sys

NEVER_IN_A_SERVICE = ("rich",)


def keep_dev_tools_out() -> None:
    """Make the packages above unimportable in this process (`import rich` raises ImportError,
    which every library that uses it optionally already handles)."""
    for name in NEVER_IN_A_SERVICE:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]
