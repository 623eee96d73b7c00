"""Rule evaluation cost and exactness in a real Prometheus: slogen vs Sloth's and Pyrra's shapes.

One run, in a temp dir:

1. 30 days (+5h for the first windows) of counter and histogram history, one sample a
   minute, for one service per case (1 and 10 raw series per SLI counter) with several
   ratio and latency SLOs (a service rarely has just one), written as OpenMetrics and imported with `promtool tsdb create-blocks-from
   openmetrics`; diurnal traffic with a one-hour outage in the quiet hour (bench/traffic.py).
2. Prometheus (127.0.0.1, free port, temp storage) scrapes a local endpoint that
   continues the same counters, so windows ending now hold data.
3. Recorded series that long windows read are backfilled honestly with `promtool tsdb
   create-blocks-from rules` against that Prometheus: slogen's 5m base rates, then
   its hourly points, then the history count read from them (so the budget covers the
   whole window, as after 30 days of running), Sloth's 5m ratios (its 30d SLI averages
   them).  Pyrra reads raw series only.
4. All three rule sets are loaded side by side at their native intervals; every
   group's evaluation time is sampled from /api/v1/rules for a few minutes (each tool
   keeps its native group structure: slogen's groups hold a service's SLOs, Sloth's
   and Pyrra's one SLO each); every rule
   expression is run once more with `stats=all` for samples touched and series out;
   each tool's period SLI is compared with the exact value from the traffic integrals.

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
from dataclasses import replace
from pathlib import Path

import yaml
from slogen.build.options import BuildOptions
from slogen.build.pipeline import build_tree
from slogen.emit.text.documents import render_yaml
from slogen.plan.names import PERIOD_HISTORY

from .exposition_server import ExpositionServer
from .load import busy, cpus, load_now
from .prometheus import Prometheus, running
from .shapes import BenchSLO, pyrra_groups, sloth_groups
from .traffic import DAY, quiet_hour_outage, series_of

STEP = 60  # seconds between samples, history and live scrape alike
RATIO_METRIC = "bench_requests"
LATENCY_METRIC = "bench_request_duration_seconds"
OBJECTIVE = "99.9"
TOOLS = ("slogen", "sloth", "pyrra")
KINDS = (("ratio", RATIO_METRIC), ("latency", LATENCY_METRIC))


# ---- the SLOs and their traffic -------------------------------------------------------

SIZES = (1, 4, 10)  # SLOs per service
COMPARE_SIZE = 4  # Sloth and Pyrra (whose cost per SLO does not depend on it) run at this size only


def cases(replicas: tuple[int, ...], now: float, sizes: tuple[int, ...] = SIZES, compare: int = COMPARE_SIZE) -> list[dict]:
    """Per replica count and service size n: a service with n SLOs, ratio and latency in turn,
    each on its own series (`slo` label).  Services of the same replica count read the
    same series (the first n of them), so the history does not grow with the sizes."""
    out = []
    for r in replicas:
        sources = []
        for index in range(max(sizes)):
            kind, metric = KINDS[index % 2]
            traffic = quiet_hour_outage(now, days_ago=3, mean_rate=50.0, error_ratio=0.001, outage_ratio=0.5)
            sources.append((kind, metric, (("job", f"cost-r{r}"), ("slo", f"s{index}")), traffic))
        for n in sizes:
            service = f"cost-r{r}-n{n}"
            slos = []
            for index, (kind, metric, matchers, traffic) in enumerate(sources[:n]):
                name = f"{kind}-{index // 2 + 1}"
                slos.append((BenchSLO(service, name, kind, matchers, OBJECTIVE, metric=metric), traffic))
            out.append({"replicas": r, "size": n, "service": service, "slos": slos, "compare": n == compare})
    return out


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


# ---- the three rule sets ---------------------------------------------------------------

def exclusions_text(service: str, now: float) -> str:
    """Three exclusions, one of each kind (#28): a one-off a day ago (inside any history the
    bench writes, so the long windows' corrections read it), a weekly window in a zone with
    DST, and a signal gauge."""
    start = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - DAY))
    end = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now - DAY + 2 * 3600))
    return (f"exclusions:\n  - reason: upgrade\n    from: {start}\n    to: {end}\n"
            "  - reason: weekly\n    every: {weekday: sunday, at: \"02:00\", for: 2h, time_zone: Europe/Berlin}\n"
            f"  - reason: deploys\n    when: maintenance_mode{{service=\"{service}\"}} == 1\n")


def slogen_spec(case: dict, exclusions: bool = False) -> str:
    """slogen's spec for a case's SLOs (with `exclusions`, three for every SLO of the service)."""
    sel = lambda slo: ", ".join(f'{k}="{v}"' for k, v in slo.matchers)  # noqa: E731
    text = f"service: {case['service']}\n" + (exclusions_text(case["service"], time.time()) if exclusions else "") + "slos:\n"
    for slo, _ in case["slos"]:
        text += f"  - name: {slo.name}\n    objective: {OBJECTIVE}\n    window: 30d\n    sli:\n"
        if slo.kind == "ratio":
            text += (f"      ratio:\n        errors: {slo.metric}_total{{{sel(slo)}, code=~\"5..\"}}\n"
                     f"        total: {slo.metric}_total{{{sel(slo)}}}\n")
        else:
            text += f"      latency:\n        histogram: {slo.metric}{{{sel(slo)}}}\n        threshold: {slo.threshold}\n"
    return text


def compile_slogen(specs: dict[str, str], workdir: Path) -> dict[str, list[dict]]:
    """slogen's rule groups per service ({service: spec text}), compiled by the slogen of this checkout, now."""
    folder = workdir / "slogen-specs"
    folder.mkdir(parents=True, exist_ok=True)
    for service, text in specs.items():
        (folder / f"{service}.yaml").write_text(text)
    tree, problems = build_tree([folder])
    if problems:
        raise RuntimeError(f"slogen rejected the bench specs: {problems}")
    files = tree.files
    return {service: yaml.safe_load(files[f"rules/{service}.yml"])["groups"] for service in specs}


def slogen_groups(all_cases: list[dict], workdir: Path, exclusions: bool = False) -> dict[str, list[dict]]:
    """slogen's rule groups per service, compiled by slogen itself."""
    return compile_slogen({case["service"]: slogen_spec(case, exclusions) for case in all_cases}, workdir)


def rule_counts(sizes: tuple[int, ...] = SIZES, services: int = 10) -> dict:
    """Rules and rule evaluations per SLO and hour (native intervals) of the bench's SLOs, with
    the shared rules per service and, for `services` services of each size, shared across them
    (`--share-rules global`): what sharing saves, counted from the rule files slogen writes."""
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            all_cases = []
            for index in range(services):
                for case in cases((1,), 0.0, (n,)):
                    service = f"{case['service']}-{index}"
                    slos = [(replace(slo, service=service), traffic) for slo, traffic in case["slos"]]
                    all_cases.append({**case, "service": service, "slos": slos})
            specs = Path(tmp) / f"n{n}"
            specs.mkdir()
            for case in all_cases:
                (specs / f"{case['service']}.yaml").write_text(slogen_spec(case))
            row = {}
            for share in ("service", "global"):
                tree, problems = build_tree([specs], BuildOptions(share_rules=share))
                assert not problems, problems
                groups = [g for rel, text in tree.files.items() if rel.startswith("rules/") for g in yaml.safe_load(text)["groups"]]
                slos = services * n
                row[share] = {
                    "rules_per_slo": sum(len(g["rules"]) for g in groups) / slos,
                    "rule_evaluations_per_hour_per_slo": sum(len(g["rules"]) * 3600 / _interval_s(g["interval"]) for g in groups) / slos,
                }
            out[f"n{n}"] = row
    return out


def _inline_events(groups: list[dict]) -> list[dict]:
    """slogen's base-rate rules for backfilling: the errors rule reads the recorded events
    rate, which does not exist yet in history, so it gets the events expression inlined."""
    short = next(g for g in groups if g["name"].endswith("-sli-short"))
    # An SLO's exclusion state (#28) gates both rates: inlined the same way.
    states = {r["labels"]["slo_id"]: r["expr"] for r in short["rules"] if r.get("record") == "slo:exclusion:state"}

    def inline_state(rule: dict) -> dict:
        sid = rule["labels"]["slo_id"]
        ref = f'slo:exclusion:state{{slo_id="{sid}"}}'
        return {**rule, "expr": rule["expr"].replace(ref, f"({states[sid]})")} if sid in states else rule

    events = {r["labels"]["slo_id"]: inline_state(r)["expr"] for r in short["rules"] if r.get("record") == "slo:sli_events:rate5m"}
    out = []
    for rule in short["rules"]:
        if rule.get("record") == "slo:sli_events:rate5m":
            out.append(inline_state(rule))
        elif rule.get("record") == "slo:sli_errors:rate5m":
            sid = rule["labels"]["slo_id"]
            ref = f'slo:sli_events:rate5m{{slo_id="{sid}"}}'
            out.append(inline_state({**rule, "expr": rule["expr"].replace(ref, f"({events[sid]})")}))
    return out


def _with_labels(expr: str, labels: dict[str, str]) -> str:
    """`expr` with a recording rule's static labels set by label_replace, as the rule would set them."""
    for key, value in sorted(labels.items()):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "$$")
        expr = f'label_replace({expr}, "{key}", "{escaped}", "", "")'
    return expr


