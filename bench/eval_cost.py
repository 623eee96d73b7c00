"""Rule evaluation cost and exactness in a real Prometheus: slogen against Sloth's and Pyrra's shapes and the floor.

One run, in a temp dir, every rule set side by side in one Prometheus (bench/eval_sets.py
builds them): per fan-out (1 and 10 raw series per SLI counter) and service size (1, 4 and
10 SLOs), slogen's default layout (`--share-rules service`) and `--share-rules global`
(several services sharing one file), each with its floor (slogen's two 5m base rates
alone); Sloth and Pyrra at 4 SLOs.

1. 30 days (+5h for the first windows) of counter and histogram history, one sample a
   minute, every SLO of a shape on its own series, written as OpenMetrics and imported
   with `promtool tsdb create-blocks-from openmetrics`; diurnal traffic with a one-hour
   outage in the quiet hour (bench/traffic.py).
2. Prometheus (127.0.0.1, free port, temp storage) scrapes a local endpoint that
   continues the same counters, so windows ending now hold data.
3. Recorded series that long windows read are backfilled honestly with `promtool tsdb
   create-blocks-from rules` against that Prometheus: slogen's 5m base rates, then
   its hourly points, then the history count read from them (so the budget covers the
   whole window, as after 30 days of running), Sloth's 5m ratios (its 30d SLI averages
   them).  Pyrra reads raw series only.
4. Every rule set is loaded (groups between 1m and 1h evaluated every 1m, so that a
   few minutes see each several times; their cost per hour counts their native
   evaluations); after the load settles, every
   group's evaluation time is sampled from /api/v1/rules for a few minutes, the load
   average read at every poll (each tool keeps its native group structure: slogen's
   groups hold a service's SLOs or, global, every service's; Sloth's and Pyrra's one
   SLO each); every rule expression is run again with `stats=all`, all sets in turn,
   for samples touched and series out; each tool's period SLI is compared with the
   exact value from the traffic integrals.

    python -m bench.eval_cost --json out.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from slogen.emit.text.documents import render_yaml

from .eval_sets import COMPARE_SIZE, RULE_SETS, SHARES, SIZES, backfill_stages, cases, rule_sets, slogen_sets
from .eval_sets import compile_slogen  # noqa: F401  (alert_quality.py compiles through it)
from .exposition_server import ExpositionServer
from .load import busy, cpus, load_now, settle
from .prometheus import Prometheus, running
from .shapes import BenchSLO, pyrra_groups, sloth_groups
from .traffic import DAY, series_of

STEP = 60  # seconds between samples, history and live scrape alike
TOOLS = RULE_SETS
# slogen's cost per SLO over the cheaper of Sloth and Pyrra (issue #27), by layout.
TARGETS = {"service": 0.2, "global": 0.12}
EXACT_TARGET = 0.001  # the period SLI within 0.1% of exact


# ---- the series ------------------------------------------------------------------------

def _unique_series(all_cases: list[dict]):
    """(series text, a, b, replicas, traffic) of every raw series, each once."""
    seen: set[str] = set()
    for case in all_cases:
        r = case["replicas"]
        for slo, traffic in case["slos"]:
            for series, a, b in _series(slo, r):
                if series not in seen:
                    seen.add(series)
                    yield series, a, b, r, traffic


def _series(slo: BenchSLO, replicas: int) -> list[tuple[str, float, float]]:
    labels = ",".join(f'{k}="{v}"' for k, v in slo.matchers)
    return series_of(slo.kind, slo.metric, labels, replicas)


def write_openmetrics(path: Path, all_cases: list[dict], start: float, end: float) -> int:
    """History of every series in [start, end), one sample per STEP; returns the number of samples."""
    times = [start + i * STEP for i in range(math.ceil((end - start) / STEP))]
    # OpenMetrics wants each family contiguous; the `unknown` type allows any sample name.
    families: dict[str, list[tuple[str, float, float, int, list[float], list[float]]]] = {}
    curves: dict[int, tuple[list[float], list[float]]] = {}
    for series, a, b, r, traffic in _unique_series(all_cases):
        if id(traffic) not in curves:
            curves[id(traffic)] = ([traffic.events(t) for t in times], [traffic.errors(t) for t in times])
        events, errors = curves[id(traffic)]
        families.setdefault(series.split("{", 1)[0], []).append((series, a, b, r, events, errors))
    count = 0
    with open(path, "w") as out:
        for family, members in families.items():
            out.write(f"# TYPE {family} unknown\n")
            for series, a, b, r, events, errors in members:
                out.writelines(f"{series} {(a * e + b * x) / r:.6f} {t:.0f}\n" for t, e, x in zip(times, events, errors))
                count += len(times)
        out.write("# EOF\n")
    return count


def import_history(workdir: Path, all_cases: list[dict], start: float, end: float) -> int:
    """Write and import the history a day at a time.

    promtool re-reads its whole input once per 2h block it writes, so one file for 30
    days costs 360 full parses; day files (aligned to 2h boundaries) cost 12 small ones each.
    """
    data = workdir / "data"
    data.mkdir(exist_ok=True)
    count = 0
    day = math.floor(start / DAY) * DAY
    while day < end:
        chunk = workdir / "history.om"
        count += write_openmetrics(chunk, all_cases, max(start, day), min(end + 1, day + DAY))
        subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--quiet", str(chunk), str(data)],
                       check=True, capture_output=True)
        chunk.unlink()
        day += DAY
    return count


def exposition(all_cases: list[dict]) -> str:
    """/metrics: the history's counters, continued at the current time."""
    now = time.time()
    return "".join(
        f"{series} {(a * traffic.events(now) + b * traffic.errors(now)) / r:.6f}\n"
        for series, a, b, r, traffic in _unique_series(all_cases)
    )


