"""What each spec feature costs a real Prometheus: a feature's SLO next to the plain SLO it replaces.

A registry of features (calendar, timeslices, grouping, split), each a pair of services
over the same counter series: the baseline (a rolling 30d ratio SLO, or for grouping K
ungrouped SLOs) and the same SLO with the feature.  Every pair loads into one Prometheus
(Debian's 2.42, 127.0.0.1, temp storage), so whatever else runs on the machine slows
both sides of a pair alike.  History is written, not evaluated (as bench/exclusion_cost.py
does): 32 days of the hourly points (a calendar month reads 745h), 26 hours of the 5m base
rates, 2 hours of the counters and of the timeslice verdicts, the same for both sides, so
every window reads what it would after a month of running.

Measured, after every group below 1h has run once and a warm-up:

* every group's evaluation time (the rules API's `evaluationTime`), sampled for
  `--measure` seconds, per hour at the groups' own intervals (median and quartiles);
* every rule expression run with `stats=all`, all services in turn (A B A B ...),
  `--repeats` times: rule count, rule evaluations, samples read (totalQueryableSamples)
  and query time per hour at native intervals, and the feature/baseline ratio of the
  query time repeat by repeat (its median and quartiles).

The load average is recorded before, during and after; the run is marked busy when any
of them is above half the CPUs (bench/load.py).  Figures are per SLO, and per unit: one
SLO, or for grouping one group, so the grouped SLO's K groups compare with K SLOs.

    python -m bench.feature_cost --json build/bench-features.json
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from slogen.build.options import BuildOptions, SplitOptions
from slogen.build.pipeline import build_tree
from slogen.plan.windows import LONG_INTERVAL

from .marked_section import write_marked
from .eval_cost import measure_in_turn, summarise
from .exclusion_cost import wait_for_compaction
from .exposition_server import ExpositionServer
from .load import busy, cpus, load_now, spread
from .prometheus import Prometheus, cleaned_up, create_blocks, running, write_families

RATE = 100.0  # requests per second, per feature (all routes)
ERROR_RATIO = 0.01
HOUR = 3600
DAY = 24 * HOUR
ORIGIN = 1_700_000_000  # counters start here, so history and live scrape continue one another
# Groups in the grouping feature: the fan-out eval_cost and issue #27 measure at; enough for the
# grouped SLO's per-SLO rules (alerts, budget, policy) to be shared visibly, few enough for a short run.
GROUPS = 10


@dataclass(frozen=True)
class Side:
    """One service of a pair: its spec, the rule files it loads and the label sets its SLOs record."""

    service: str
    spec: str
    series: tuple[dict[str, str], ...]  # one per SLO (or per group): the labels of its recorded rates
    slos: int = 1
    options: BuildOptions = field(default_factory=BuildOptions)
    files: tuple[str, ...] = ("rules/{service}.yml",)
    timeslices: bool = False  # its SLI records slo:timeslice_good:bool, read over an hour


@dataclass(frozen=True)
class Feature:
    """A baseline and the same SLO with one feature, over the counters of job `job` (`routes` routes)."""

    name: str
    what: str  # what the pair compares, and what it does not represent
    baseline: Side
    feature: Side
    routes: int = 1
    units: int = 1  # what one figure is per: 1 SLO, or one group of a grouped SLO


def _ratio(job: str, route: str | None = None) -> str:
    matcher = f'job="{job}"' + (f', route="{route}"' if route else "")
    return (f"    sli:\n      ratio:\n        errors: bench_requests_total{{{matcher}, code=\"500\"}}\n"
            f"        total: bench_requests_total{{{matcher}}}\n")


def _labels(service: str, name: str = "availability", **extra: str) -> dict[str, str]:
    return {"slo_id": f"{service}-{name}", "slo_name": name, "slo_service": service, **extra}


def plain(service: str, job: str) -> Side:
    """The baseline: one rolling 30d ratio SLO."""
    return Side(service, f"service: {service}\nslos:\n  - name: availability\n    objective: 99.9\n    window: 30d\n" + _ratio(job),
                (_labels(service),))


def calendar(service: str, job: str) -> Side:
    """The same SLO over calendar months (UTC)."""
    return Side(service, f"service: {service}\nslos:\n  - name: availability\n    objective: 99.9\n    window: {{calendar: month}}\n"
                + _ratio(job), (_labels(service),))


def timeslices(service: str, job: str) -> Side:
    """Good minutes: a minute is good when its error ratio is at most 2%."""
    return Side(service, f"service: {service}\nslos:\n  - name: availability\n    objective: 99.9\n    window: 30d\n    sli:\n"
                f"      timeslices:\n        slice: 1m\n        good_when:\n          ratio: {{errors: 'bench_requests_total{{job=\"{job}\", code=\"500\"}}', "
                f"total: 'bench_requests_total{{job=\"{job}\"}}'}}\n          op: lte\n          threshold: 0.02\n",
                (_labels(service),), timeslices=True)


def ungrouped(service: str, job: str, groups: int) -> Side:
    """K ungrouped SLOs in one service, one per route: what a grouping replaces."""
    slos = "".join(f"  - name: availability-r{i}\n    objective: 99.9\n    window: 30d\n" + _ratio(job, f"r{i}") for i in range(groups))
    return Side(service, f"service: {service}\nslos:\n{slos}", tuple(_labels(service, f"availability-r{i}") for i in range(groups)), slos=groups)


def grouped(service: str, job: str, groups: int) -> Side:
    """One SLO grouped by route: K groups."""
    return Side(service, f"service: {service}\nslos:\n  - name: availability\n    objective: 99.9\n    window: 30d\n    grouping: [route]\n"
                + _ratio(job), tuple(_labels(service, route=f"r{i}") for i in range(groups)))


def split(service: str, job: str) -> Side:
    """The same SLO under `--split prometheus,prometheus`: the leaf file and the global file."""
    side = plain(service, job)
    return Side(service, side.spec, side.series, options=BuildOptions(split=SplitOptions(leaf="prometheus", global_="prometheus")),
                files=("rules/leaf/{service}.yml", "rules/global/{service}.yml"))


def registry(groups: int = GROUPS) -> dict[str, Feature]:
    """Every measured feature by name (exclusions, native histograms and composites have their own harnesses)."""
    return {
        "calendar": Feature("calendar", "a calendar-month SLO (UTC) vs the same rolling 30d SLO",
                            plain("calendar-base", "calendar"), calendar("calendar-with", "calendar")),
        "timeslices": Feature("timeslices", "good minutes (error ratio <= 2% per 1m slice) vs a ratio SLO over the same counters",
                              plain("timeslices-base", "timeslices"), timeslices("timeslices-with", "timeslices")),
        "grouping": Feature("grouping", f"one SLO grouped by route ({groups} groups) vs {groups} ungrouped SLOs in one service, per group",
                            ungrouped("grouping-base", "grouping", groups), grouped("grouping-with", "grouping", groups),
                            routes=groups, units=groups),
        "split": Feature("split", "leaf + global files (--split prometheus,prometheus) in one Prometheus vs the unsplit file: "
                         "one cluster, no remote write, the global evaluated by Prometheus itself, not Thanos or Mimir",
                         plain("split-base", "split"), split("split-with", "split")),
    }


def identical(name: str = "identical") -> Feature:
    """A pair whose rules differ only in the service name: every figure but time must come out +0."""
    return Feature(name, "the baseline against itself", plain(f"{name}-base", name), plain(f"{name}-with", name))


def rule_files(side: Side) -> dict[str, str]:
    """Compile one side; its rule files by name (in the Prometheus rules directory)."""
    with tempfile.TemporaryDirectory(prefix="slogen-bench-feature-") as tmp:
        (Path(tmp) / f"{side.service}.yaml").write_text(side.spec)
        tree, problems = build_tree([Path(tmp)], side.options)
    assert not problems, problems
    return {f"{side.service}-{i}.yml": tree.files[f.format(service=side.service)] for i, f in enumerate(side.files)}


def _counters(t: float, feature: Feature) -> list[str]:
    """The raw counter lines of a feature's job at time t (no timestamp), the traffic spread over its routes."""
    out = []
    for route in range(feature.routes):
        for code, share in (("200", 1 - ERROR_RATIO), ("500", ERROR_RATIO)):
            value = RATE * share * (t - ORIGIN) / feature.routes
            out.append(f'bench_requests_total{{job="{feature.name}",instance="i0",route="r{route}",code="{code}"}} {value:.3f}')
    return out


