"""Logs never carry what a failed request quoted, nor personal keys a caller passed by mistake."""

from __future__ import annotations

import io
import logging
import sys

from shared.logging import _drop_personal_keys, _error_text_withheld


def test_a_failed_request_logs_the_exception_type_not_its_text() -> None:
    try:
        raise ValueError("Key (full_name)=(SECRET PERSON) already exists")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1,
                               "Exception in ASGI application\n", None, exc_info)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(_error_text_withheld)
    if handler.filter(record):
        handler.emit(record)
    text = stream.getvalue()
    assert "ValueError" in text
    assert "SECRET" not in text


def test_startup_failures_keep_their_text() -> None:
    try:
        raise RuntimeError("stream VFUND: storage is not file")
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord("uvicorn.error", logging.ERROR, __file__, 1,
                               "Application startup failed. Exiting.", None, exc_info)
    assert _error_text_withheld(record)
    assert record.exc_info is not None


def test_personal_keys_are_withheld_from_structured_logs() -> None:
    out = _drop_personal_keys(None, "info", {"event": "x", "full_name": "A", "facts": "B",
                                             "case_id": "c"})
    assert out == {"event": "x", "full_name": "[withheld]", "facts": "[withheld]",
                   "case_id": "c"}