def _rule_file(groups: list[dict]) -> str:
    return render_yaml({"groups": groups})


# Groups slower than this and faster than hourly are sampled at it: 420 s of sampling sees
# a 4m group once or twice, too few for a median, and one evaluation reads what the next
# reads (their windows are of recorded points; nothing reads their own output over a
# range, which would grow with their rate).  Their cost per hour stays per evaluation x
# their native evaluations.
SAMPLING_CADENCE = 60


def sampled(groups: list[dict]) -> list[dict]:
    """The groups as loaded for sampling: every group between SAMPLING_CADENCE and 1h runs every SAMPLING_CADENCE."""
    return [{**g, "interval": f"{SAMPLING_CADENCE}s"} if SAMPLING_CADENCE < _interval_s(g["interval"]) < 3600 else g
            for g in groups]


def sampling_file(groups: list[dict]) -> str:
    """The rule file a bench loads to sample these groups (`sampled`)."""
    return _rule_file(sampled(groups))


# ---- backfill ---------------------------------------------------------------------------

def backfill_rules(prom: Prometheus, groups: list[dict], start: float, end: float, workdir: Path, name: str) -> float:
    """Evaluate recording rules over history with promtool, then restart Prometheus on the new blocks."""
    rules = workdir / f"{name}.yml"
    rules.write_text(_rule_file(groups))
    out = workdir / name
    began = time.perf_counter()
    result = subprocess.run(
        ["promtool", "tsdb", "create-blocks-from", "rules", f"--start={int(start)}", f"--end={int(end)}",
         f"--url={prom.url}", f"--output-dir={out}", f"--eval-interval={STEP}s", str(rules)],
        capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"promtool backfill {name} failed: {result.stderr[-3000:]}")
    if not out.is_dir():
        log = (prom.workdir / "prometheus.log").read_text()[-3000:]
        raise RuntimeError(f"promtool backfill {name} wrote no blocks: {result.stderr[-2000:]}; prometheus log: {log}")
    prom.stop()
    for block in out.iterdir():
        if block.is_dir():
            shutil.move(str(block), prom.data / block.name)
    prom.start()
    return time.perf_counter() - began


