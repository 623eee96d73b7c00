"""Alert quality: slogen's, Sloth's and Pyrra's rules on one incident corpus, in a real Prometheus.

For every scenario of bench/incidents.py and every tool:

1. The raw counters (`aq_requests_total{scenario, route, code}`) are written as
   OpenMetrics, one sample per SCRAPE seconds, from WARMUP before the incident (the
   longest alert window, Pyrra's 4d7h, must be full) to the end of the observation,
   and imported into a fresh TSDB per tool with `promtool tsdb create-blocks-from
   openmetrics`.
2. Each tool's rule groups (slogen's compiled by slogen from a spec at run time,
   Sloth's and Pyrra's from bench/shapes.py) are evaluated the way Prometheus runs
   them: every group at its own `interval`, at its own phase (an offset inside the
   interval derived from the group's name, as Prometheus derives one), each recording
   rule as a range query at exactly those timestamps.  A rule that reads another
   rule's output is evaluated after it (stage by stage; each stage's results are
   imported as blocks and Prometheus restarted), so it reads what Prometheus would
   have stored by then: the latest sample at or before its own timestamp.
3. Page and ticket alert expressions are range-queried at their group's timestamps
   and their `for:` applied (pending from the first true evaluation, firing once
   `for` has elapsed, reset by any false evaluation).
4. The firing times give detection (from the incident's start), reset (from its end to
   the last firing evaluation), budget spent at detection, and alerts that fired
   where the workbook's ideal (bench/incidents.py) fires nothing.

Only rules that page and ticket alerts depend on are evaluated (period SLIs, budget
policy, "exhausted" and "absent" alerts are out of scope: they need 30 days of history).

    python -m bench.alert_quality --json build/bench-alert-quality.json --md docs/benchmarks.md
    python -m bench.alert_quality --smoke
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from . import incidents
from .marked_section import write_marked
from .eval_cost import compile_slogen, wait_for_history
from .incidents import DAY, HOUR, SEVERITIES, Scenario
from .prometheus import Prometheus
from .shapes import BenchSLO, pyrra_groups, sloth_groups

SCRAPE = 15  # seconds between raw samples
METRIC = "aq_requests"
TOOLS = ("slogen", "sloth", "pyrra")
# Raw history before the incident: Pyrra's longest window at 30d (4d6h51m) plus its 5m lookback, rounded up.
WARMUP = 4 * DAY + 8 * HOUR
SMOKE_WARMUP = 3 * HOUR
MAX_POINTS = 10000  # a range query returns at most 11,000 points per series
OTHER_ALERTS = re.compile(r"exhausted|absent|nodata|no_data", re.IGNORECASE)
MARK_START = "<!-- alert-quality:start (written by bench/alert_quality.py) -->"
MARK_END = "<!-- alert-quality:end -->"


# ---- durations -------------------------------------------------------------------------------

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def seconds(text: str) -> float:
    """A Prometheus duration (`4d6h51m`, `30s`) in seconds."""
    return sum(float(n) * _UNITS[u] for n, u in re.findall(r"(\d+)(ms|[smhdwy])", text))


def longest_range(expr: str) -> float:
    """The longest range (`[3d]`, or a subquery's `[1h:5m]`) an expression reads, in seconds."""
    ranges = re.findall(r"\[\s*([0-9smhdwy]+)\s*(?::[^\]]*)?\]", expr)
    return max((seconds(r) for r in ranges), default=0.0)


# ---- the three tools' rules, per scenario ---------------------------------------------------------

def slogen_spec(scenario: Scenario) -> str:
    """slogen's spec for a scenario's SLO."""
    sel = f'scenario="{scenario.name}"'
    grouping = "    grouping: [route]\n" if scenario.grouped else ""
    return (f"service: aq-{scenario.name}\nslos:\n  - name: avail\n    objective: {incidents.OBJECTIVE}\n    window: 30d\n"
            f"{grouping}    sli:\n      ratio:\n        errors: {METRIC}_total{{{sel}, code=~\"5..\"}}\n"
            f"        total: {METRIC}_total{{{sel}}}\n")


def slogen_groups(scenarios: list[Scenario], workdir: Path) -> dict[str, list[dict]]:
    """slogen's rule groups per scenario, compiled by the slogen of this checkout, now."""
    groups = compile_slogen({f"aq-{sc.name}": slogen_spec(sc) for sc in scenarios}, workdir)
    return {sc.name: groups[f"aq-{sc.name}"] for sc in scenarios}


def bench_slo(scenario: Scenario) -> BenchSLO:
    """The scenario's SLO as bench/shapes.py writes Sloth's and Pyrra's rules for it."""
    return BenchSLO(f"aq-{scenario.name}", "avail", "ratio", (("scenario", scenario.name),), incidents.OBJECTIVE, metric=METRIC,
                    grouping=("route",) if scenario.grouped else ())


def tool_groups(tool: str, scenarios: list[Scenario], workdir: Path) -> dict[str, list[dict]]:
    """A tool's rule groups per scenario."""
    if tool == "slogen":
        return slogen_groups(scenarios, workdir)
    if tool == "sloth":
        # Sloth has no grouping: a grouped scenario's SLO is the whole service to it.
        return {sc.name: sloth_groups(bench_slo(sc)) for sc in scenarios}
    return {sc.name: pyrra_groups(bench_slo(sc)) for sc in scenarios}


def severity(rule: dict) -> str | None:
    """page, ticket, or None (not a burn-rate alert) for an alerting rule."""
    if OTHER_ALERTS.search(rule["alert"]):
        return None
    labels = rule.get("labels", {})
    level = (labels.get("severity") or labels.get("sloth_severity") or "").lower()
    return {"critical": "page", "page": "page", "warning": "ticket", "ticket": "ticket"}.get(level)


# ---- evaluation plan: which rules, in which order, over which span -----------------------------------

class Rule:
    """One rule of one scenario, with its group's cadence and the span it must be evaluated over."""

    def __init__(self, scenario: str, group: dict, index: int, rule: dict, phase: int = 0):
        self.scenario = scenario
        self.phase = phase
        self.group = group["name"]
        self.interval = seconds(group.get("interval", "30s"))  # the tools' groups all say; 30s = evaluation_interval
        self.index = index
        self.rule = rule
        self.record = rule.get("record")
        self.expr = rule["expr"]
        self.labels = rule.get("labels", {})
        self.deps: list[Rule] = []
        self.start = math.inf
        self.end = -math.inf
        self.stage = 0

    def offset(self) -> float:
        """The group's evaluation phase inside its interval, from its name (Prometheus hashes name and file).

        Run `phase` > 0 hashes a different key: another server's phases for the same groups.
        """
        key = self.group if not self.phase else f"{self.phase}:{self.group}"
        digest = int(hashlib.sha256(key.encode()).hexdigest(), 16)
        return (digest % int(self.interval * 1000)) / 1000

    def timestamps(self) -> tuple[float, float]:
        """First and last evaluation time of the group inside [start, end]."""
        off = self.offset()
        first = math.ceil((self.start - off) / self.interval) * self.interval + off
        last = math.floor((self.end - off) / self.interval) * self.interval + off
        return first, last


def _reads(expr: str, name: str) -> bool:
    return re.search(rf"(?<![\w:]){re.escape(name)}(?![\w:])", expr) is not None


def plan(groups: list[dict], scenario: str, span: tuple[float, float], phase: int = 0) -> tuple[list[Rule], list[Rule]]:
    """(recording rules in evaluation order, burn-rate alerts) of one scenario, with spans set."""
    rules = [Rule(scenario, g, i, r, phase) for g in groups for i, r in enumerate(g["rules"])]
    alerts = [r for r in rules if "alert" in r.rule and severity(r.rule)]
    by_name: dict[str, list[Rule]] = {}
    for r in rules:
        if r.record:
            by_name.setdefault(r.record, []).append(r)
    for r in rules:
        r.deps = [d for name, ds in by_name.items() if _reads(r.expr, name) for d in ds if d is not r]
    for a in alerts:
        a.start, a.end = span
    # Spans flow from consumers to what they read: a dependency must cover the consumer's
    # first evaluation minus its longest range, minus the 5m lookback, minus one of its own intervals.
    needed: list[Rule] = []
    frontier = list(alerts)
    while frontier:
        consumer = frontier.pop()
        reach = longest_range(consumer.expr) + 300
        for dep in consumer.deps:
            start, end = consumer.start - reach - dep.interval, consumer.end
            if start < dep.start or end > dep.end:
                dep.start, dep.end = min(dep.start, start), max(dep.end, end)
                frontier.append(dep)
            if dep not in needed:
                needed.append(dep)

    def stage(r: Rule, seen: tuple = ()) -> int:
        if r in seen:
            raise RuntimeError(f"rule cycle through {r.record}")
        return 0 if not r.deps else 1 + max(stage(d, seen + (r,)) for d in r.deps)

    for r in needed:
        r.stage = stage(r)
    needed.sort(key=lambda r: (r.stage, r.group, r.index))
    return needed, alerts


# ---- series and blocks --------------------------------------------------------------------------------

def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _series_text(name: str, labels: dict[str, str]) -> str:
    inner = ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items()) if k != "__name__")
    return f"{name}{{{inner}}}"


