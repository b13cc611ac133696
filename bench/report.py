"""Figures: percentiles, ratios to the raw limit, targets, and the markdown table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

Json = dict[str, Any]


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of a non-empty sample."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


def latency(seconds: Sequence[float]) -> Json:
    """p50/p99/max in milliseconds of a sample of durations in seconds."""
    if not seconds:
        return {"n": 0}
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 0.50), 3),
        "p99_ms": round(percentile(ms, 0.99), 3),
        "max_ms": round(max(ms), 3),
    }


def ratio(value: float | None, limit: float | None) -> float | None:
    if not value or not limit:
        return None
    return round(value / limit, 3)


def _num(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        text = f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"
    else:
        text = f"{value:,}" if isinstance(value, int) else str(value)
    return f"{text}{unit}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f}%"


def _verdict(ok: bool | None) -> str:
    return {True: "met", False: "**missed**", None: "—"}[ok]


def _get(data: Json, *path: str) -> Any:
    node: Any = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def _at_most(value: Any, target: float) -> bool | None:
    return None if value is None else bool(value <= target)


def _at_least(value: Any, target: float) -> bool | None:
    return None if value is None else bool(value >= target)


def rows(data: Json) -> list[tuple[str, str, str, str, str, str]]:
    """(figure, value, raw limit, ratio, target, verdict) for every headline figure."""

    def g(*path: str) -> Any:
        return _get(data, *path)

    out: list[tuple[str, str, str, str, str, str]] = []
    intake_ratio = g("intake", "ratio")
    out.append(
        (
            f"intake: cases/s at {g('meta', 'concurrency')} clients",
            _num(g("intake", "cases_per_s"), "/s"),
            _num(g("raw", "tx_publish", "per_s"), "/s"),
            _pct(intake_ratio),
            "≥ 50% of raw (c)",
            _verdict(_at_least(intake_ratio, 0.5)),
        )
    )
    out.append(
        (
            "intake: request latency p50 / p99",
            f"{_num(g('intake', 'p50_ms'))} / {_num(g('intake', 'p99_ms'))} ms",
            f"{_num(g('raw', 'tx_publish', 'p50_ms'))} / "
            f"{_num(g('raw', 'tx_publish', 'p99_ms'))} ms",
            "—",
            "—",
            "—",
        )
    )
    for key, label, target in (
        ("to_assessment", "POST /cases → assessment queue", None),
        ("to_audit", "POST /cases → audit log", 25.0),
    ):
        p99 = g("propagation", key, "p99_ms")
        missing = g("propagation", key, "missing")
        value = f"{_num(g('propagation', key, 'p50_ms'))} / {_num(p99)} ms"
        if missing:
            value += f" ({missing} of {g('propagation', 'n')} never arrived)"
        out.append(
            (
                f"{label} p50 / p99 (at {_num(g('propagation', 'rate_per_s'), '/s')})",
                value,
                "—",
                "—",
                "p99 ≤ 25 ms" if target else "—",
                _verdict(_at_most(p99, target)) if target else "—",
            )
        )
    decision = g("decision")
    if isinstance(decision, dict) and decision.get("status") == "ok":
        p99 = decision.get("p99_ms")
        out.append(
            (
                f"decision → payment.scheduled p50 / p99 (at {_num(decision.get('rate_per_s'))}/s,"
                f" half the flow's saturating {_num(decision.get('saturating_per_s'))}/s)",
                f"{_num(decision.get('p50_ms'))} / {_num(p99)} ms",
                "—",
                "—",
                "p99 ≤ 25 ms",
                _verdict(_at_most(p99, 25.0)),
            )
        )
    else:
        status = decision.get("status") if isinstance(decision, dict) else "not run"
        out.append(("decision → payment.scheduled", str(status), "—", "—", "p99 ≤ 25 ms", "—"))
    append_ratio = g("audit", "append", "ratio")
    out.append(
        (
            "audit: entries appended/s",
            _num(g("audit", "append", "entries_per_s"), "/s"),
            _num(g("raw", "batched_fetch_insert", "per_s"), "/s"),
            _pct(append_ratio),
            "≥ 50% of raw (d)",
            _verdict(_at_least(append_ratio, 0.5)),
        )
    )
    verify = g("audit", "verify", "entries_per_s")
    out.append(
        (
            f"audit: offline verification of {_num(g('audit', 'verify', 'entries'))} entries,"
            f" 1 process ({_num(g('audit', 'verify', 'parallel_workers'))} processes:"
            f" {_num(g('audit', 'verify', 'parallel_per_s'), '/s')})",
            _num(verify, "/s"),
            _num(g("audit", "verify", "reference_per_s"), "/s") + " pymerkle+rfc8785",
            _pct(g("audit", "verify", "ratio")),
            "≥ 300k entries/s",
            _verdict(_at_least(verify, 300_000)),
        )
    )
    for op in ("root_hash", "inclusion_proof", "consistency_proof"):
        value = g("audit", "merkle", op, "median_ms")
        out.append(
            (
                f"audit: {op} at {_num(g('audit', 'merkle', 'size'))} entries",
                f"{_num(value)} ms",
                _num(g("audit", "merkle", "pymerkle", op, "median_ms"), " ms pymerkle"),
                "—",
                "≤ 1 ms",
                _verdict(_at_most(value, 1.0)),
            )
        )
    for name, mem in sorted((g("memory") or {}).items()):
        rss = mem.get("rss_mb") if isinstance(mem, dict) else None
        shares = ""
        if isinstance(mem, dict) and mem.get("pss_mb") is not None:
            shares = f" (PSS {_num(mem.get('pss_mb'))}, USS {_num(mem.get('uss_mb'))} MB)"
        out.append(
            (
                f"RSS of {name} after the run",
                _num(rss, " MB") + shares,
                "—",
                "—",
                "≤ 80 MB",
                _verdict(_at_most(rss, 80.0)),
            )
        )
    for key, label, target in (
        ("cold", "launcher to ready, cold", None),
        ("warm", "launcher to ready, warm", 5.0),
    ):
        value = g("startup", key, "wall_s")
        says = _num(g("startup", key, "reported_s"), " s")
        out.append(
            (
                label,
                _num(value, " s") + f" (launcher says {says})",
                "—",
                "—",
                "≤ 5 s" if target else "—",
                _verdict(_at_most(value, target)) if target else "—",
            )
        )
    return out


def raw_rows(data: Json) -> list[tuple[str, str]]:

    def g(*path: str) -> Any:
        return _get(data, *path)

    return [
        (
            "(a) JetStream publish (await PubAck), file storage",
            _num(g("raw", "nats", "publish_per_s"), "/s"),
        ),
        ("(a) JetStream pull consume + ack", _num(g("raw", "nats", "consume_per_s"), "/s")),
        ("(b) asyncpg: one transaction per insert", _num(g("raw", "pg_insert", "per_s"), "/s")),
        ("(c) one transaction + one durable publish", _num(g("raw", "tx_publish", "per_s"), "/s")),
        (
            "(d) fetch 256 + one-transaction batch insert + ack",
            _num(g("raw", "batched_fetch_insert", "per_s"), "/s"),
        ),
    ]


def cpu_rows(data: Json) -> list[tuple[str, str, str]]:
    """(process, CPU ms per case while intake is saturated, per decision at half rate)."""
    case = _get(data, "intake", "cpu_ms_per_case") or {}
    decided = _get(data, "decision", "cpu_ms_per_decision") or {}
    per_case, per_decision = case.get("per_unit_ms", {}), decided.get("per_unit_ms", {})
    names = list(per_case) + [n for n in per_decision if n not in per_case]
    out = [(name, _num(per_case.get(name)), _num(per_decision.get(name))) for name in names]
    out.append(("total", _num(case.get("total_ms")), _num(decided.get("total_ms"))))
    out.append(("cores busy", _num(case.get("cores_busy")), _num(decided.get("cores_busy"))))
    return out


def markdown(data: Json) -> str:
    meta = data.get("meta", {})
    lines = [
        f"vfund benchmark — {meta.get('started')} — {meta.get('cpus')} CPUs, scale "
        f"{meta.get('scale')}, load average before {meta.get('loadavg_before')}, "
        f"run took {_num(meta.get('duration_s'), ' s')}",
        "",
        "| figure | value | raw limit (same run) | ratio | target | verdict |",
        "|---|---|---|---|---|---|",
        *(f"| {' | '.join(row)} |" for row in rows(data)),
        "",
        f"Raw limits at concurrency {meta.get('concurrency')}:",
        "",
        "| raw operation | rate |",
        "|---|---|",
        *(f"| {a} | {b} |" for a, b in raw_rows(data)),
        "",
        "Web (signed-in people browsing, against the same backend calls made directly):",
        "",
        "| figure | value |",
        "|---|---|",
        *(f"| {a} | {b} |" for a, b in web_rows(data)),
        "",
        "CPU time by process (ms of CPU; every process shares the same cores):",
        "",
        "| process | per case, intake saturated | per decision, at half rate |",
        "|---|---|---|",
        *(f"| {a} | {b} | {c} |" for a, b, c in cpu_rows(data)),
        "",
    ]
    return "\n".join(lines)


def web_rows(data: Json) -> list[tuple[str, str]]:
    def g(*path: str) -> Any:
        return _get(data, "web", *path)

    def pair(a: tuple[str, ...], b: tuple[str, ...], unit: str = "") -> str:
        return f"{_num(g(*a))} / {_num(g(*b))}{unit}"

    out = [
        (
            f"pages/s at {_num(g('browsing', 'clients'))} clients (direct API calls/s)",
            f"{_num(g('browsing', 'pages_per_s'), '/s')}"
            f" ({_num(g('browsing', 'api_calls_per_s'), '/s')},"
            f" ratio {_pct(g('browsing', 'ratio'))})",
        ),
        (
            "page time p50 / p99 (direct API p50 / p99; ratios)",
            pair(("browsing", "pages", "p50_ms"), ("browsing", "pages", "p99_ms"), " ms")
            + f" ({pair(('browsing', 'api', 'p50_ms'), ('browsing', 'api', 'p99_ms'), ' ms')};"
            + f" {pair(('browsing', 'p50_ratio'), ('browsing', 'p99_ratio'))})",
        ),
    ]
    for path, sizes in (g("bytes", "pages") or {}).items():
        out.append(
            (
                f"bytes over the wire, {path} (first visit / next)",
                f"{_num(sizes.get('first_visit_bytes'))} / {_num(sizes.get('next_visit_bytes'))} B",
            )
        )
    out += [
        (
            "slow link: sign-in usable, first visit / next",
            pair(("slow_link", "sign_in_first_visit_ms"), ("slow_link", "sign_in_next_visit_ms"))
            + " ms",
        ),
        (
            f"slow link: {g('slow_link', 'case_page')} usable",
            _num(g("slow_link", "case_page_ms"), " ms"),
        ),
    ]
    return out
