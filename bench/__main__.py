"""`python -m bench` (`make bench`): measure vfund and the machine's raw limit in one run."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench import audit, decision, flows, raw, system, web
from bench.report import Json, markdown
from dev.stack import Stack


@dataclass(frozen=True)
class Sizes:
    """How much work each stage does; `--scale` multiplies the defaults (a full run ≈ 4 min)."""

    concurrency: int
    raw_n: int
    intake_n: int
    propagation_n: int
    decision_n: int
    decision_burst: int
    audit_k: int
    verify_n: int
    tree_size: int
    web_n: int

    @classmethod
    def scaled(cls, scale: float, concurrency: int) -> Sizes:
        def at(full: int, least: int) -> int:
            return max(least, int(full * scale))

        return cls(
            concurrency=concurrency,
            raw_n=at(2000, 50),
            intake_n=at(1000, 30),
            propagation_n=at(300, 20),
            decision_n=at(200, 10),
            decision_burst=at(200, 10),
            audit_k=at(20_000, 200),
            verify_n=at(200_000, 2000),
            tree_size=at(1_000_000, 1024),
            web_n=at(2000, 40),
        )


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--scale",
        type=float,
        default=float(os.environ.get("VFUND_BENCH_SCALE", "1")),
        help="multiply every size (0.2 for a quick run; env VFUND_BENCH_SCALE)",
    )
    parser.add_argument("--concurrency", type=int, default=16, help="clients at once (16)")
    parser.add_argument("--out", type=Path, default=Path(".vfund") / "bench.json")
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help="where the benchmarked system keeps its data (default: a temp dir)",
    )
    parser.add_argument(
        "--skip-startup",
        action="store_true",
        help="do not measure the launcher's cold and warm start",
    )
    return parser.parse_args(argv)


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def measure_running(stack: Stack, sizes: Sizes) -> Json:
    """Every figure that needs the running system, raw limits first."""
    target = system.target_of(stack)
    cpu = system.cpu_meter(stack)
    c = sizes.concurrency
    log(f"raw limits (n={sizes.raw_n}, d: {sizes.audit_k} events)")
    raw_figures = await raw.measure(
        target.nats_url,
        target.admin_dsn,
        n=sizes.raw_n,
        concurrency=c,
        audit_bodies=audit.burst(sizes.audit_k),
    )
    log(f"intake: {sizes.intake_n} cases at {c} clients")
    intake = await flows.intake(
        target, n=sizes.intake_n, concurrency=c, raw_c=raw_figures["tx_publish"], cpu=cpu
    )
    rate = max(1.0, intake["cases_per_s"] / 2)
    log(f"propagation: {sizes.propagation_n} cases at {rate:.0f}/s")
    propagation = await flows.propagation(target, rate=rate, n=sizes.propagation_n)
    log(f"decision → payment.scheduled: a burst of {sizes.decision_burst}, then {sizes.decision_n}")
    decided = await decision.measure(
        target, n=sizes.decision_n, burst=sizes.decision_burst, cpu=cpu
    )
    log(f"audit: burst of {sizes.audit_k} events")
    appended = await audit.append(
        stack,
        target.db_dsn("audit"),
        audit.burst(sizes.audit_k),
        raw_figures["batched_fetch_insert"],
    )
    log("audit: offline verification")
    verified = audit.verification(*await audit.export_lines(target.db_dsn("audit"), sizes.verify_n))
    log(f"web: {sizes.web_n} pages by {c} signed-in people, and the same backend calls direct")
    web_figures = await web.measure(stack, n=sizes.web_n, concurrency=c)
    return {
        "raw": raw_figures,
        "intake": intake,
        "propagation": propagation,
        "decision": decided,
        "audit": {"append": appended, "verify": verified},
        "web": web_figures,
        "memory": system.memory(stack),
    }


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    sizes = Sizes.scaled(args.scale, args.concurrency)
    began = time.perf_counter()
    data: Json = {
        "meta": {
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "scale": args.scale,
            "concurrency": sizes.concurrency,
            "sizes": sizes.__dict__,
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_before": _loadavg(),
            "caveat": "one machine: the system, its servers and the load generator share the CPUs",
        }
    }
    with tempfile.TemporaryDirectory(prefix="vfund-bench-") as tmp:
        root = args.root or Path(tmp) / "system"
        log(f"starting the system in {root}")
        stack = system.start_stack(root)
        try:
            data |= asyncio.run(measure_running(stack, sizes))
            log("web: the sign-in page and a case page in Chromium on a slow link")
            data["web"]["slow_link"] = web.slow_link(stack, Path(tmp) / "chromium")
        finally:
            stack.stop()
    log(f"audit: tree head and proofs at {sizes.tree_size} entries")
    data["audit"]["merkle"] = audit.tree_operations(sizes.tree_size, sizes.tree_size)
    if not args.skip_startup:
        log("launcher: cold and warm start")
        data["startup"] = system.startup_times()
    data["meta"]["duration_s"] = round(time.perf_counter() - began, 1)
    data["meta"]["loadavg_after"] = _loadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(data, indent=2, default=str))
    print(markdown(data))
    log(f"wrote {args.out}")
    return 0


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


if __name__ == "__main__":
    sys.exit(main())