def _number(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value)


def import_series(series: dict[str, list[tuple[float, float]]], data: Path, workdir: Path) -> int:
    """Write `{series text: [(t, value)]}` as OpenMetrics a day at a time and import it into `data`.

    promtool re-reads its whole input once per 2h block it writes: day files keep that small.
    """
    if not series:
        return 0
    data.mkdir(parents=True, exist_ok=True)
    lo = min(p[0][0] for p in series.values() if p)
    hi = max(p[-1][0] for p in series.values() if p)
    count = 0
    day = math.floor(lo / DAY) * DAY
    while day <= hi:
        families: dict[str, list[str]] = {}
        for text, points in series.items():
            lines = [f"{text} {_number(v)} {t:.3f}\n" for t, v in points if day <= t < day + DAY]
            if lines:
                families.setdefault(text.split("{", 1)[0], []).extend(lines)
                count += len(lines)
        if families:
            chunk = workdir / "chunk.om"
            with open(chunk, "w") as out:
                for family, lines in families.items():
                    out.write(f"# TYPE {family} unknown\n")
                    out.writelines(lines)
                out.write("# EOF\n")
            result = subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics", "--quiet", str(chunk), str(data)],
                                    capture_output=True, text=True)
            if result.returncode != 0:
                raise RuntimeError(f"promtool import failed: {result.stderr[-2000:]}")
            chunk.unlink()
        day += DAY
    return count


