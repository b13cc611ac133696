"""structlog JSON logging with correlation and causation ids bound per request and per event."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any, TextIO

import structlog
from structlog.contextvars import bind_contextvars, clear_contextvars
from structlog.processors import ExceptionRenderer
from structlog.tracebacks import ExceptionDictTransformer

# Keys that must never reach a log line, whatever a caller passes by mistake.
_FORBIDDEN_KEYS = frozenset(
    {"victim", "full_name", "date_of_birth", "contact", "facts", "nationality", "body", "content"}
)


def _drop_personal_keys(
    _: Any, __: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    for key in _FORBIDDEN_KEYS & event_dict.keys():
        event_dict[key] = "[withheld]"
    return event_dict


# structlog's structured tracebacks include every frame's local variables by default: a failed
# request's locals hold the decrypted case. A traceback here names files, lines and types only.
_tracebacks_without_locals = ExceptionRenderer(
    ExceptionDictTransformer(show_locals=False, use_rich=False)
)


def configure(service: str, level: str = "INFO", log_file: Path | None = None) -> None:
    stream: TextIO = open(log_file, "a", buffering=1) if log_file else sys.stdout  # noqa: SIM115
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _drop_personal_keys,
            _tracebacks_without_locals,
            structlog.processors.JSONRenderer(),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(stream),
        cache_logger_on_first_use=True,
    )
    bind_contextvars(service=service)
    # Libraries log through stdlib logging; route their warnings to the same stream, as JSON-ish.
    logging.basicConfig(
        stream=stream, level=logging.WARNING, format="%(name)s %(levelname)s %(message)s"
    )
    logging.getLogger("uvicorn.access").disabled = True
    for handler in logging.getLogger().handlers:
        handler.addFilter(_error_text_withheld)


def _error_text_withheld(record: logging.LogRecord) -> bool:
    """A failed request's exception text can quote the data it failed on (a database error's
    DETAIL, a parser's input): such a record keeps the exception's type, not its text."""
    if record.exc_info and record.name.startswith("uvicorn") and "ASGI" in str(record.msg):
        exc_type = record.exc_info[0]
        record.msg = f"{record.msg}: {exc_type.__name__ if exc_type else 'error'}"
        record.exc_info = None
        record.exc_text = None
    return True


def bind_story(*, correlationid: str | None, causationid: str | None) -> None:
    bind_contextvars(correlationid=correlationid, causationid=causationid)


def unbind_story() -> None:
    clear_contextvars()


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)  # type: ignore[no-any-return]
