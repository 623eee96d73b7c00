"""What a latency SLO costs on native histograms against classic ones, in a real Prometheus 3.

One Prometheus 3 (127.0.0.1, temp storage) scrapes one classic histogram (N routes x B
buckets) three ways: as it is (`classic`), converted to native histograms with custom
buckets (`convert_classic_histograms_to_nhcb`: `native`), and converted while the classic
series are kept (`always_scrape_classic_histograms`: what `auto` reads during a migration).
Three services, one latency SLO each (`format: classic`, `native`, `auto`), load side by
side; only their two rules that read raw series differ (the 5m base rates, the fast 1h
window), so those groups are compared:

* each group's `evaluationTime` (wall, as Prometheus reports it), sampled from
  /api/v1/rules while all three run at once (interleaved by construction);
* each raw-reading expression run with `stats=all`, A B C A B C ...: samples touched and
  the query's wall time.

    python -m bench.native_cost --json build/bench-native.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import yaml
from slogen.build.pipeline import build_tree

from .exposition_server import serving
from .prometheus import Prometheus, running

ROOT = Path(__file__).resolve().parent.parent
METRIC = "bench_request_duration_seconds"
FORMATS = {"classic": "classic", "native": "nhcb", "auto": "both"}  # format -> scrape job


def exposition(seconds: float, routes: int, bounds: list[float]) -> str:
    """The classic histogram after `seconds` of 10 requests/s per route, shares fixed per bucket."""
    text = f"# TYPE {METRIC} histogram\n"
    for r in range(routes):
        requests = 10 * seconds
        for i, bound in enumerate(bounds):
            text += f'{METRIC}_bucket{{route="r{r}",le="{bound}"}} {requests * (i + 1) / (len(bounds) + 1)}\n'
        text += f'{METRIC}_bucket{{route="r{r}",le="+Inf"}} {requests}\n{METRIC}_sum{{route="r{r}"}} {requests * 0.2}\n{METRIC}_count{{route="r{r}"}} {requests}\n'
    return text


def _rules(workdir: Path, rules: Path, threshold: float, interval: str) -> dict[str, list[dict]]:
    """Each format's service rule file (into `rules`), every group at `interval`; the raw-reading groups by format."""
    specs = workdir / "specs"
    specs.mkdir()
    for fmt, job in FORMATS.items():
        (specs / f"{fmt}.yaml").write_text(
            f"service: {fmt}\nslos:\n  - name: latency\n    objective: 99\n    sli:\n      latency:\n"
            f"        histogram: {METRIC}{{job=\"{job}\"}}\n        threshold: {threshold}\n        format: {fmt}\n"
        )
    tree, problems = build_tree([specs])
    assert not problems, problems
    raw = {}
    for fmt in FORMATS:
        groups = yaml.safe_load(tree.files[f"rules/{fmt}.yml"])["groups"]
        (rules / f"{fmt}.yml").write_text(yaml.safe_dump({"groups": [{**g, "interval": interval} for g in groups]}, sort_keys=False))
        raw[fmt] = [g for g in groups if g["name"].endswith(("-sli-short", "-alerts"))]
    return raw


def _load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def _spread(values: list[float]) -> dict:
    values = sorted(values)
    if not values:
        return {"n": 0}
    q = lambda p: values[min(len(values) - 1, int(p * len(values)))]  # noqa: E731
    return {"n": len(values), "median": statistics.median(values), "p10": q(0.1), "p90": q(0.9)}


def run(routes: int, buckets: int, warm: float, measure: float, rounds: int) -> dict:
    """Start everything, warm up, sample, stop; the numbers by format."""
    binary = Path(os.environ.get("SLOGEN_TOOLS_BIN", ROOT / ".tools" / "bin")) / "prometheus3"
    bounds = [round(0.005 * 2**i, 6) for i in range(buckets)]
    threshold = bounds[buckets // 2]
    born = time.monotonic() - 1000
    # Job by job: the same target scraped as it is, converted to native, converted and kept classic.
    jobs = {"classic": {}, "nhcb": {"convert_classic_histograms_to_nhcb": True},
            "both": {"convert_classic_histograms_to_nhcb": True, "always_scrape_classic_histograms": True}}
    with tempfile.TemporaryDirectory(prefix="slogen-native-bench-") as tmp, \
            serving(lambda: exposition(time.monotonic() - born, routes, bounds)) as target:
        workdir = Path(tmp)
        prom = Prometheus(workdir, target, "1s", evaluation_interval="2s", jobs=jobs, binary=str(binary))
        raw = _rules(workdir, prom.rules, threshold, "2s")
        with running(prom):
            load_before = _load()
            time.sleep(warm)
            times: dict[str, dict[str, list[float]]] = {f: {} for f in FORMATS}
            seen: set[tuple[str, str]] = set()
            end = time.monotonic() + measure
            while time.monotonic() < end:
                for group in prom.rule_groups():
                    fmt = group["name"].split("-")[1]
                    if fmt in FORMATS and group["name"].endswith(("-sli-short", "-alerts")) and (group["name"], group["lastEvaluation"]) not in seen:
                        seen.add((group["name"], group["lastEvaluation"]))
                        times[fmt].setdefault(group["name"].split("-", 2)[2], []).append(group["evaluationTime"] * 1000)
                time.sleep(1)
            queries: dict[str, dict[str, dict]] = {f: {} for f in FORMATS}
            walls: dict[str, dict[str, list[float]]] = {f: {} for f in FORMATS}
            for _ in range(rounds):
                for fmt in FORMATS:  # interleaved: classic, native, auto, classic, ...
                    for group in raw[fmt]:
                        for rule in group["rules"]:
                            name = rule.get("record") or rule.get("alert")
                            if "slo:" in rule["expr"] and METRIC not in rule["expr"]:
                                continue
                            started = time.perf_counter()
                            data = prom.query(rule["expr"], time.time(), stats=True)
                            walls[fmt].setdefault(name, []).append((time.perf_counter() - started) * 1000)
                            queries[fmt][name] = {"samples": data["stats"]["samples"]["totalQueryableSamples"], "series": len(data["result"])}
            load_after = _load()
    return {
        "routes": routes, "buckets": buckets, "warm_seconds": warm, "measure_seconds": measure,
        "load_before": load_before, "load_after": load_after,
        "group_eval_ms": {f: {g: _spread(v) for g, v in by.items()} for f, by in times.items()},
        "queries": {f: {n: {**queries[f][n], "wall_ms": _spread(walls[f][n])} for n in queries[f]} for f in FORMATS},
    }


def main() -> None:
    """Run and print (and write --json)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--routes", type=int, default=10)
    parser.add_argument("--buckets", type=int, default=10)
    parser.add_argument("--warm", type=float, default=330, help="seconds before sampling: the 5m rates' window filled")
    parser.add_argument("--measure", type=float, default=120)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--json")
    args = parser.parse_args()
    result = run(args.routes, args.buckets, args.warm, args.measure, args.rounds)
    print(json.dumps(result, indent=1))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(result, indent=1) + "\n")


if __name__ == "__main__":
    main()
