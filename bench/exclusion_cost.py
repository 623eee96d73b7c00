"""What three exclusions (#28 item 7) cost a real Prometheus: one SLO with them, the same SLO without.

Two services, `plain` and `excluded`, each one ratio SLO over the same counter series
(1 per code by default, where the raw reads weigh least and the exclusions' share is
largest); `excluded` adds a one-off (a day ago, so the corrections after
the fact read it), a weekly window in a zone with DST, and a signal gauge.  Both rule
files load at once into one Prometheus (Debian's, 127.0.0.1, temp storage), so whatever
else runs on the machine slows both alike.  History is written directly, not evaluated:
30 days of the hourly points, 26 hours of the 5m base rates and 2 hours of the counters,
identical for both services, so every window reads what it would after a month of running.

Measured, after a warm-up:

* every group's evaluation time (the rules API's `evaluationTime`, as
  prometheus_rule_group_last_duration_seconds), sampled for `--measure` seconds (groups
  between 1m and 1h evaluated every 1m meanwhile, eval_cost.sampled); per hour at the
  groups' own intervals, median and quartiles;
* every rule expression run with `stats=all`, the two services in turn (A B A B ...),
  `--repeats` times: samples touched per evaluation and per hour, and the query time.

The load average is recorded before, during and after.

    python -m bench.exclusion_cost --json build/bench-exclusions.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from pathlib import Path

import yaml
from slogen.build.pipeline import build_tree
from slogen.plan.windows import SHORT_INTERVAL

from .eval_cost import measure_in_turn, sampling_file, summarise
from .exposition_server import ExpositionServer
from .load import busy, cpus, load_now, spread
from .prometheus import Prometheus, cleaned_up, create_blocks, running, write_families

SERVICES = ("plain", "excluded")
RATE = 100.0  # requests per second, all replicas
ERROR_RATIO = 0.01
HOUR = 3600
DAY = 24 * HOUR
# Counters start here, far enough back that history and live scrape continue one another.
ORIGIN = 1_700_000_000


def spec(service: str, now: float) -> str:
    """One ratio SLO; for `excluded`, three exclusions, one of each kind."""
    text = f"service: {service}\n"
    if service == "excluded":
        start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - DAY))
        end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - DAY + 2 * HOUR))
        text += (f"exclusions:\n  - reason: upgrade\n    from: {start}\n    to: {end}\n"
                 "  - reason: weekly\n    every: {weekday: sunday, at: \"02:00\", for: 2h, time_zone: Europe/Berlin}\n"
                 f"  - reason: deploys\n    when: maintenance_mode{{service=\"{service}\"}} == 1\n")
    return text + ("slos:\n  - name: availability\n    objective: 99.9\n    window: 30d\n    sli:\n      ratio:\n"
                   "        errors: bench_requests_total{job=\"bench\", code=\"500\"}\n"
                   "        total: bench_requests_total{job=\"bench\"}\n")


def _counters(t: float, replicas: int) -> list[str]:
    """The raw counter lines at time t (no timestamp), the traffic spread over `replicas` series per code."""
    out = []
    for replica in range(replicas):
        for code, share in (("200", 1 - ERROR_RATIO), ("500", ERROR_RATIO)):
            out.append(f'bench_requests_total{{job="bench",instance="i{replica}",code="{code}"}} {RATE * share * (t - ORIGIN) / replicas:.3f}')
    return out


def _labels(service: str, window: str | None = None) -> str:
    text = f'slo_id="{service}-availability",slo_name="availability",slo_service="{service}"'
    return text + (f',slo_window="{window}"' if window else "")


def write_history(path: Path, now: int, dense: bool, replicas: int) -> int:
    """OpenMetrics history: the hourly points over 30 days (`dense` False), or the 5m base
    rates over 26 hours, the exclusion state and the counters over 2 hours (`dense` True)."""
    families: dict[str, list[str]] = {}
    if not dense:
        for t in range(now - 30 * DAY, now, HOUR):
            for service in SERVICES:
                families.setdefault("slo:sli_events:rate1h", []).append(f"slo:sli_events:rate1h{{{_labels(service, '1h')}}} {RATE} {t}")
                families.setdefault("slo:sli_errors:rate1h", []).append(f"slo:sli_errors:rate1h{{{_labels(service, '1h')}}} {RATE * ERROR_RATIO} {t}")
                families.setdefault("slo:period_history:seconds", []).append(f"slo:period_history:seconds{{{_labels(service)}}} {30 * DAY} {t}")
    else:
        # At the base rates' own interval, so each window reads as many points as it does live.
        for t in range(now - 26 * HOUR, now, SHORT_INTERVAL):
            for service in SERVICES:
                families.setdefault("slo:sli_events:rate5m", []).append(f"slo:sli_events:rate5m{{{_labels(service, '5m')}}} {RATE} {t}")
                families.setdefault("slo:sli_errors:rate5m", []).append(f"slo:sli_errors:rate5m{{{_labels(service, '5m')}}} {RATE * ERROR_RATIO} {t}")
                families.setdefault("slo:sli_error:ratio_rate5m", []).append(f"slo:sli_error:ratio_rate5m{{{_labels(service, '5m')}}} {ERROR_RATIO} {t}")
            if t >= now - 2 * HOUR:
                families.setdefault("slo:exclusion:state", []).append(f"slo:exclusion:state{{{_labels('excluded')}}} 0 {t}")
        # What the one-off left in the base rates, as the hourly group records it once it has passed.
        span = "/".join(time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(v)) for v in (now - DAY, now - DAY + 2 * HOUR + 300))
        for t in (now - 2 * HOUR + 60, now - HOUR + 60):
            for kind, value in (("errors", RATE * ERROR_RATIO), ("events", RATE)):
                families.setdefault(f"slo:exclusion_{kind}:hours", []).append(
                    f'slo:exclusion_{kind}:hours{{{_labels("excluded")},slo_exclusion="{span}"}} {value * (2 * HOUR + 300) / HOUR} {t}')
        for t in range(now - 2 * HOUR, now, 15):
            families.setdefault("bench_requests_total", []).extend(f"{line} {t}" for line in _counters(t, replicas))
    return write_families(path, families)


def import_history(data: Path, workdir: Path, now: int, replicas: int) -> int:
    """Write both history files and turn them into blocks under `data`."""
    data.mkdir(parents=True, exist_ok=True)
    count = 0
    for dense in (False, True):
        path = workdir / f"history-{'dense' if dense else 'hourly'}.om"
        count += write_history(path, now, dense, replicas)
        create_blocks(path, data)
    return count


def _blocks(data: Path) -> int:
    return sum(1 for d in data.iterdir() if d.is_dir() and len(d.name) == 26 and "." not in d.name)


def wait_for_compaction(data: Path, timeout: float = 240) -> int:
    """Wait until Prometheus has compacted the imported 2h blocks (a month of them read as
    ~360 blocks, not as the few a month of running leaves); returns the blocks left."""
    first = _blocks(data)
    deadline = time.monotonic() + timeout
    last, steady = first, 0
    while time.monotonic() < deadline:
        time.sleep(5)
        now = _blocks(data)
        steady = steady + 1 if now == last and now < first else 0
        last = now
        if steady >= 3:
            break
    return last


def exposition(replicas: int) -> str:
    """What the scrape reads now: the counters, and the signal exclusion's gauge, off."""
    return "\n".join(_counters(time.time(), replicas) + ['maintenance_mode{service="excluded"} 0']) + "\n"


