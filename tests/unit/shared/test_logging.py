"""Logs never carry what a failed request quoted, nor personal keys a caller passed by mistake."""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys

from shared.logging import _drop_personal_keys, _error_text_withheld, _tracebacks_without_locals


def test_a_failed_request_logs_the_exception_type_not_its_text() -> None:
    try:
        raise ValueError("Key (full_name)=(SECRET PERSON) already exists")
    except ValueError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "uvicorn.error",
        logging.ERROR,
        __file__,
        1,
        "Exception in ASGI application\n",
        None,
        exc_info,
    )
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
    record = logging.LogRecord(
        "uvicorn.error",
        logging.ERROR,
        __file__,
        1,
        "Application startup failed. Exiting.",
        None,
        exc_info,
    )
    assert _error_text_withheld(record)
    assert record.exc_info is not None


def test_personal_keys_are_withheld_from_structured_logs() -> None:
    out = _drop_personal_keys(
        None, "info", {"event": "x", "full_name": "A", "facts": "B", "case_id": "c"}
    )
    assert out == {"event": "x", "full_name": "[withheld]", "facts": "[withheld]", "case_id": "c"}


def test_a_logged_traceback_names_frames_but_never_their_locals() -> None:
    def decrypt_and_fail() -> None:
        full_name = "CANARY-LOCAL-NAME"  # noqa: F841 - a local a careless traceback would print
        raise KeyError("case")

    try:
        decrypt_and_fail()
    except KeyError:
        exc_info = sys.exc_info()
    rendered = json.dumps(
        _tracebacks_without_locals(None, "error", {"event": "failed", "exc_info": exc_info})
    )
    assert "decrypt_and_fail" in rendered
    assert "KeyError" in rendered
    assert "CANARY-LOCAL-NAME" not in rendered


def test_a_service_process_keeps_unused_modules_out() -> None:
    """schemathesis installs rich for the tests and FastAPI imports pydantic.v1 to refuse v1
    models: a service must neither import them (2-5 MB and 1 MB a process) nor fail because it
    can't."""
    probe = (
        "from shared.entry import keep_unused_modules_out; keep_unused_modules_out()\n"
        "import services.intake.app, services.assessment.app, services.disbursement.app,"
        " services.audit.app, sys\n"
        "print(sorted({'.'.join(m.split('.')[:2]) for m, v in sys.modules.items() if v}))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "'structlog'" in loaded
    assert "'rich'" not in loaded
    assert "'pygments'" not in loaded
    assert "'pydantic.main'" in loaded
    assert "'pydantic.v1'" not in loaded