def wait_for_history(prom: Prometheus, expr: str, at: float, timeout: float = 180) -> None:
    """Wait until backfilled blocks answer `expr` at a past instant (a restart may still be loading them)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if prom.query(expr, at)["result"]:
            return
        time.sleep(2)
    log = (prom.workdir / "prometheus.log").read_text()[-3000:]
    raise RuntimeError(f"backfilled series never became visible: {expr} at {at:.0f}; prometheus log: {log}")


# ---- measuring ----------------------------------------------------------------------------

def _interval_s(text: str) -> float:
    units = {"h": 3600, "m": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([hms])", text))


def sample_group_times(prom: Prometheus, seconds: float, poll: float = 5.0, loads: list[float] | None = None) -> dict[str, list[float]]:
    """Evaluation durations of every group, one per distinct evaluation seen (`loads`: the 1-minute load at every poll)."""
    seen: dict[str, dict[str, float]] = {}
    deadline = time.monotonic() + seconds
    while True:
        if loads is not None:
            loads.append(load_now())
        for group in prom.rule_groups():
            if group.get("lastEvaluation", "").startswith("0001"):
                continue
            seen.setdefault(group["name"], {})[group["lastEvaluation"]] = group["evaluationTime"]
        if time.monotonic() >= deadline:
            break
        time.sleep(poll)
    return {name: list(evals.values()) for name, evals in seen.items()}


def rule_stats(prom: Prometheus, tools: dict[str, list[dict]], at: float, repeats: int = 3) -> dict[str, list[dict]]:
    """Per tool, per rule: samples touched, query time (median of repeats), series out.

    The tools' queries run in turn, repeat by repeat (A B C A B C ...), so a busy
    spell of the shared machine falls on every tool alike, not on whichever ran last."""
    seen: dict[str, dict[tuple[int, int], list[dict]]] = {tool: {} for tool in tools}
    for _ in range(repeats):
        for tool, groups in tools.items():
            for g, group in enumerate(groups):
                for r, rule in enumerate(group["rules"]):
                    seen[tool].setdefault((g, r), []).append(prom.query(rule["expr"], at, stats=True))
    out: dict[str, list[dict]] = {}
    for tool, groups in tools.items():
        out[tool] = []
        for g, group in enumerate(groups):
            for r, rule in enumerate(group["rules"]):
                answers = seen[tool][(g, r)]
                stats = answers[-1].get("stats", {})
                result = answers[-1]["result"]
                out[tool].append({
                    "group": group["name"], "interval_s": _interval_s(group["interval"]),
                    "rule": rule.get("record") or rule.get("alert"), "recording": "record" in rule,
                    "samples": stats.get("samples", {}).get("totalQueryableSamples", 0),
                    "query_s": statistics.median(a.get("stats", {}).get("timings", {}).get("evalTotalTime", 0.0) for a in answers),
                    "query_s_all": [a.get("stats", {}).get("timings", {}).get("evalTotalTime", 0.0) for a in answers],
                    "series": len(result) if isinstance(result, list) else 1,
                })
    return out


def period_sli_exprs(tool: str, slo: BenchSLO, groups: list[dict]) -> str:
    """The expression each tool records as the SLO's 30d error ratio."""
    if tool == "slogen":
        # The rule serves every SLO of the service: this SLO's series of its result.
        expr = next(r["expr"] for g in groups for r in g["rules"] if r.get("record") == "slo:sli_error:ratio_rate30d")
        # Without the gate on the recorded error budget, which a short run may not have recorded yet.
        return expr.rsplit("\nand on (", 1)[0]
    if tool == "sloth":
        return next(r["expr"] for r in sloth_groups(slo)[0]["rules"] if r["record"].endswith("rate30d"))
    # Pyrra records full-window increases; its SLI is errors over total of those.
    increase = pyrra_groups(slo)[0]["rules"]
    if slo.kind == "ratio":
        total = increase[0]["expr"].replace("sum by (code) ", "sum")
        errors = total.replace("}[", ',code=~"5.."}[')
        return f"{errors} / {total}"
    count, good = increase[0]["expr"], increase[1]["expr"]
    return f"({count} - {good}) / {count}"


def _quartiles(values: list[float]) -> tuple[float, float]:
    """Lower and upper quartile (inclusive method; a single value is its own quartiles)."""
    if len(values) < 2:
        return values[0], values[0]
    q1, _, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q3


def measure_in_turn(prom: Prometheus, groups: dict[str, list[dict]], warmup_s: float, measure_s: float,
                    repeats: int, loads: list[tuple]) -> tuple[dict[str, list[float]], dict[str, list[dict]]]:
    """After `warmup_s`, every group's evaluation times for `measure_s`, then every side's rules run in
    turn, repeat by repeat, so a busy spell falls on all alike; the load is appended to `loads` at each step."""
    time.sleep(warmup_s)
    loads.append(load_now())
    times = sample_group_times(prom, measure_s)
    loads.append(load_now())
    stats = rule_stats(prom, groups, time.time(), repeats)
    loads.append(load_now())
    return times, stats


