"""Timeslice SLOs -> promtool tests at slice cadence: pure.

The main test file (service_tests.py) drives SLOs at exact burn rates and evaluates every
10m or so.  A timeslice SLO's error ratio moves by whole slices, each judged once a
minute, so a service with timeslice SLOs gets a second file,
`<service>.slices.test.yml`, evaluated every minute, its counters sampled every 15s
(Prometheus 3 reads a 1m rate from the samples in (t-1m, t]: two at least).  Per SLO:

* ``slices``: 3h of slices in a fixed mix: good (the slice's value just inside its
  threshold), bad (just outside) and idle (no traffic, not a slice).  Every
  expectation is counted from that pattern by brute force, never read off the rules:
  single slices' judgements, each hour's good and total slices, the 5m and 1h error
  ratios, the period burn rate (from the hourly averages, over both ends promtool 2
  and 3 give a range) and, for a calendar window, the period's bounds and counts.
* ``outage``: 1h of good slices, then every slice bad: each severity's alert (and
  each of its tiers' conditions) holds by its detection time at a 100% error ratio,
  and nothing fired before.

SLOs whose inputs do not overlap share test groups, as in the main file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from slogen.emit.promtool.series import SyntheticSeries, counter_text, exact_text, merged_runs
from slogen.emit.promtool.slice_inputs import MARGIN, SliceInputs
from slogen.emit.rules.alerts import tier_expr, tier_label
from slogen.emit.rules.calendar_groups import rule_bounds
from slogen.emit.targets.base import header
from slogen.emit.text.documents import render_yaml
from slogen.plan import names
from slogen.plan.slo import SeverityPlan, SLOPlan
from slogen.plan.timeslices import TS_GOOD
from slogen.plan.windows import BASE_WINDOW, BurnRateTier, promtool_detection_time, source_of
from slogen.spec.durations import format_duration
from slogen.spec.promql import selector_text

SUFFIX = "slices.test.yml"  # output/tests/<service>.slices.test.yml
EVAL = 60  # every slice is a whole number of minutes, judged every minute
INPUT = 15
HOUR = 3600
EVENTS_PER_SECOND = 10.0
PATTERN = 3 * HOUR
WARMUP = HOUR
# A tier that needs longer than this at a 100% error ratio (an objective near 50%) is
# left out of the outage scenario, which says so.
MAX_DETECTION = 12 * HOUR
TOLERANCE = 1e-9


# --- the pattern and its brute-force count ------------------------------------------


def pattern(slices: int) -> tuple[str, ...]:
    """Kinds of slices 1..n (index 0 is slice 1): good, bad and idle mixed, each in the first three."""
    out = []
    for k in range(1, slices + 1):
        out.append("idle" if k % 7 == 3 else "bad" if k % 5 in (1, 4) else "good")
    return tuple(out)


@dataclass(frozen=True)
class Slices:
    """Slices of `length` seconds, slice k (1-based) covering ((k-1)·length, k·length]."""

    length: int
    kinds: tuple[str, ...]
    inputs: SliceInputs

    def kind(self, k: int) -> str:
        """The kind of slice k: idle before the first and after the last."""
        return self.kinds[k - 1] if 1 <= k <= len(self.kinds) else "idle"

    def counted(self, end: int, window: int) -> tuple[int, float]:
        """(slices with traffic, their summed values) of the slices ending in (end - window, end]."""
        count, total = 0, 0.0
        first = (end - window) // self.length + 1
        for k in range(max(first, 1), end // self.length + 1):
            kind = self.kind(k)
            if kind != "idle":
                count += 1
                total += self.inputs.value(kind)
        return count, total

    def base_rates(self, t: int) -> tuple[float, float] | None:
        """(events, errors) per second of the 5m base rates at tick t; None without slices."""
        count, good = self.counted(t, BASE_WINDOW)
        return (count / BASE_WINDOW, (count - good) / BASE_WINDOW) if count else None

    def hourly(self, hour: int, closed: bool) -> tuple[float, float] | None:
        """The hourly point at `hour`: the average of the base rates over the hour's ticks
        (promtool 2 reads [hour-1h, hour], 3 reads (hour-1h, hour])."""
        first = hour - HOUR if closed else hour - HOUR + EVAL
        points = [p for p in (self.base_rates(t) for t in range(max(first, 0), hour + 1, EVAL)) if p is not None]
        if not points:
            return None
        return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)

    def rolling_ratio(self, at: int, period: int, closed: bool) -> float | None:
        """The period's error ratio at `at`, summed from the hourly points since the start."""
        points = [p for p in (self.hourly(h, closed) for h in range(HOUR, at + 1, HOUR) if h > at - period) if p is not None]
        events = sum(p[0] for p in points)
        return sum(p[1] for p in points) / events if events else None