def _series(labels: dict[str, str], window: str | None = None) -> str:
    return ",".join(f'{k}="{v}"' for k, v in {**labels, **({"slo_window": window} if window else {})}.items())


def write_history(path: Path, features: list[Feature], now: int, dense: bool, days: int = 32) -> int:
    """OpenMetrics history: the hourly points over `days` (`dense` False), or the 5m base rates
    over 26 hours and the counters and timeslice verdicts over 2 hours (`dense` True)."""
    families: dict[str, list[str]] = {}

    def add(family: str, labels: str, value: float, t: int) -> None:
        families.setdefault(family, []).append(f"{family}{{{labels}}} {value} {t}")

    sides = [side for f in features for side in (f.baseline, f.feature)]
    if not dense:
        for t in range(now - days * DAY, now, HOUR):
            for side in sides:
                for labels in side.series:
                    add("slo:sli_events:rate1h", _series(labels, "1h"), RATE, t)
                    add("slo:sli_errors:rate1h", _series(labels, "1h"), RATE * ERROR_RATIO, t)
                    add("slo:period_history:seconds", _series(labels), 30 * DAY, t)
    else:
        for t in range(now - 26 * HOUR, now, 30):
            for side in sides:
                for labels in side.series:
                    add("slo:sli_events:rate5m", _series(labels, "5m"), RATE, t)
                    add("slo:sli_errors:rate5m", _series(labels, "5m"), RATE * ERROR_RATIO, t)
                    add("slo:sli_error:ratio_rate5m", _series(labels, "5m"), ERROR_RATIO, t)
                    if side.timeslices and t >= now - 2 * HOUR and t % 60 == 0:
                        add("slo:timeslice_good:bool", _series(labels), 1, t)
        for t in range(now - 2 * HOUR, now, 15):
            for feature in features:
                families.setdefault("bench_requests_total", []).extend(f"{line} {t}" for line in _counters(t, feature))
    return write_families(path, families)