def summarise(rules: list[dict], group_times: dict[str, list[float]], slos: int) -> dict:
    """One tool, one case: per-evaluation and per-hour cost per SLO, from groups and query stats."""
    groups: dict[str, dict] = {}
    for rule in rules:
        g = groups.setdefault(rule["group"], {"interval_s": rule["interval_s"], "samples": 0, "query_s": 0.0, "rules": 0,
                                               "recording": 0, "series": 0})
        g["samples"] += rule["samples"]
        g["query_s"] += rule["query_s"]
        g["rules"] += 1
        g["recording"] += rule["recording"]
        g["series"] += rule["series"] if rule["recording"] else 0
    cpu_hour = samples_hour = eval_s = samples_eval = 0.0
    spread = {"q1": 0.0, "q3": 0.0}
    measured = True
    for name, g in groups.items():
        times = sorted(group_times.get(name) or [])
        if times:
            g["eval_s_median"] = statistics.median(times)
            g["evaluations_seen"] = len(times)
            g["eval_s_all"] = times
            g["eval_s_q1"], g["eval_s_q3"] = _quartiles(times)
        else:  # not evaluated during the sampling (e.g. hourly groups): use the summed query times
            g["eval_s_median"] = g["eval_s_q1"] = g["eval_s_q3"] = g["query_s"]
            g["evaluations_seen"] = 0
            measured = False
        per_hour = 3600 / g["interval_s"]
        cpu_hour += g["eval_s_median"] * per_hour
        spread["q1"] += g["eval_s_q1"] * per_hour
        spread["q3"] += g["eval_s_q3"] * per_hour
        samples_hour += g["samples"] * per_hour
        eval_s += g["eval_s_median"]
        samples_eval += g["samples"]
    return {
        "slos": slos,
        "groups": groups,
        "recording_rules_per_slo": sum(g["recording"] for g in groups.values()) / slos,
        "output_series_per_slo": sum(g["series"] for g in groups.values()) / slos,
        "eval_s_per_slo": eval_s / slos,
        "samples_per_eval_per_slo": samples_eval / slos,
        "cpu_s_per_hour_per_slo": cpu_hour / slos,
        # The same sum from every group's lower and upper quartile evaluation time: the
        # spread within one run (competing processes only ever make evaluations slower).
        "cpu_s_per_hour_per_slo_q1": spread["q1"] / slos,
        "cpu_s_per_hour_per_slo_q3": spread["q3"] / slos,
        "rule_evaluations_per_hour_per_slo": sum(g["rules"] * 3600 / g["interval_s"] for g in groups.values()) / slos,
        "samples_per_hour_per_slo": samples_hour / slos,
        "all_groups_measured": measured,
    }


def _value_of(result: list[dict], slo: BenchSLO) -> float:
    """The SLO's value in a query result (slogen's shared rules answer for every SLO of the service)."""
    mine = [r for r in result if r["metric"].get("slo_id", slo.id) == slo.id]
    return float(mine[0]["value"][1]) if mine else float("nan")


def _load_point(label: str) -> dict:
    one, five, fifteen = os.getloadavg()
    return {"at": label, "load1": one, "load5": five, "load15": fifteen}


def _history_and_backfill(work: Path, prom: Prometheus, all_cases: list[dict], history_start: float, now0: float,
                          days: float, timings: dict) -> None:
    """Backfill the recorded series long windows read, from just after the history's first windows to now."""
    base, points, history, interval = backfill_stages(all_cases)
    first = now0 - days * DAY - 4 * 3600
    timings["backfill_base_s"] = backfill_rules(prom, [{"name": "backfill-base", "rules": base}], first, time.time() - 60, work, "backfill1")
    # The hourly points are averages of the base rates just backfilled: they must be readable first.
    wait_for_history(prom, "count(slo:sli_events:rate5m)", first + 2 * 3600)
    # Start on a 2h block boundary: promtool 2.42 aligns a group's first evaluation to its
    # interval's offset and stops at the first block that ends before it, so an unaligned
    # start with a 1h interval can silently backfill nothing.
    hourly_start = math.ceil((first + 3600) / 7200) * 7200
    hourly = [{"name": "backfill-hourly", "interval": interval, "rules": points}]
    timings["backfill_hourly_s"] = backfill_rules(prom, hourly, hourly_start, time.time() - 60, work, "backfill2")
    if history:
        # The history count reads the hourly points; the last is at most an hour before the backfill's end.
        wait_for_history(prom, "count(last_over_time(slo:sli_events:rate1h[2h]))", time.time() - 60)
        counts = [{"name": "backfill-history", "interval": interval, "rules": history}]
        timings["backfill_history_s"] = backfill_rules(prom, counts, hourly_start, time.time() - 60, work, "backfill3")


