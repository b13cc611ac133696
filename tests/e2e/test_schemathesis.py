"""Hostile input at scale: schemathesis against every service's OpenAPI, with valid tokens."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support import Api

# Who calls each service: the role that gets past authorisation, so the fuzzing reaches the
# validation and business rules behind it (schemathesis also tries without the header).
CALLERS = {
    "intake": "caseworker-a",
    "assessment": "manager-1",
    "disbursement": "finance-1",
    "audit": "auditor-1",
}
# 12 before issue 15; each phase generates up to this many cases per operation.
EXAMPLES = os.environ.get("VFUND_FUZZ_EXAMPLES", "30")


@pytest.mark.parametrize("service", CALLERS)
def test_no_server_error_and_no_schema_violation(api: Api, service: str, tmp_path: Path) -> None:
    if service not in api.stack.services:
        pytest.skip(f"{service} not started in this session")
    url = api.stack.services[service].url
    report = tmp_path / "report.json"
    result = subprocess.run(
        [
            sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json",
            "--checks", "all", "--exclude-checks", "positive_data_acceptance",
            "--mode", "all", "--max-examples", EXAMPLES, "--seed", "20261122",
            # Stateful: sequences that follow the OpenAPI links (shared/links.py) from a create
            # or a list to the reads and changes of what it answered, with its ETag.
            "--phases", "examples,coverage,fuzzing,stateful",
            "--header", f"Authorization: Bearer {api.tokens[CALLERS[service]]}",
            "--exclude-path-regex", "^/(metrics|asyncapi.json|health/.*)$",
            "--request-timeout", "20", "--workers", "1", "--no-shrink",
            "--suppress-health-check", "all", "--warnings", "off",
            "--report", "ndjson", "--report-ndjson-path", str(report),
        ],
        capture_output=True, text=True, timeout=900, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "Stateful" in result.stdout, "the stateful phase did not run"


def test_personal_responses_are_never_cached(api: Api) -> None:
    from support.factories import case_body

    case_id = api.post("intake", "/cases", user="caseworker-a", json=case_body()).json()["case_id"]
    for user in ("caseworker-a", "medical-1", "legal-1"):
        response = api.get("intake", f"/cases/{case_id}", user=user)
        assert response.status_code == 200
        assert response.json()["personal_data"] == "included"
        assert response.headers["cache-control"] == "no-store"
    withheld = api.get("intake", f"/cases/{case_id}", user="manager-1")
    assert withheld.json().get("victim") is None
    assert json.dumps(withheld.json()).find("full_name") == -1