def import_history(data: Path, workdir: Path, features: list[Feature], now: int, days: int = 32) -> int:
    """Write both history files and turn them into blocks under `data`."""
    data.mkdir(parents=True, exist_ok=True)
    count = 0
    for dense in (False, True):
        path = workdir / f"history-{'dense' if dense else 'hourly'}.om"
        count += write_history(path, features, now, dense, days)
        create_blocks(path, data)
    return count


def wait_for_groups(prom: Prometheus, timeout: float = 300) -> list[str]:
    """Wait until every group below an hour has run once (a calendar's queries read its own
    earlier records); the groups still waiting at the timeout."""
    deadline = time.monotonic() + timeout
    while True:
        waiting = [g["name"] for g in prom.rule_groups() if g["interval"] < HOUR and g.get("lastEvaluation", "0001").startswith("0001")]
        if not waiting or time.monotonic() >= deadline:
            return waiting
        time.sleep(5)


def _query_hour(rules: list[dict], repeat: int | None = None) -> float:
    """Summed query time of one side's rules per hour at their groups' intervals (median, or one repeat's)."""
    return sum((r["query_s"] if repeat is None else r["query_s_all"][repeat]) * HOUR / r["interval_s"] for r in rules)


TOTALS = ("rules", "rule_evaluations_per_hour", "samples_per_hour", "query_s_per_hour", "eval_s_per_hour",
          "eval_s_per_hour_q1", "eval_s_per_hour_q3", "output_series")


def side_result(side: Side, units: int, rules: list[dict], times: dict[str, list[float]]) -> dict:
    """One side's totals, per SLO and per unit, and its groups and rules."""
    s = summarise(rules, times, 1)
    totals = {
        "rules": len(rules), "rule_evaluations_per_hour": s["rule_evaluations_per_hour_per_slo"],
        "samples_per_hour": s["samples_per_hour_per_slo"], "query_s_per_hour": _query_hour(rules),
        "eval_s_per_hour": s["cpu_s_per_hour_per_slo"], "eval_s_per_hour_q1": s["cpu_s_per_hour_per_slo_q1"],
        "eval_s_per_hour_q3": s["cpu_s_per_hour_per_slo_q3"], "output_series": s["output_series_per_slo"],
    }
    return {
        "service": side.service, "slos": side.slos, "units": units, "total": totals,
        "per_slo": {k: v / side.slos for k, v in totals.items()}, "per_unit": {k: v / units for k, v in totals.items()},
        "all_groups_measured": s["all_groups_measured"], "groups": s["groups"], "rule_stats": rules,
        # A recorded window that reads nothing looks cheap: history the rules do not select.
        "empty_recording_rules": sorted({r["rule"] for r in rules if r["recording"] and not r["series"]}),
    }