def _period_sli(prom: Prometheus, tool: str, case: dict, groups: list[dict], at: float, history_start: float) -> dict:
    out = {}
    for slo, traffic in case["slos"]:
        got = _value_of(prom.query(period_sli_exprs(tool, slo, groups), at)["result"], slo)
        exact = traffic.exact_error_ratio(max(at - 30 * DAY, history_start), at)
        out[slo.id] = {"kind": slo.kind, "value": got, "exact": exact, "relative_error": (got - exact) / exact}
    return out


def verdicts(results: dict, is_busy: bool) -> None:
    """Per shape, into its result: slogen over the cheaper peer at its fan-out and over its floor, the target, met or not."""
    for case in results.values():
        tools = case["tools"]
        slogen, floor = tools["slogen"]["cpu_s_per_hour_per_slo"], tools["floor"]["cpu_s_per_hour_per_slo"]
        peers = next((c["tools"] for c in results.values() if c["replicas"] == case["replicas"] and "sloth" in c["tools"]), {})
        cheaper = min((peers[t]["cpu_s_per_hour_per_slo"], t) for t in ("sloth", "pyrra")) if peers else None
        target = TARGETS[case["share"]]
        ratio = slogen / cheaper[0] if cheaper else None
        worst = max((abs(v["relative_error"]) for v in tools["slogen"]["period_sli"].values()), default=float("nan"))
        case["verdict"] = {
            "cheaper_peer": cheaper[1] if cheaper else None, "cheaper_peer_cpu_s_per_hour_per_slo": cheaper[0] if cheaper else None,
            "over_cheaper_peer": ratio, "target": target, "over_floor": slogen / floor if floor else None,
            "floor_cpu_s_per_hour_per_slo": floor, "period_sli_worst": worst,
            "exact": worst <= EXACT_TARGET,
            # A busy machine's figures decide nothing: "busy", not met or missed.
            "met": "busy" if is_busy else (None if ratio is None else ratio <= target),
        }