def merged_for_backfill(rules: list[dict]) -> list[dict]:
    """One rule per recorded name, joining every SLO's own expression (labels set inline) with `or`.

    promtool 2.42 writes one block per rule and 2h of history, so 30 days of 24 rules are
    8,928 blocks that Prometheus then has to open and compact (several minutes); merged,
    the same series with the same values come from a few rules.
    """
    merged: dict[str, list[str]] = {}
    for rule in rules:
        merged.setdefault(rule["record"], []).append(_with_labels(f"({rule['expr']})", rule.get("labels", {})))
    return [{"record": name, "expr": "\nor\n".join(parts)} for name, parts in merged.items()]


def _rule_file(groups: list[dict]) -> str:
    return render_yaml({"groups": groups})


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


def sample_group_times(prom: Prometheus, seconds: float, poll: float = 5.0) -> dict[str, list[float]]:
    """Evaluation durations of every group, one per distinct evaluation seen."""
    seen: dict[str, dict[str, float]] = {}
    deadline = time.monotonic() + seconds
    while True:
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


def run(replicas: tuple[int, ...] = (1, 10), days: float = 30, measure_s: float = 420, sizes: tuple[int, ...] = SIZES, exclusions: bool = False) -> dict:
    """The whole benchmark; returns raw and summarised numbers."""
    work = Path(tempfile.mkdtemp(prefix="slogen-bench-eval-"))
    timings: dict[str, float] = {}
    server = None
    prom = None
    try:
        now0 = math.floor(time.time() / STEP) * STEP
        # Hours before the period: the first hourly points and the 5m rates they average need them.
        history_start = now0 - days * DAY - 5 * 3600
        all_cases = cases(replicas, now0, sizes)
        compared = [case for case in all_cases if case["compare"]]
        began = time.perf_counter()
        samples = import_history(work, all_cases, history_start, now0)
        timings["history_s"] = time.perf_counter() - began

        server = ExpositionServer(lambda: exposition(all_cases))
        prom = Prometheus(work, server.target, scrape_interval=f"{STEP}s")

        slogen = slogen_groups(all_cases, work, exclusions)
        sloth = {case["service"]: [g for slo, _ in case["slos"] for g in sloth_groups(slo)] for case in compared}
        pyrra = {case["service"]: [g for slo, _ in case["slos"] for g in pyrra_groups(slo)] for case in compared}
        tools = {"slogen": slogen, "sloth": sloth, "pyrra": pyrra}

        with running(prom):
            # Backfill from just after the history's first windows to now.
            first = now0 - days * DAY - 4 * 3600
            stage1 = [{"name": "backfill-base", "rules": merged_for_backfill(
                [r for c in all_cases for r in _inline_events(slogen[c["service"]])]
                + [sloth_groups(slo)[0]["rules"][0] for c in compared for slo, _ in c["slos"]])}]
            timings["backfill_base_s"] = backfill_rules(prom, stage1, first, time.time() - 60, work, "backfill1")
            # The hourly points are averages of the base rates just backfilled: they must be readable first.
            wait_for_history(prom, "count(slo:sli_events:rate5m)", first + 2 * 3600)
            hourly_groups = [g for c in all_cases for g in slogen[c["service"]] if g["name"].endswith("-sli-hourly")]
            merged = merged_for_backfill([r for g in hourly_groups for r in g["rules"]])
            # The history count reads the hourly points: backfilled once they are readable.
            points = [r for r in merged if r["record"] != PERIOD_HISTORY]
            history = [r for r in merged if r["record"] == PERIOD_HISTORY]
            hourly = [{"name": "backfill-hourly", "interval": hourly_groups[0]["interval"], "rules": points}]
            # Start on a 2h block boundary: promtool 2.42 aligns a group's first evaluation to its
            # interval's offset and stops at the first block that ends before it, so an unaligned
            # start with a 1h interval can silently backfill nothing.
            hourly_start = math.ceil((first + 3600) / 7200) * 7200
            timings["backfill_hourly_s"] = backfill_rules(prom, hourly, hourly_start, time.time() - 60, work, "backfill2")
            if history:
                # The last hourly point is at most an hour before the backfill's end.
                wait_for_history(prom, "count(last_over_time(slo:sli_events:rate1h[2h]))", time.time() - 60)
                counts = [{"name": "backfill-history", "interval": hourly_groups[0]["interval"], "rules": history}]
                timings["backfill_history_s"] = backfill_rules(prom, counts, hourly_start, time.time() - 60, work, "backfill3")

            for tool, per_service in tools.items():
                (prom.rules / f"{tool}.yml").write_text(_rule_file([g for gs in per_service.values() for g in gs]))
            prom.reload()
            began = time.perf_counter()
            # Every tool's groups are evaluated side by side in one Prometheus while
            # sampling: the same machine conditions for all of them.
            loads = [load_now()]
            group_times = sample_group_times(prom, measure_s)
            loads.append(load_now())
            timings["sampling_s"] = time.perf_counter() - began
            load = os.getloadavg()  # how busy the shared machine was while sampling

            at = time.time()
            results: dict = {}
            for case in all_cases:
                service = case["service"]
                per_tool = {}
                case_tools = {tool: per_service[service] for tool, per_service in tools.items() if service in per_service}
                all_stats = rule_stats(prom, case_tools, at)
                for tool, per_service in tools.items():
                    if service not in per_service:
                        continue
                    stats = all_stats[tool]
                    summary = summarise(stats, group_times, len(case["slos"]))
                    summary["rules"] = stats
                    summary["period_sli"] = {}
                    for slo, traffic in case["slos"]:
                        got = _value_of(prom.query(period_sli_exprs(tool, slo, per_service[service]), at)["result"], slo)
                        exact = traffic.exact_error_ratio(max(at - 30 * DAY, history_start), at)
                        summary["period_sli"][slo.name] = {"value": got, "exact": exact, "relative_error": (got - exact) / exact}
                    per_tool[tool] = summary
                results[f"r{case['replicas']}-n{case['size']}"] = {
                    "replicas": case["replicas"], "size": case["size"], "service": service, "tools": per_tool,
                }
        return {
            "days": days, "step_s": STEP, "history_samples": samples, "measure_s": measure_s,
            "sizes": list(sizes), "compare_size": COMPARE_SIZE, "load_average": load, "cpus": cpus(),
            "load_while_sampling": loads, "busy": any(busy(x, cpus()) for x in loads),
            "timings": timings, "cases": results, "prometheus": _version(), "rule_counts": rule_counts(sizes),
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
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)), help="SLOs per service, one service per size and fan-out")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--exclusions", action="store_true", help="give every slogen SLO three exclusions, one of each kind")
    args = parser.parse_args()
    sizes = tuple(int(n) for n in args.sizes.split(","))
    result = run(days=args.days, measure_s=args.measure, sizes=sizes, exclusions=args.exclusions)
    for key, case in result["cases"].items():
        for tool, s in case["tools"].items():
            errs = ", ".join(f"{n} {v['relative_error']:+.2%}" for n, v in s["period_sli"].items())
            print(f"{key} {tool:7s} cpu/h/SLO {s['cpu_s_per_hour_per_slo']:.4f}s "
                  f"(q1 {s['cpu_s_per_hour_per_slo_q1']:.4f}, q3 {s['cpu_s_per_hour_per_slo_q3']:.4f})  "
                  f"rule evals/h/SLO {s['rule_evaluations_per_hour_per_slo']:.0f}  samples/h/SLO {s['samples_per_hour_per_slo']:.3g}  "
                  f"rec {s['recording_rules_per_slo']:.1f}  series {s['output_series_per_slo']:.1f}  period SLI {errs}")
    print(json.dumps(result["timings"]))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