def change(base: dict, with_: dict, repeats: int) -> dict:
    """Feature over baseline, per unit, as a fraction (+0.2: 20% more); the query time also repeat by repeat."""
    out = {k: (with_["per_unit"][k] / base["per_unit"][k] - 1 if base["per_unit"][k] else None) for k in TOTALS}
    out["query_s_per_hour_by_repeat"] = spread([_query_hour(with_["rule_stats"], i) / _query_hour(base["rule_stats"], i) - 1
                                                for i in range(repeats)])
    return out


def run(features: list[Feature], warmup_s: float, measure_s: float, repeats: int, days: int = 32, settle_s: float = 300) -> dict:
    """Write history, load every pair into one Prometheus, measure; the figures per feature.

    `days` of hourly points; `settle_s` at most for the imported blocks' compaction and again
    for every group's first run (0 in the smoke test: then a calendar reads its records empty)."""
    work = Path(tempfile.mkdtemp(prefix="slogen-bench-features-"))
    now = int(time.time()) // 60 * 60
    sides = {side.service: side for f in features for side in (f.baseline, f.feature)}
    began = time.perf_counter()
    samples = import_history(work / "data", work, features, now, days)
    history_s = time.perf_counter() - began
    server = ExpositionServer(lambda: "\n".join(line for f in features for line in _counters(time.time(), f)) + "\n")
    prom = Prometheus(work, server.target, scrape_interval="15s")
    groups: dict[str, list[dict]] = {}
    for service, side in sides.items():
        for name, text in rule_files(side).items():
            (prom.rules / name).write_text(text)
            groups.setdefault(service, []).extend(yaml.safe_load(text)["groups"])
    loads = [load_now()]
    with cleaned_up(work, server), running(prom):
        blocks = (sum(1 for d in prom.data.iterdir() if d.is_dir() and len(d.name) == 26), wait_for_compaction(prom.data, settle_s))
        waiting = wait_for_groups(prom, settle_s)
        times, stats = measure_in_turn(prom, groups, warmup_s, measure_s, repeats, loads)
    out = {}
    for f in features:
        base = side_result(f.baseline, f.units, stats[f.baseline.service], times)
        with_ = side_result(f.feature, f.units, stats[f.feature.service], times)
        out[f.name] = {"what": f.what, "units": f.units, "baseline": base, "feature": with_, "change": change(base, with_, repeats)}
    return {
        "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "warmup_s": warmup_s, "measure_s": measure_s, "repeats": repeats, "history_samples": samples, "history_s": history_s,
        "blocks_imported_compacted": blocks, "groups_never_run": waiting,
        "load": spread(loads), "loads": loads, "cpus": cpus(), "busy": any(busy(x, cpus()) for x in loads),
        "prometheus": subprocess.run(["prometheus", "--version"], capture_output=True, text=True).stdout.splitlines()[0],
        "features": out,
    }


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:+.1f}%"


def table(result: dict) -> str:
    """Per feature, per unit and hour: baseline, with the feature, and the change; then the load."""
    lines = [f"{'feature':11} {'per unit and hour':26} {'baseline':>12} {'feature':>12} {'change':>9}"]
    rows = (("rules", "rules (count)", "{:.1f}"), ("rule_evaluations_per_hour", "rule evaluations", "{:,.0f}"),
            ("samples_per_hour", "samples read", "{:,.0f}"), ("query_s_per_hour", "query time, ms", "{:.1f}"),
            ("eval_s_per_hour", "group evaluation, ms", "{:.1f}"))
    for name, f in result["features"].items():
        for key, label, fmt in rows:
            scale = 1000 if key.endswith("_s_per_hour") else 1
            base, with_ = (scale * f[side]["per_unit"][key] for side in ("baseline", "feature"))
            lines.append(f"{name:11} {label:26} {fmt.format(base):>12} {fmt.format(with_):>12} {_pct(f['change'][key]):>9}")
        r = f["change"]["query_s_per_hour_by_repeat"]
        lines.append(f"{name:11} {'query time per repeat':26} median {_pct(r['median'])} (q1 {_pct(r['q1'])}, q3 {_pct(r['q3'])}, n {r['n']})")
        for side in ("baseline", "feature"):
            if f[side]["empty_recording_rules"]:
                lines.append(f"{name:11} {side} records nothing in: {', '.join(f[side]['empty_recording_rules'])}")
    load = result["load"]
    lines.append(f"load average {load['min']:.2f}..{load['max']:.2f} (median {load['median']:.2f}) on {result['cpus']} CPUs"
                 + (" BUSY: not a quiet-machine figure" if result["busy"] else ""))
    return "\n".join(lines)