def scrape_lead(phase: int) -> float:
    """How long before the incident's start the last scrape before it happened, in run `phase`."""
    return float((7 + 7 * phase) % SCRAPE or SCRAPE)


def raw_series(scenarios: list[Scenario], origin: float, warmup: float, phase: int = 0) -> dict[str, list[tuple[float, float]]]:
    """Every scenario's counters, scraped every SCRAPE seconds, as absolute-time points."""
    out: dict[str, list[tuple[float, float]]] = {}
    for sc in scenarios:
        lo, hi = -warmup - scrape_lead(phase), sc.observe[1]
        times = [lo + i * SCRAPE for i in range(int((hi - lo) / SCRAPE) + 1)]
        for route, load in sc.loads.items():
            events = [load.events(t) for t in times]
            errors = [load.errors(t) for t in times]
            base = {"scenario": sc.name, "route": route, "job": "aq"}
            out[_series_text(METRIC + "_total", {**base, "code": "500"})] = [(origin + t, e) for t, e in zip(times, errors)]
            out[_series_text(METRIC + "_total", {**base, "code": "200"})] = [(origin + t, n - e) for t, n, e in zip(times, events, errors)]
    return out


# ---- evaluation ---------------------------------------------------------------------------------------

def query_range(prom: Prometheus, expr: str, first: float, last: float, step: float) -> list[dict]:
    """A range query at first, first + step, ... last, in chunks Prometheus accepts; results merged per series."""
    merged: dict[str, dict] = {}
    t = first
    while t <= last + 1e-6:
        end = min(last, t + (MAX_POINTS - 1) * step)
        response = prom.client.post(prom.url + "/api/v1/query_range",
                                    data={"query": expr, "start": f"{t:.3f}", "end": f"{end:.3f}", "step": f"{step:g}"})
        body = response.json()
        if body.get("status") != "success":
            raise RuntimeError(f"range query failed: {expr}: {body}")
        for series in body["data"]["result"]:
            key = json.dumps(series["metric"], sort_keys=True)
            merged.setdefault(key, {"metric": series["metric"], "values": []})["values"] += series["values"]
        t = end + step
    return list(merged.values())


