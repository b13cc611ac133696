"""`make bench` at a tiny scale: every figure is produced, positive, and lands in the JSON.

No timing is asserted here: performance is measured by the benchmark, never by timed tests.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bench import report, system
from bench.__main__ import main

pytestmark = pytest.mark.slow


def _positive(data: dict[str, Any], *path: str) -> None:
    node: Any = data
    for key in path:
        assert isinstance(node, dict) and key in node, f"missing {'.'.join(path)}"
        node = node[key]
    assert isinstance(node, int | float) and node > 0, f"{'.'.join(path)} = {node!r}"


def test_bench_produces_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    assert (
        main(
            [
                "--scale",
                "0.01",
                "--skip-startup",
                "--out",
                str(out),
                "--root",
                str(tmp_path / "system"),
            ]
        )
        == 0
    )
    data = json.loads(out.read_text())

    assert {"meta", "raw", "intake", "propagation", "decision", "audit", "memory"} <= data.keys()
    for path in [
        ("raw", "nats", "publish_per_s"),
        ("raw", "nats", "consume_per_s"),
        ("raw", "pg_insert", "per_s"),
        ("raw", "tx_publish", "per_s"),
        ("raw", "batched_fetch_insert", "per_s"),
        ("intake", "cases_per_s"),
        ("intake", "p50_ms"),
        ("intake", "p99_ms"),
        ("intake", "ratio"),
        ("propagation", "to_assessment", "p50_ms"),
        ("propagation", "to_assessment", "p99_ms"),
        ("propagation", "to_audit", "p50_ms"),
        ("propagation", "to_audit", "p99_ms"),
        ("audit", "append", "entries_per_s"),
        ("audit", "append", "ratio"),
        ("audit", "verify", "entries_per_s"),
        ("audit", "verify", "reference_per_s"),
        ("audit", "merkle", "root_hash", "median_ms"),
        ("audit", "merkle", "inclusion_proof", "median_ms"),
        ("audit", "merkle", "consistency_proof", "median_ms"),
        ("audit", "merkle", "pymerkle", "inclusion_proof", "median_ms"),
    ]:
        _positive(data, *path)
    assert data["audit"]["verify"]["ok"] and data["audit"]["verify"]["same_root"]
    assert set(data["memory"]) == {"intake", "assessment", "disbursement", "audit", "web"}
    for name in data["memory"]:
        _positive(data, "memory", name, "rss_mb")
    assert data["decision"]["status"] == "ok", data["decision"]
    assert data["decision"]["missing"] == 0
    for path in [
        ("decision", "saturating_per_s"),
        ("decision", "rate_per_s"),
        ("decision", "p50_ms"),
        ("decision", "p99_ms"),
        ("intake", "cpu_ms_per_case", "total_ms"),
        ("intake", "cpu_ms_per_case", "per_unit_ms", "intake"),
        ("intake", "cpu_ms_per_case", "per_unit_ms", "postgresql"),
        ("decision", "cpu_ms_per_decision", "per_unit_ms", "disbursement"),
        ("web", "browsing", "pages_per_s"),
        ("web", "browsing", "api_calls_per_s"),
        ("web", "browsing", "ratio"),
        ("web", "browsing", "pages", "p99_ms"),
        ("web", "bytes", "assets_bytes"),
        ("web", "bytes", "pages", "/", "first_visit_bytes"),
        ("web", "bytes", "pages", "/", "next_visit_bytes"),
        ("web", "slow_link", "sign_in_first_visit_ms"),
        ("web", "slow_link", "case_page_ms"),
    ]:
        _positive(data, *path)
    table = report.markdown(data)
    assert "| intake: cases/s at" in table and "raw limit (same run)" in table
    assert "| disbursement |" in table
    assert "| pages/s at" in table and "slow link: sign-in usable" in table


def test_launcher_timing_reads_the_ready_line(tmp_path: Path) -> None:
    result = system.launch_to_ready(tmp_path / "root")
    _positive(result, "wall_s")
    _positive(result, "reported_s")
