"""Generated-test cost per SLO: one service of 1, 10 and 50 ratio SLOs (one per handler),
its promtool tests run by the real promtool; wall and CPU seconds, in total and per SLO.

promtool evaluates the whole rule file at every tick of every test group, so a test
layout whose group count grows with the SLOs costs SLOs squared; this shows which.
`--window` gives the SLOs a calendar window instead of the default 30 days (e.g.
`month:Europe/Berlin`, `week:Asia/Kolkata`), `--timeslices` makes their SLI count good
minutes: both add rule groups evaluated at every tick, which this prices.

    python -m bench.test_cost --slos 1,10,50 --json build/bench-tests.json
    python -m bench.test_cost --slos 1,10 --window month:Europe/Berlin
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.measure import measure


def service_spec(slos: int, window: str | None = None, timeslices: bool = False) -> str:
    """A service with `slos` ratio SLOs, one per handler, as a new user writes them
    (`window` "unit:zone" for calendar windows; `timeslices` for good-minute SLIs)."""
    lines = ["service: shop", "labels:", "  team: shop", "slos:"]
    for i in range(slos):
        job = f'job="shop", handler="/h{i}"'
        ratio = [f'errors: http_requests_total{{{job}, code=~"5.."}}', f"total: http_requests_total{{{job}}}"]
        lines += [f"  - name: handler-{i}-availability", "    objective: 99.9"]
        if window:
            unit, _, zone = window.partition(":")
            lines.append(f"    window: {{calendar: {unit}, time_zone: {zone or 'UTC'}}}")
        lines.append("    sli:")
        if timeslices:
            lines += ["      timeslices:", "        good_when:", "          ratio:", *(f"            {r}" for r in ratio)]
            lines += ["          op: lt", "          threshold: 0.01"]
        else:
            lines += ["      ratio:", *(f"        {r}" for r in ratio)]
    return "\n".join(lines) + "\n"


def run_one(slos: int, timeout: float | None = None, window: str | None = None, timeslices: bool = False, promtool: str = "promtool") -> dict:
    """Generate and test one service of `slos` SLOs; sizes and timings."""
    with tempfile.TemporaryDirectory(prefix="slogen-bench-tests-") as tmp:
        root = Path(tmp)
        (root / "slo_specs").mkdir()
        (root / "slo_specs" / "shop.yaml").write_text(service_spec(slos, window, timeslices))
        slogen = [sys.executable, "-m", "slogen"]
        subprocess.run([*slogen, "generate", "slo_specs", "--out", "output"], cwd=root, check=True, capture_output=True)
        test_file = root / "output" / "tests" / "shop.test.yml"
        text = test_file.read_text()
        command = [str(Path(promtool).resolve()) if "/" in promtool else promtool, "test", "rules", str(test_file)]
        timing = measure(command, root) if timeout is None else _timed(command, root, timeout)
        return {
            "slos": slos,
            "test_file_kib": round(len(text.encode()) / 1024, 1),
            "test_groups": sum(1 for line in text.splitlines() if line.startswith("- name:")),
            **timing,
            "wall_per_slo_s": round(timing["wall_s"] / slos, 3),
            "cpu_per_slo_s": round(timing["cpu_s"] / slos, 3),
        }


def _timed(command: list[str], root: Path, timeout: float) -> dict:
    try:
        return measure(["timeout", str(timeout), *command], root)
    except RuntimeError:
        return {"wall_s": float("inf"), "cpu_s": float("inf"), "timed_out_after_s": timeout}


def main() -> None:
    """Entry point of `make bench`'s test-cost step."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--slos", default="1,10,50", help="comma-separated SLO counts of the service")
    parser.add_argument("--timeout", type=float, default=None, help="give up on one service after this many seconds")
    parser.add_argument("--window", default=None, help="a calendar window for every SLO, unit:zone (month:Europe/Berlin)")
    parser.add_argument("--timeslices", action="store_true", help="every SLO counts good minutes (a timeslice SLI)")
    parser.add_argument("--promtool", default="promtool", help="the promtool to time (e.g. .tools/bin/promtool3)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    rows = [run_one(int(n), args.timeout, args.window, args.timeslices, args.promtool) for n in args.slos.split(",")]
    for row in rows:
        print(
            f"{row['slos']:>3} SLOs: {row['test_groups']} test groups, {row['test_file_kib']} KiB;"
            f" wall {row['wall_s']:.1f} s ({row['wall_per_slo_s']} s/SLO), cpu {row['cpu_s']:.1f} s ({row['cpu_per_slo_s']} s/SLO)"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"tests": rows}, indent=2) + "\n")


if __name__ == "__main__":
    main()