def _query_hour(rules: list[dict], repeat: int | None = None) -> float:
    """Summed query time of one service's rules per hour at their groups' intervals (median, or one repeat's)."""
    return sum((r["query_s"] if repeat is None else r["query_s_all"][repeat]) * 3600 / r["interval_s"] for r in rules)


def run(warmup_s: float, measure_s: float, repeats: int, replicas: int = 1) -> dict:
    """Write history, start everything, measure both services; the numbers per service."""
    work = Path(tempfile.mkdtemp(prefix="slogen-bench-exclusions-"))
    now = int(time.time()) // SHORT_INTERVAL * SHORT_INTERVAL
    specs = work / "specs"
    specs.mkdir()
    for service in SERVICES:
        (specs / f"{service}.yaml").write_text(spec(service, now))
    tree, problems = build_tree([specs])
    assert not problems, problems
    began = time.perf_counter()
    samples = import_history(work / "data", work, now, replicas)
    history_s = time.perf_counter() - began
    server = ExpositionServer(lambda: exposition(replicas))
    prom = Prometheus(work, server.target, scrape_interval="15s")
    groups = {}
    for service in SERVICES:
        groups[service] = yaml.safe_load(tree.files[f"rules/{service}.yml"])["groups"]
        # Slow groups sampled every minute, costed at their own intervals (eval_cost.sampled).
        (prom.rules / f"{service}.yml").write_text(sampling_file(groups[service]))
    loads = [load_now()]
    with cleaned_up(work, server), running(prom):
        blocks = (_blocks(prom.data), wait_for_compaction(prom.data))
        times, stats = measure_in_turn(prom, groups, warmup_s, measure_s, repeats, loads)
    out = {}
    for service in SERVICES:
        s = summarise(stats[service], times, 1)
        s["query_s_per_hour"] = _query_hour(stats[service])
        s["rules"] = stats[service]
        out[service] = s
    plain, excluded = out["plain"], out["excluded"]
    ratios = {key: excluded[key] / plain[key] for key in (
        "cpu_s_per_hour_per_slo", "cpu_s_per_hour_per_slo_q1", "cpu_s_per_hour_per_slo_q3", "samples_per_hour_per_slo",
        "samples_per_eval_per_slo", "rule_evaluations_per_hour_per_slo", "query_s_per_hour")}
    # Repeat by repeat the two services ran back to back: one ratio per repeat, and their spread.
    ratios["query_s_per_hour_by_repeat"] = spread([_query_hour(excluded["rules"], i) / _query_hour(plain["rules"], i) for i in range(repeats)])
    return {
        "warmup_s": warmup_s, "measure_s": measure_s, "repeats": repeats, "history_samples": samples, "history_s": history_s,
        "blocks_imported_compacted": blocks, "replicas": replicas,
        "load": spread(loads), "loads": loads, "cpus": cpus(), "busy": any(busy(x, cpus()) for x in loads),
        "prometheus": subprocess.run(["prometheus", "--version"], capture_output=True, text=True).stdout.splitlines()[0],
        "services": out, "excluded_over_plain": ratios,
    }