def run(replicas: tuple[int, ...] = (1, 10), days: float = 30, measure_s: float = 420, sizes: tuple[int, ...] = SIZES,
        exclusions: bool = False, shares: tuple[str, ...] = SHARES) -> dict:
    """The whole benchmark; returns raw and summarised numbers."""
    work = Path(tempfile.mkdtemp(prefix="slogen-bench-eval-"))
    timings: dict[str, float] = {}
    loads = [_load_point("start")]
    server = None
    prom = None
    try:
        now0 = math.floor(time.time() / STEP) * STEP
        # Hours before the period: the first hourly points and the 5m rates they average need them.
        history_start = now0 - days * DAY - 5 * 3600
        all_cases = cases(replicas, now0, sizes, shares=shares)
        slogen_sets(all_cases, work, exclusions)
        sets = {case["key"]: rule_sets(case) for case in all_cases}
        began = time.perf_counter()
        samples = import_history(work, all_cases, history_start, now0)
        timings["history_s"] = time.perf_counter() - began
        loads.append(_load_point("history imported"))

        server = ExpositionServer(lambda: exposition(all_cases))
        prom = Prometheus(work, server.target, scrape_interval=f"{STEP}s")
        with running(prom):
            _history_and_backfill(work, prom, all_cases, history_start, now0, days, timings)
            loads.append(_load_point("backfilled"))
            for key, per_set in sets.items():
                for name, groups in per_set.items():
                    (prom.rules / f"{key}-{name}.yml").write_text(sampling_file(groups))
            prom.reload()
            # The backfill's own load (promtool, compaction) must not count against the sampling.
            settle()
            loads.append(_load_point("sampling began"))
            began = time.perf_counter()
            # Every rule set's groups are evaluated side by side in one Prometheus while
            # sampling: the same machine conditions for all of them.
            sampling: list[float] = []
            group_times = sample_group_times(prom, measure_s, loads=sampling)
            timings["sampling_s"] = time.perf_counter() - began
            loads.append(_load_point("sampling ended"))

            at = time.time()
            # All sets of all shapes in turn, repeat by repeat.
            stats = rule_stats(prom, {f"{key}/{name}": groups for key, per_set in sets.items() for name, groups in per_set.items()}, at)
            loads.append(_load_point("queries ran"))
            results: dict = {}
            for case in all_cases:
                per_tool = {}
                for name, groups in sets[case["key"]].items():
                    rules = stats[f"{case['key']}/{name}"]
                    summary = summarise(rules, group_times, len(case["slos"]))
                    summary["rules"] = rules
                    summary["period_sli"] = {} if name == "floor" else _period_sli(prom, name, case, groups, at, history_start)
                    per_tool[name] = summary
                results[case["key"]] = {"replicas": case["replicas"], "size": case["size"], "share": case["share"],
                                        "services": list(case["services"]), "tools": per_tool}
        count = cpus()
        # Busy: the 1-minute load above half the CPUs as sampling began or at any poll during it (the
        # query phase afterwards is the bench's own load, recorded but judging nothing).
        began_load = next(point for point in loads if point["at"] == "sampling began")
        judged = [began_load["load1"], *sampling]
        is_busy = any(busy(x, count) for x in judged)
        verdicts(results, is_busy)
        return {
            "days": days, "step_s": STEP, "history_samples": samples, "measure_s": measure_s,
            "sizes": list(sizes), "shares": list(shares), "compare_size": COMPARE_SIZE, "targets": TARGETS,
            "exact_target": EXACT_TARGET, "cpus": count, "loads": loads,
            "load_while_sampling": {"median": statistics.median(sampling), "min": min(sampling), "max": max(sampling), "n": len(sampling)},
            "load_average": [began_load["load1"], began_load["load5"], began_load["load15"]],
            "busy": is_busy, "timings": timings, "cases": results, "prometheus": _version(),
        }
    finally:
        if prom is not None:
            prom.stop()
        if server is not None:
            server.close()
        if not os.environ.get("BENCH_KEEP"):  # keep the temp dir to debug a failed run
            shutil.rmtree(work, ignore_errors=True)


def _version() -> str:
    result = subprocess.run(["prometheus", "--version"], capture_output=True, text=True)
    return (result.stdout or result.stderr).splitlines()[0] if (result.stdout or result.stderr) else "?"


def main() -> None:
    """Command line: run, print a summary, optionally write JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--days", type=float, default=30)
    parser.add_argument("--measure", type=float, default=420, help="seconds of group evaluation sampling")
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="SLOs per service")
    parser.add_argument("--shares", default=",".join(SHARES), help="rule layouts: service (the default) and global (--share-rules global)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--exclusions", action="store_true", help="give every slogen SLO three exclusions, one of each kind")
    args = parser.parse_args()
    sizes = tuple(int(n) for n in args.sizes.split(","))
    result = run(days=args.days, measure_s=args.measure, sizes=sizes, exclusions=args.exclusions, shares=tuple(args.shares.split(",")))
    for key, case in result["cases"].items():
        for tool, s in case["tools"].items():
            errs = ", ".join(f"{n} {v['relative_error']:+.2%}" for n, v in s["period_sli"].items())
            print(f"{key} {tool:7s} cpu/h/SLO {s['cpu_s_per_hour_per_slo']:.4f}s "
                  f"(q1 {s['cpu_s_per_hour_per_slo_q1']:.4f}, q3 {s['cpu_s_per_hour_per_slo_q3']:.4f})  "
                  f"rule evals/h/SLO {s['rule_evaluations_per_hour_per_slo']:.0f}  samples/h/SLO {s['samples_per_hour_per_slo']:.3g}  "
                  f"rec {s['recording_rules_per_slo']:.1f}  series {s['output_series_per_slo']:.1f}  period SLI {errs}")
        v = case["verdict"]
        ratio = "" if v["over_cheaper_peer"] is None else f"{v['over_cheaper_peer']:.3f} of {v['cheaper_peer']} (target {v['target']}, met: {v['met']}), "
        print(f"{key} slogen = {ratio}{v['over_floor']:.2f}x its floor")
    print(json.dumps({"busy": result["busy"], "loads": result["loads"], "timings": result["timings"]}))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
