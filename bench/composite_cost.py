"""What a composite (journey) SLO costs a real Prometheus, next to one ordinary SLO.

Three member services (one ratio SLO each over 10 counter series per code) and three
journey services (one composite each: events, weighted, worst) run side by side in one
Prometheus (Debian's, 127.0.0.1, temp storage) at their native group intervals, scraping
a local endpoint every 15s.  After a warm-up, every group's evaluation time is sampled
from /api/v1/rules (so the services' evaluations interleave), and every rule expression
is run once more with `stats=all` (eval_cost.rule_stats).  No backfilled history: the
windows of a day and more read the few hourly points there are, alike on both sides.

    python -m bench.composite_cost --measure 300 --json build/bench-composite.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import yaml
from slogen.build.pipeline import build_tree

from .eval_cost import rule_stats, sample_group_times, summarise
from .exposition_server import ExpositionServer
from .prometheus import Prometheus, running

MEMBERS = ("web", "cart", "payments")
METHODS = ("events", "weighted", "worst")
REPLICAS = 10
BORN = time.time()


def specs(directory: Path) -> list[Path]:
    """The member and journey specs, written to `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for member in MEMBERS:
        path = directory / f"{member}.yaml"
        path.write_text(
            f"service: {member}\nslos:\n  - name: availability\n    objective: 99.9\n    sli:\n      ratio:\n"
            f"        errors: bench_requests_total{{service=\"{member}\", code=\"500\"}}\n"
            f"        total: bench_requests_total{{service=\"{member}\"}}\n"
        )
        paths.append(path)
    of = ", ".join(f"{m}/availability" for m in MEMBERS)
    for method in METHODS:
        path = directory / f"journey-{method}.yaml"
        path.write_text(f"service: journey-{method}\nslos:\n  - name: checkout\n    objective: 99.5\n"
                        f"    sli: {{composite: {{method: {method}, of: [{of}]}}}}\n")
        paths.append(path)
    return paths


def exposition() -> str:
    """The members' request counters now: 10 replicas, 1% errors, each member's rate its own."""
    elapsed = time.time() - BORN + 60
    lines = []
    for index, member in enumerate(MEMBERS):
        rate = 10.0 ** (index + 1)  # very different traffic: 10, 100, 1000 per second
        for replica in range(REPLICAS):
            for code, share in (("200", 0.99), ("500", 0.01)):
                lines.append(f'bench_requests_total{{service="{member}",instance="i{replica}",code="{code}"}} {rate * share * elapsed / REPLICAS!r}')
    return "\n".join(lines) + "\n"


def run(warmup_s: float, measure_s: float) -> dict:
    """Start everything, measure, and return per-service cost (each service holds one SLO)."""
    work = Path(tempfile.mkdtemp(prefix="slogen-bench-composite-"))
    tree, problems = build_tree(specs(work / "specs"))
    assert not problems, problems
    server = ExpositionServer(exposition)
    prom = Prometheus(work / "prom", server.target, scrape_interval="15s")
    groups = {}
    for service in (*MEMBERS, *(f"journey-{m}" for m in METHODS)):
        text = tree.files[f"rules/{service}.yml"]
        (prom.rules / f"{service}.yml").write_text(text)
        groups[service] = yaml.safe_load(text)["groups"]
    load = {"start": os.getloadavg()}
    try:
        with running(prom):
            time.sleep(warmup_s)
            times = sample_group_times(prom, measure_s)
            at = time.time()
            # rule_stats takes every service's groups at once and runs them in turn (interleaved).
            stats = rule_stats(prom, groups, at)
            out = {service: summarise(stats[service], times, 1) for service in groups}
    finally:
        server.close()
    load["end"] = os.getloadavg()
    return {"load": load, "warmup_s": warmup_s, "measure_s": measure_s, "services": out}


def table(result: dict) -> str:
    """The per-SLO numbers, one line per service."""
    lines = [f"{'service':20} {'rules':>5} {'series':>6} {'samples/eval':>12} {'eval ms/h (q1-q3)':>24}"]
    for service, s in result["services"].items():
        rules = sum(g["rules"] for g in s["groups"].values())
        lines.append(
            f"{service:20} {rules:5d} {s['output_series_per_slo']:6.0f} {s['samples_per_eval_per_slo']:12.0f} "
            f"{1000 * s['cpu_s_per_hour_per_slo']:10.1f} ({1000 * s['cpu_s_per_hour_per_slo_q1']:.1f}-{1000 * s['cpu_s_per_hour_per_slo_q3']:.1f})"
        )
    members = statistics.median(result["services"][m]["cpu_s_per_hour_per_slo"] for m in MEMBERS)
    for method in METHODS:
        ratio = result["services"][f"journey-{method}"]["cpu_s_per_hour_per_slo"] / members
        lines.append(f"journey-{method}: {ratio:.2f}x the median member SLO's evaluation time per hour")
    lines.append(f"load average: start {result['load']['start']}, end {result['load']['end']}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warmup", type=float, default=420, help="seconds before sampling (the 3m groups need a few runs)")
    parser.add_argument("--measure", type=float, default=300, help="seconds of group evaluation sampling")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.warmup, args.measure)
    print(table(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
