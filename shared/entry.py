"""What a service process does before it imports anything else.

Some libraries import modules a service never uses, just because they are importable. Each one
kept out here is a few MB of every service's 80 MB budget (measured), and nothing else:

- `rich`: the test tool schemathesis installs it, and structlog, finding it, imports rich's
  traceback and pretty-printer machinery (with pygments) into every process that logs (2-5 MB).
  A service never renders a rich traceback: its logs are JSON and never carry a frame's locals
  (they can hold personal data). The production image does not install it at all; this makes the
  development run behave the same.
- `pydantic.v1`: pydantic's compatibility copy of its old version (1 MB). FastAPI imports it only
  to refuse v1 models, of which vfund has none, and treats its absence (as in a pydantic without
  it) as "no v1 model here".
"""

from __future__ import annotations

import sys

NEVER_IN_A_SERVICE = ("rich", "pydantic.v1")


def keep_unused_modules_out() -> None:
    """Make the modules above unimportable in this process (importing one raises ImportError,
    which every library that uses it optionally already handles)."""
    for name in NEVER_IN_A_SERVICE:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]