def record(prom: Prometheus, rule: Rule, origin: float) -> dict[str, list[tuple[float, float]]]:
    """A recording rule's output at its group's timestamps, as series text -> points."""
    first, last = rule.timestamps()
    out = {}
    for series in query_range(prom, rule.expr, origin + first, origin + last, rule.interval):
        labels = {**series["metric"], **rule.labels}
        out[_series_text(rule.record, labels)] = [(float(t), float(v)) for t, v in series["values"]]
    return out


def firing_times(true_at: list[float], first: float, last: float, interval: float, hold: float, keep: float = 0.0) -> list[float]:
    """The evaluation times at which an alert fires, from those at which its expression returned the series.

    Prometheus's state machine: pending from the first true evaluation, firing once `for` (hold)
    has elapsed since then, inactive again at the first false one, unless it was firing and
    `keep_firing_for` (keep) has not elapsed since that first false evaluation.
    """
    true = {round(t, 3) for t in true_at}
    fired: list[float] = []
    active_since = false_since = None
    state = "inactive"
    for k in range(int(round((last - first) / interval)) + 1):
        t = round(first + k * interval, 3)
        if t in true:
            false_since = None
            if active_since is None:
                active_since = t
            if t - active_since >= hold - 1e-6:
                state = "firing"
        elif state == "firing" and keep > 0:
            false_since = t if false_since is None else false_since
            if t - false_since >= keep - 1e-6:
                state, active_since, false_since = "inactive", None, None
        else:
            state, active_since = "inactive", None
        if state == "firing":
            fired.append(t)
    return fired


def alert_firing(prom: Prometheus, rule: Rule, origin: float) -> dict[str, list[float]]:
    """Per alert label set: the evaluation times (from S) at which the alert is firing, `for` applied."""
    first, last = rule.timestamps()
    hold = seconds(str(rule.rule.get("for", "0s")))
    keep = seconds(str(rule.rule.get("keep_firing_for", "0s")))
    out: dict[str, list[float]] = {}
    for series in query_range(prom, rule.expr, origin + first, origin + last, rule.interval):
        labels = {**series["metric"], **rule.labels}
        true_at = [float(t) - origin for t, _ in series["values"]]
        fired = firing_times(true_at, first, last, rule.interval, hold, keep)
        if fired:
            out.setdefault(json.dumps(labels, sort_keys=True), []).extend(fired)
    return out


def run_tool(tool: str, per_scenario: dict[str, list[dict]], scenarios: list[Scenario], raw_data: Path, origin: float,
             workdir: Path, phase: int = 0) -> tuple[dict, dict]:
    """Evaluate one tool's rules for every scenario in its own TSDB; firing times per scenario and severity."""
    work = workdir / f"{tool}-{phase}"
    shutil.copytree(raw_data, work / "data")
    prom = Prometheus(work, None, scrape_interval=f"{SCRAPE}s")
    plans = {sc.name: plan(per_scenario[sc.name], sc.name, sc.observe, phase) for sc in scenarios}
    stages = sorted({r.stage for needed, _ in plans.values() for r in needed})
    stats = {"stages": len(stages), "recording_rules_evaluated": sum(len(n) for n, _ in plans.values()), "recorded_samples": 0}
    probe = f'{METRIC}_total{{scenario="{scenarios[0].name}"}}'
    try:
        prom.start()
        wait_for_history(prom, probe, origin)
        for stage in stages:
            written: dict[str, list[tuple[float, float]]] = {}
            for needed, _ in plans.values():
                for rule in needed:
                    if rule.stage == stage:
                        for text, points in record(prom, rule, origin).items():
                            written.setdefault(text, []).extend(points)
            prom.stop()
            stats["recorded_samples"] += import_series({k: sorted(v) for k, v in written.items()}, work / "data", work)
            prom.start()
            wait_for_history(prom, probe, origin)
        firing: dict[str, dict] = {}
        for sc in scenarios:
            per_sev: dict[str, dict[str, list[float]]] = {s: {} for s in SEVERITIES}
            for alert in plans[sc.name][1]:
                for labels, times in alert_firing(prom, alert, origin).items():
                    per_sev[severity(alert.rule)].setdefault(labels, []).extend(times)
            firing[sc.name] = per_sev
        return firing, stats
    finally:
        prom.stop()
        shutil.rmtree(work, ignore_errors=True)