def table(result: dict) -> str:
    """Per group and in total: evaluation time and samples, plain vs excluded, and the load."""
    lines = [f"{'group':12} {'eval ms (plain / excluded, median)':>36} {'samples/eval':>16} {'rules':>7}"]
    plain, excluded = (result["services"][s]["groups"] for s in SERVICES)
    for p_name, p in plain.items():
        kind = p_name.split("-", 2)[2]
        e = excluded[f"slogen-excluded-{kind}"]
        lines.append(f"{kind:12} {1000 * p['eval_s_median']:15.2f} / {1000 * e['eval_s_median']:6.2f} (n {p['evaluations_seen']}/{e['evaluations_seen']})"
                     f" {p['samples']:7d} / {e['samples']:6d} {p['rules']:3d} / {e['rules']:2d}")
    r = result["excluded_over_plain"]
    lines.append(f"excluded / plain per hour: evaluation time {r['cpu_s_per_hour_per_slo']:.3f}x "
                 f"(q1 {r['cpu_s_per_hour_per_slo_q1']:.3f}x, q3 {r['cpu_s_per_hour_per_slo_q3']:.3f}x), "
                 f"query time {r['query_s_per_hour']:.3f}x (per repeat: median {r['query_s_per_hour_by_repeat']['median']:.3f}x, "
                 f"q1 {r['query_s_per_hour_by_repeat']['q1']:.3f}x, q3 {r['query_s_per_hour_by_repeat']['q3']:.3f}x), samples {r['samples_per_hour_per_slo']:.3f}x, "
                 f"rule evaluations {r['rule_evaluations_per_hour_per_slo']:.3f}x")
    load = result["load"]
    lines.append(f"load average {load['min']:.2f}..{load['max']:.2f} (median {load['median']:.2f}) on {result['cpus']} CPUs"
                 + (" BUSY: not a quiet-machine figure" if result["busy"] else ""))
    return "\n".join(lines)


def main() -> None:
    """Command line: run, print the table, optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--warmup", type=float, default=60, help="seconds before sampling")
    parser.add_argument("--measure", type=float, default=200, help="seconds of group evaluation sampling")
    parser.add_argument("--repeats", type=int, default=25, help="runs of every rule expression with stats, in turn")
    parser.add_argument("--replicas", type=int, default=1, help="raw series per code behind the SLI (1: the raw reads weigh least)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = run(args.warmup, args.measure, args.repeats, args.replicas)
    print(table(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