# Increments are rounded to multiples of 2^-20: every counter value is then an exact
# float, however promtool expands a run, and an idle slice's counters do not move by
# a rounding error (which reads as traffic).
QUANTUM = 2.0**-20


def _increment(series: SyntheticSeries, share: float) -> float:
    return round(series.rate(EVENTS_PER_SECOND, share) * INPUT / QUANTUM) * QUANTUM


def input_series(slices: Slices, length: int) -> list[dict]:
    """Every counter of the SLI over `length` seconds: each slice's traffic at its error share."""
    out = []
    for series in slices.inputs.series:
        increments = []
        for step in range(1, length // INPUT + 1):
            kind = slices.kind(math.ceil(step * INPUT / slices.length))
            if kind == "idle":
                increments.append(0.0)
            else:
                increments.append(_increment(series, slices.inputs.good if kind == "good" else slices.inputs.bad))
        out.append({"series": series.notation(), "values": counter_text(merged_runs((inc, 1) for inc in increments), exact_text)})
    return out


# --- checks ------------------------------------------------------------------------


def _near(expr: str, at: int, value: float | None, tolerance: float = TOLERANCE) -> dict:
    """A check that `expr` (one series) is `value` within `tolerance` at `at`, or absent for None."""
    if value is None:
        return {"expr": f"sum({expr})", "eval_time": format_duration(at) if at else "0s", "exp_samples": []}
    # Float sums differ in their last digits between engines: a relative hair more.
    slack = tolerance + TOLERANCE * max(1.0, abs(value))
    return {
        "expr": f"abs(sum({expr}) - {value:.15g}) <= bool {slack:.6g}",
        "eval_time": format_duration(at),
        "exp_samples": [{"labels": "{}", "value": 1}],
    }


def _spread(values: list[float | None]) -> tuple[float | None, float]:
    """The centre and half-width of the values promtool 2 and 3 may give."""
    present = [v for v in values if v is not None]
    if len(present) != len(values):
        return None, 0.0
    lo, hi = min(present), max(present)
    return (lo + hi) / 2, (hi - lo) / 2 + TOLERANCE


def slice_checks(plan: SLOPlan, slices: Slices) -> tuple[list[dict], str]:
    """The `slices` scenario's checks, and a note of what they count."""
    s = slices.length
    n = len(slices.kinds)
    checks = []
    # Single judgements: the first slice of each kind, and the last slice.
    firsts = {kind: slices.kinds.index(kind) + 1 for kind in ("good", "bad", "idle") if kind in slices.kinds}
    for k in sorted(set(firsts.values()) | {n}):
        kind = slices.kind(k)
        checks.append(_near(plan.selector(TS_GOOD), k * s, -1.0 if kind == "idle" else slices.inputs.value(kind)))
    for hour in range(HOUR, PATTERN + 1, HOUR):
        count, good = slices.counted(hour, HOUR)
        checks.append(_near(plan.selector(names.TS_TOTAL_1H), hour, float(count) if count else None))
        checks.append(_near(plan.selector(names.TS_GOOD_1H), hour, good if count else None))
    for t in sorted({_tick(PATTERN * f) for f in (0.1, 0.37, 0.5, 0.81, 1.0)}):
        rates = slices.base_rates(t)
        checks.append(_near(plan.selector(names.error_ratio(BASE_WINDOW)), t, rates[1] / rates[0] if rates else None))
        if HOUR in plan.counter_windows:
            count, good = slices.counted(t, HOUR)
            checks.append(_near(plan.selector(names.error_ratio(HOUR)), t, (count - good) / count if count else None))
    budget = float(plan.error_budget)
    total, good = slices.counted(PATTERN, PATTERN)
    note = f"{n} slices of {format_duration(s)}: {total} with traffic, {total - round(good)} bad"
    if plan.calendar is None:
        centre, half = _spread([slices.rolling_ratio(PATTERN, plan.period, closed) for closed in (True, False)])
        checks.append(_near(plan.selector(names.PERIOD_BURN_RATE), PATTERN, None if centre is None else centre / budget, half / budget))
    else:
        checks += _calendar_checks(plan, slices, PATTERN)
    return checks, note


def _tick(t: float) -> int:
    return max(EVAL, int(t // EVAL) * EVAL)


def _calendar_checks(plan: SLOPlan, slices: Slices, at: int) -> list[dict]:
    """The period's bounds (slogen's model of the zone's rule, proven against tzdata by
    tests/emit/rules/test_calendar_rules.py) and its slices, from the hourly counts."""
    cal = plan.calendar
    assert cal is not None
    start, end = rule_bounds(plan)(at)
    phase = cal.hour_phase
    count, good, seen = 0, 0.0, False
    # Each hourly step s reads the hour's count recorded at s - phase, when past the start.
    for step in range(HOUR, at + 1, HOUR):
        point = step - phase
        if point > start and point >= EVAL:
            c, g = slices.counted(point, HOUR)
            if c:
                count, good, seen = count + c, good + g, True
    errors = count - good
    checks = [
        _near(plan.selector(names.CAL_START), at, float(start), 0.5),
        _near(plan.selector(names.CAL_END), at, float(end), 0.5),
        _near(plan.selector(names.CAL_EVENTS), at, float(count) if seen else None),
        _near(plan.selector(names.CAL_ERRORS), at, errors if seen else None, 1e-6),
    ]
    if seen:
        checks.append(_near(plan.selector(names.PERIOD_BURN_RATE), at, errors / count / float(plan.error_budget), 1e-6))
    return checks


def _alert_selector(plan: SLOPlan, sev: SeverityPlan, tier: BurnRateTier | None = None) -> str:
    labels = {"alertname": plan.alert_name, "alertstate": "firing", **dict(sev.labels), names.LABEL_ID: plan.id}
    if tier is not None:
        labels[names.LABEL_TIER] = tier_label(tier)
    return selector_text("ALERTS", ((k, "=", v) for k, v in sorted(labels.items())))


def _deadline(plan: SLOPlan, sev: SeverityPlan, tier: BurnRateTier, slice_: int) -> int | str:
    """When the tier must fire after the outage starts, or why it cannot in this scenario."""
    seconds = promtool_detection_time(
        tier, plan.period, plan.error_budget, 1.0, EVAL, slice_, sev.for_seconds or 0, plan.counter_windows, start=WARMUP
    )
    if plan.min_events:
        # The guard counts the long window's slices, which fill from the test's start (an
        # hourly-summed window by whole hours): the tier waits until there are enough.
        need = plan.min_events * slice_ * (1 + MARGIN)
        if tier.long_window < need:
            return f"min_events {plan.min_events} is more slices than its {format_duration(tier.long_window)} window holds"
        lag = HOUR if source_of(tier.long_window, plan.counter_windows) == "hourly" else slice_ + EVAL
        seconds = max(seconds, need + lag - WARMUP)
    if not math.isfinite(seconds):
        return "it cannot fire at a 100% error ratio"
    if seconds > MAX_DETECTION:
        return f"it needs over {format_duration(MAX_DETECTION)}"
    # The first bad slice is judged when it ends; one more tick for the alert to read it.
    return math.ceil((seconds + slice_ + EVAL) / EVAL) * EVAL


def outage(plan: SLOPlan, slice_: int) -> tuple[list[dict], int, list[str]]:
    """The `outage` scenario's checks, its length (seconds) and notes."""
    checks: list[dict] = []
    notes = [f"good slices for {format_duration(WARMUP)}, then every slice bad"]
    length = WARMUP + EVAL
    for sev in plan.severities:
        deadlines = {tier: _deadline(plan, sev, tier, slice_) for tier in sev.tiers}
        reached = {tier: at for tier, at in deadlines.items() if isinstance(at, int)}
        notes += [f"{tier_label(tier)} not checked: {why}" for tier, why in deadlines.items() if isinstance(why, str)]
        if not reached:
            continue
        selector = _alert_selector(plan, sev)
        checks.append({"expr": f"count_over_time({selector}[{format_duration(WARMUP)}])", "eval_time": format_duration(WARMUP), "exp_samples": []})
        first = min(reached.values())
        checks.append({"expr": f"count({selector}) > bool 0", "eval_time": format_duration(WARMUP + first), "exp_samples": [{"labels": "{}", "value": 1}]})
        notes.append(f"{sev.key} firing within {format_duration(first)}")
        for tier, at in reached.items():
            # The tier's own alert (others of the severity fire too) and its condition.
            condition = " ".join(line.strip() for line in tier_expr(plan, tier).splitlines())
            for expr in (_alert_selector(plan, sev, tier), condition):
                checks.append({"expr": f"count({expr}) > bool 0", "eval_time": format_duration(WARMUP + at), "exp_samples": [{"labels": "{}", "value": 1}]})
            notes.append(f"{tier_label(tier)} within {format_duration(at)}")
        length = max(length, WARMUP + max(reached.values()) + EVAL)
    return checks, length, notes


# --- the file ---------------------------------------------------------------------


def _slice(plan: SLOPlan) -> int:
    assert plan.timeslice is not None
    return plan.timeslice.slice


def slice_groups(testable: tuple[tuple[SLOPlan, SliceInputs], ...], lanes: tuple[tuple[int, ...], ...]) -> list[dict]:
    """The test groups: per lane, one `slices` and one `outage` group holding its SLOs."""
    groups = []
    for lane in lanes:
        members = [testable[i] for i in lane]
        parts = []
        for plan, inputs in members:
            slices = Slices(_slice(plan), pattern(PATTERN // _slice(plan)), inputs)
            checks, note = slice_checks(plan, slices)
            parts.append((plan, slices, checks, note))
        groups.append(_group("slices", PATTERN + EVAL, parts))
        outages = [(plan, inputs.failing(), *outage(plan, _slice(plan))) for plan, inputs in members]
        length = max(length for _, _, _, length, _ in outages)
        parts = [
            (plan, Slices(_slice(plan), _outage_kinds(_slice(plan), length), inputs), checks, "; ".join(notes))
            for plan, inputs, checks, _, notes in outages
        ]
        groups.append(_group("outage", length, parts))
    return groups


def _outage_kinds(slice_: int, length: int) -> tuple[str, ...]:
    count = -(-length // slice_)
    return tuple("good" if k * slice_ <= WARMUP else "bad" for k in range(1, count + 1))


def _group(scenario: str, length: int, parts: list[tuple[SLOPlan, Slices, list[dict], str]]) -> dict:
    titles, series, checks = [], [], []
    for plan, slices, part_checks, note in parts:
        titles.append(f"{plan.service}/{plan.name} {scenario}; {note}")
        series += input_series(slices, length)
        checks += part_checks
    return {"name": " | ".join(titles), "interval": format_duration(INPUT), "input_series": series, "promql_expr_test": checks}


def slice_test_text(rule_paths: list[str], group_order: tuple[str, ...], groups: list[dict], source: str) -> str:
    """The promtool test file of a service's timeslice SLOs."""
    data = {
        "rule_files": rule_paths,
        "evaluation_interval": format_duration(EVAL),
        # Groups in file order, as in the main file: timeslices, base rates, ..., alerts.
        "group_eval_order": list(group_order),
        "tests": groups,
    }
    return render_yaml(data, header(source))