# ---- scoring ---------------------------------------------------------------------------------------

def score(scenario: Scenario, per_labels: dict[str, list[float]]) -> dict:
    """Detection, reset, budget at detection and wrong routes, from one tool's firing times of one severity."""
    if scenario.failing != "all":
        right = {k: v for k, v in per_labels.items() if json.loads(k).get("route") in (scenario.failing, None)}
    else:
        right = per_labels
    fired = sorted({t for times in right.values() for t in times})
    out = incidents.summarise(scenario, fired)
    out["wrong_routes"] = sorted({json.loads(k).get("route", "?") for k in per_labels if k not in right})
    return out


def false_alerts(ideal: dict, runs: list[dict]) -> list[str]:
    """What fired that the workbook's ideal would not have fired, with how many runs it happened in."""
    out = []
    for sev in SEVERITIES:
        kinds = {
            f"{sev}": [r[sev]["fired"] and not ideal[sev]["fired"] for r in runs],
            f"{sev} before the incident": [ideal[sev]["fired"] and r[sev]["before_incident"] for r in runs],
        }
        routes = sorted({route for r in runs for route in r[sev].get("wrong_routes", [])})
        if routes:
            kinds[f"{sev} for route {', '.join(routes)}"] = [bool(r[sev].get("wrong_routes")) for r in runs]
        out += [_in_runs(kind, hits) for kind, hits in kinds.items() if any(hits)]
    return out


def _in_runs(text: str, hits: list[bool]) -> str:
    return text if all(hits) else f"{text} ({sum(hits)} of {len(hits)} runs)"