MARK_START = "<!-- feature-cost:start (written by bench/feature_cost.py) -->"
MARK_END = "<!-- feature-cost:end -->"


def section(result: dict) -> list[str]:
    """The Markdown section: one row per feature, per unit and hour, and how it was measured."""
    load = result["load"]
    lines = [
        MARK_START, "## Feature cost", "",
        "Each spec feature next to the SLO it replaces, over the same counters, all pairs in one Prometheus "
        f"({result['prometheus'].split(' (')[0]}) with a month of written history (`bench/feature_cost.py`, in `make bench`). "
        f"Per unit (one SLO; for grouping one group) and hour at the groups' native intervals: rules, rule evaluations, "
        f"samples read (`stats=all`), and query time, every rule of every side run in turn {result['repeats']} times "
        "(the median of the per-repeat feature/baseline ratios, quartiles in brackets). Group evaluation times are in "
        f"`build/bench-features.json`, not here: over {result['measure_s']:.0f}s a {LONG_INTERVAL // 60}m group is seen a few times, and under load they swing more than the pairs differ. "
        + (f"Measured {result['measured']}, load" if result.get("measured") else "Load") + f" average {load['min']:.1f} to {load['max']:.1f} on {result['cpus']} CPUs"
        + (", **busy**: the absolute times are a loaded machine's; the paired ratios are the figure." if result["busy"] else "."), "",
        "| feature | pair | rules | rule evaluations | samples read | query time, ms | query time per repeat |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, f in result["features"].items():
        base, with_, c = f["baseline"]["per_unit"], f["feature"]["per_unit"], f["change"]
        r = c["query_s_per_hour_by_repeat"]
        lines.append(
            f"| {name} | {f['what']} | {base['rules']:.1f} → {with_['rules']:.1f} | "
            f"{base['rule_evaluations_per_hour']:,.0f} → {with_['rule_evaluations_per_hour']:,.0f} ({_pct(c['rule_evaluations_per_hour'])}) | "
            f"{base['samples_per_hour']:,.0f} → {with_['samples_per_hour']:,.0f} ({_pct(c['samples_per_hour'])}) | "
            f"{1000 * base['query_s_per_hour']:.0f} → {1000 * with_['query_s_per_hour']:.0f} | "
            f"{_pct(r['median'])} ({_pct(r['q1'])} .. {_pct(r['q3'])}) |")
    lines += ["", MARK_END]
    return lines


def write_section(md: Path, result: dict) -> None:
    """Replace (or append) the feature-cost section of a Markdown file; the rest stays as it is."""
    write_marked(md, MARK_START, MARK_END, section(result))


def main() -> None:
    """Command line: run, print the table, optionally write JSON and the Markdown section."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--features", default=",".join(registry()), help="comma-separated, from: " + ", ".join(registry()))
    parser.add_argument("--groups", type=int, default=GROUPS, help="groups of the grouped SLO (and ungrouped SLOs beside it)")
    parser.add_argument("--warmup", type=float, default=60, help="seconds before sampling, once every group has run")
    parser.add_argument("--measure", type=float, default=180, help="seconds of group evaluation sampling")
    parser.add_argument("--repeats", type=int, default=25, help="runs of every rule expression with stats, in turn")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--md", type=Path, help="write (or replace) the Feature cost section of this Markdown file")
    args = parser.parse_args()
    known = registry(args.groups)
    unknown = [name for name in args.features.split(",") if name not in known]
    if unknown:
        parser.error(f"unknown feature {', '.join(unknown)}: choose from {', '.join(known)}")
    result = run([known[name] for name in args.features.split(",")], args.warmup, args.measure, args.repeats)
    print(table(result))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    if args.md:
        write_section(args.md, result)


if __name__ == "__main__":
    main()