def run(smoke: bool = False, names: tuple[str, ...] = (), phases: int = 1) -> dict:
    """The whole benchmark, `phases` times with other group and scrape phases; measured and ideal numbers."""
    scenarios = [sc for sc in incidents.corpus(smoke) if not names or sc.name in names]
    warmup = SMOKE_WARMUP if smoke else WARMUP
    work = Path(tempfile.mkdtemp(prefix="slogen-bench-alerts-"))
    began = time.perf_counter()
    try:
        longest = max(sc.observe[1] for sc in scenarios)
        # S sits far enough in the past that the whole observation is history, whole hours ago.
        origin = math.floor((time.time() - longest - 2 * HOUR) / HOUR) * HOUR + 7.0  # 7 s after a scrape
        result: dict = {"smoke": smoke, "scrape_s": SCRAPE, "warmup_s": warmup, "raw_samples": 0, "scenarios": {},
                        "tools": {}, "phases": [], "prometheus": _version(), "cpus": os.cpu_count()}
        groups = {tool: tool_groups(tool, scenarios, work) for tool in TOOLS}
        measured: dict[str, list[dict]] = {tool: [] for tool in TOOLS}
        for phase in range(phases):
            raw = raw_series(scenarios, origin, warmup, phase)
            result["raw_samples"] += import_series(raw, work / f"raw-{phase}", work)
            del raw
            result["phases"].append({"scrape_before_incident_s": scrape_lead(phase), "group_phase_key": phase})
            for tool in TOOLS:
                t0 = time.perf_counter()
                firing, stats = run_tool(tool, groups[tool], scenarios, work / f"raw-{phase}", origin, work, phase)
                stats["wall_s"] = time.perf_counter() - t0 + result["tools"].get(tool, {}).get("wall_s", 0.0)
                stats["groups"] = {g["name"].replace(scenarios[0].name, "<scenario>"): g.get("interval", "30s")
                                   for g in groups[tool][scenarios[0].name]}
                result["tools"][tool] = stats
                measured[tool].append(firing)
            shutil.rmtree(work / f"raw-{phase}", ignore_errors=True)
        for sc in scenarios:
            ideal = incidents.ideal(sc)
            entry = {"title": sc.title, "note": sc.note, "incident_s": [sc.start, sc.end], "observed_s": list(sc.observe),
                     "ideal": ideal, "tools": {}}
            for tool in TOOLS:
                runs = [{sev: score(sc, firing[sc.name][sev]) for sev in SEVERITIES} for firing in measured[tool]]
                entry["tools"][tool] = {
                    "runs": runs,
                    "false_alerts": false_alerts(ideal, runs),
                    "missed": [_in_runs(sev, [not r[sev]["fired"] for r in runs]) for sev in SEVERITIES
                               if ideal[sev]["fired"] and any(not r[sev]["fired"] for r in runs)],
                }
            result["scenarios"][sc.name] = entry
        result["load_average"] = os.getloadavg()
        result["measured"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        result["wall_s"] = time.perf_counter() - began
        return result
    finally:
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(work, ignore_errors=True)


def _version() -> str:
    result = subprocess.run(["prometheus", "--version"], capture_output=True, text=True)
    text = result.stdout or result.stderr
    return text.splitlines()[0] if text else "?"


# ---- the report section -----------------------------------------------------------------------------

def _duration(value: float | None) -> str:
    """1m19s, 5h54m, 1d8h24m: seconds only under an hour, where they matter."""
    if value is None:
        return "-"
    value = int(round(value)) if value < 3600 else int(round(value / 60)) * 60
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if value >= size:
            out += f"{value // size}{unit}"
            value %= size
    return out or "0s"


def _range(values: list[float], fmt) -> str:
    lo, hi = min(values), max(values)
    return fmt(lo) if fmt(lo) == fmt(hi) else f"{fmt(lo)}-{fmt(hi)}"


def cell(runs: list[dict], sev: str, key: str) -> str:
    """One table cell over the runs: a value, or the range from the runs' smallest to their largest value."""
    fired = [r[sev] for r in runs if r[sev]["fired"]]
    if not fired:
        return "no" if key != "budget_at_detection" else "-"
    if key == "reset_s" and any(r["still_firing_at_end"] for r in fired):
        return "still firing at the end"
    values = [r[key] for r in fired if r[key] is not None]
    if not values:
        return "before the incident" if key == "detection_s" else "-"
    fmt = (lambda v: f"{v:.1%}") if key == "budget_at_detection" else _duration
    text = _range(values, fmt)
    return text if len(fired) == len(runs) else f"{text} ({len(fired)} of {len(runs)} runs)"


def section(result: dict) -> list[str]:
    """The Markdown section of docs/benchmarks.md."""
    false = any(t["false_alerts"] for sc in result["scenarios"].values() for t in sc["tools"].values())
    lines = [
        MARK_START,
        "## 3. Alert quality on an incident corpus",
        "",
        f"Every scenario is one 99.9%/30d request-ratio SLO (10 req/s unless said, normal operation at 0.1x burn), run on "
        f"slogen's, Sloth's and Pyrra's rules over identical series in {result['prometheus']}. Per tool: when the first page "
        "and the first ticket fire (from the incident's start, `for:` included), the share of the 30d error budget spent "
        "by then, how long after the incident's end each keeps firing (reset), alerts that fired where the workbook's "
        f"ideal fires nothing{'' if false else ' (none did in this run)'} and alerts the ideal fires that a tool never "
        "fired. **Ideal** is the SRE workbook's multiwindow, multi-burn-rate policy (page 14.4x over 1h and 5m or 6x over "
        "6h and 30m; ticket 3x over 1d and 2h or 1x over 3d and 6h) applied continuously to the exact window ratios of "
        "the same traffic, to a tenth of a second: what a rule set without scrape, evaluation interval or `for` would do.",
        "",
        f"slogen's rules are compiled by the slogen of the branch that ran the benchmark (`python -m bench.alert_quality`), "
        "so a re-run measures the current rules; the numbers below describe the rules of the branch that committed them. "
        "Sloth's and Pyrra's rules are bench/shapes.py's, checked against their own outputs (bench/reference/).",
        "",
    ]
    if result["smoke"]:
        lines += ["**Smoke run** (short warm-up and observation): not the benchmark's numbers.", ""]
    lines += ["Page detection at a glance (the tables below have the rest):", "",
              "| scenario | workbook ideal | " + " | ".join(TOOLS) + " |", "|---|---|" + "---|" * len(TOOLS)]
    for name, sc in result["scenarios"].items():
        cells = [cell(sc["tools"][t]["runs"], "page", "detection_s") for t in TOOLS]
        lines.append(f"| `{name}` | {cell([sc['ideal']], 'page', 'detection_s')} | " + " | ".join(cells) + " |")
    lines.append("")
    for name, sc in result["scenarios"].items():
        lo, hi = sc["observed_s"]
        lines += [f"### {sc['title']} (`{name}`)", ""]
        if sc["note"]:
            lines += [sc["note"], ""]
        start, end = sc["incident_s"]
        observed = (f"Observed from {_duration(-lo)} before the incident to {_duration(hi - end)} after its end."
                    if end > start else f"Observed for {_duration(hi - lo)}.")
        lines += [
            observed,
            "",
            "| tool | page detection | ticket detection | budget spent at page | at ticket | page reset | ticket reset | "
            "false or missed alerts |",
            "|---|---|---|---:|---:|---|---|---|",
        ]
        rows = [("workbook ideal", [sc["ideal"]], [])] + [
            (t, r["runs"], r["false_alerts"] + [f"missed {m}" for m in r["missed"]]) for t, r in sc["tools"].items()]
        for tool, runs, notes in rows:
            resets = [cell(runs, sev, "reset_s") if any(r[sev]["fired"] for r in runs) else "-" for sev in SEVERITIES]
            lines.append(f"| {tool} | {cell(runs, 'page', 'detection_s')} | {cell(runs, 'ticket', 'detection_s')} | "
                         f"{cell(runs, 'page', 'budget_at_detection')} | {cell(runs, 'ticket', 'budget_at_detection')} | {resets[0]} | {resets[1]} | {'; '.join(notes) or 'none'} |")
        lines.append("")
    tools = result["tools"]
    lines += [
        "### Method",
        "",
        f"- **Series**: `aq_requests_total{{scenario, route, code}}`, one sample every {result['scrape_s']} s (the scrape "
        f"interval), from {_duration(result['warmup_s'])} before each incident (so that Pyrra's longest window at 30d, "
        "4d6h51m, is full in the benchmark) to the end of its observation; closed-form counters (bench/incidents.py), imported with "
        "`promtool tsdb create-blocks-from openmetrics`.",
        "- **Evaluation**: each tool in its own TSDB with the same raw blocks, in a real Prometheus (127.0.0.1, temp storage). "
        "Every group runs at its own `interval` (evaluation_interval 30s where a group has none) and at a fixed phase "
        "inside it derived from its name, as Prometheus gives each group an offset from a hash of its name and file. Recording "
        "rules are range queries at exactly those timestamps; a rule that reads another rule's output is evaluated after "
        "it, once those results are imported, so it sees the latest sample at or before its own evaluation, as in "
        "Prometheus. Alert expressions are range queries at their group's timestamps with `for:` applied. "
        "This replaces promtool: `promtool test rules` (2.42) evaluates every group at every tick and ignores `interval:` "
        "(issue #19 item 7), so it cannot show an hourly group's cadence; `promtool tsdb create-blocks-from rules` does "
        "range queries too, but a rule that reads another rule being backfilled is not supported and alerts are ignored "
        "(Prometheus's storage docs), and it chooses the phases itself. The staged range queries here give each group its "
        "interval, a phase under the benchmark's control, and the order of chained groups; multi-day scenarios take "
        "minutes, not days.",
        f"- **Phases**: {len(result['phases'])} run(s); each run gives every group another phase (hashed from the run's "
        "number and the group's name) and puts the last scrape before the incident another distance before it ("
        + ", ".join(f"{p['scrape_before_incident_s']:.0f} s" for p in result["phases"]) + "). A cell shows the smallest "
        "and the largest value over the runs; a group's real phase depends on its name and file path, so on one server "
        "a rule set gets one of these values, always the same.",
        "- **Assumptions**: no staleness markers "
        "for recorded series (no rule here stops producing output); only rules that page and ticket alerts read are "
        "evaluated (period SLI, budget policy, exhausted and absent alerts need 30 days of history and are left out). "
        "Page = severity critical/page, ticket = warning/ticket; Sloth has no grouping, so in the partial-outage "
        "scenario its SLO is the whole service.",
        "- **Reading the tables**: a tool can beat the ideal by seconds: `rate()` extrapolates a window's increase to "
        "its edges, so a window whose first samples are from before the incident counts a little more than happened. "
        "Pyrra's tiers are not the workbook's (14x, 7x, 2x, 1x over windows scaled from 28d, each with a `for:`), so it "
        "can miss or beat the ideal by design (the 6x burn never reaches its 7x page tier; its 2x ticket tier catches the "
        "slow burn early). After the 20x burn its page resets in about a minute: only its 14x tier fired, and that "
        "tier's short window is 5m.",
        "- **Budget spent** at page (at ticket) = errors from the incident's start to the first page (ticket) / (0.1% x "
        "the SLO's mean events in 30 days); in the partial outage the failing route's own SLO.",
        "- **Groups and cost of this run**: " + "; ".join(
            f"{t}: {len(s['groups'])} groups ({', '.join(sorted(set(s['groups'].values()), key=seconds))}), "
            f"{s['stages']} evaluation stage(s), {s['wall_s']:.0f} s" for t, s in tools.items()) +
        f"; {result['raw_samples']:,} raw samples; whole run {result['wall_s'] / 60:.1f} min on {result['cpus']} shared CPUs "
        f"(load average {', '.join(f'{x:.0f}' for x in result['load_average'])} at the end"
        + (f", measured {result['measured']}" if result.get("measured") else "") + "; the load slows the run, not the "
        "results, which depend only on the series and the rules).",
        "",
        MARK_END,
    ]
    return lines


def write_section(md: Path, result: dict) -> None:
    """Replace (or append) this benchmark's section of a Markdown file."""
    write_marked(md, MARK_START, MARK_END, section(result))


def main() -> None:
    """Command line: run, print one line per scenario and tool, optionally write JSON and the Markdown section."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="two short scenarios: a harness check, not the benchmark")
    parser.add_argument("--scenario", action="append", default=[], help="run only these scenarios (repeatable)")
    parser.add_argument("--phases", type=int, default=3, help="runs with other group and scrape phases (default 3)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--md", type=Path, help="replace the alert-quality section of this Markdown file")
    parser.add_argument("--from-json", type=Path, help="write the section from an earlier run's JSON instead of running")
    args = parser.parse_args()
    result = json.loads(args.from_json.read_text()) if args.from_json else run(args.smoke, tuple(args.scenario), args.phases)
    for name, sc in result["scenarios"].items():
        for tool, runs, notes in [("ideal", [sc["ideal"]], [])] + [(t, r["runs"], r["false_alerts"] + r["missed"])
                                                                   for t, r in sc["tools"].items()]:
            print(f"{name:18s} {tool:7s} page {cell(runs, 'page', 'detection_s'):>12s}  ticket {cell(runs, 'ticket', 'detection_s'):>12s}"
                  f"  budget {cell(runs, 'page', 'budget_at_detection'):>11s}  resets {cell(runs, 'page', 'reset_s')} / "
                  f"{cell(runs, 'ticket', 'reset_s')}  {'; '.join(notes)}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    if args.md:
        write_section(args.md, result)


if __name__ == "__main__":
    main()
