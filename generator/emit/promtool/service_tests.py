"""Plans -> `promtool test rules` files proving each alert tier behaves: pure.

For every SLO with synthesizable inputs and every burn-rate tier, three scenarios run
on constant traffic, good for a warm-up (see `_warmup`), then:

* ``fires``: errors at 1.1x the tier's threshold; the alert of that severity is not
  firing before the errors start and is firing by the theoretical detection time
  (`windows.promtool_detection_time`), and the tier's own condition holds then;
* ``quiet``: errors at 0.9x the threshold for a whole long window; the tier's own
  condition never holds, and, when no other tier of the severity can legitimately
  fire on that traffic (bounds below), the severity's alert never fires either;
* ``resets``: errors well above the threshold until the long window is high enough to
  outlive the short one, then none; once the short window is clean the tier's
  condition is gone while its long window still burns above the factor (so the short
  window is what reset it), and the severity's alert is gone when no other tier can
  still hold it.

A ``budget`` scenario per SLO checks the current burn rate during an incident and the
period burn rate and remaining budget after it against the injected errors; with
`min_events`, a guard scenario per severity checks that too little traffic keeps it
quiet even at 100% errors.

promtool 2.42 compares floats exactly, so every check is a `bool` comparison with a
tolerance or a `count`/emptiness check.
"""

from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cached_property


from slogen.emit.render import PLACEHOLDER_MARK, FastPathUnsupported, inert, placeholder, to_yaml, yaml_number
from slogen.emit.render import block_scalar as _block_scalar
from slogen.emit.rules.alerts import tier_expr, tier_label
from slogen.emit.rules.calendar_groups import rule_bounds
from slogen.emit.rules.recording import coverage_at, promtool_history
from slogen.emit.targets.base import header
from slogen.emit.promtool.series import (
    SeriesError,
    SyntheticSeries,
    counter_text,
    fmt_float,
    label_matches,
    merged_runs,
    sli_selectors,
    sli_series,
)
from slogen.emit.promtool.slices import SUFFIX as SLICES_SUFFIX
from slogen.emit.promtool.slices import SliceInputs, slice_groups, slice_inputs, slice_test_text
from slogen.plan import names
from slogen.plan.sli import BaseRates
from slogen.plan.slo import SeverityPlan, SLOPlan
from slogen.plan.windows import (
    COUNTER_WINDOWS,
    BurnRateTier,
    promtool_clean_time,
    promtool_detection_time,
    promtool_seen,
    promtool_smear,
    source_of,
)
from slogen.spec.durations import format_duration
from slogen.spec.model import SLI
from slogen.spec.numbers import fmt
from slogen.spec.promql import Selector, escape_string, name_text, selectors_read

INPUT_INTERVAL = 60
EVENTS_PER_SECOND = 10.0
HOUR_SECONDS = 3600
FIRE_BURN = 1.1  # x the tier's factor: just above
QUIET_BURN = 0.9  # just below
RESET_BURNS = (1.5, 2.0, 3.0, 5.0)  # tried in order: high enough that the long window outlives the short one
# Evaluation intervals tried per file: the finest that keeps the file under MAX_TICKS
# ticks and under MAX_SLO_TICKS ticks x SLOs.  promtool evaluates every rule of the file
# at every tick, about 4 ms per SLO and tick measured on 2.42 (bench/test_cost.py), so
# SLO-ticks are the file's CPU time: 30,000 of them, about two minutes, bound a large
# service's tests, while small services keep the finer timing.
EVAL_INTERVALS = (60, 120, 300, 600, 900, 1200, 1800)
MAX_TICKS = 4000
MAX_SLO_TICKS = 30_000
BUDGET_BURN = 10.0
BUDGET_TOLERANCE = 0.01
BUDGET_SCENARIO = 6 * 3600  # long enough that promtool's start-up shortfall stays small
STARTUP_SHORTFALL = 600
BURN_TOLERANCE = 0.02
# Slack of the bounds used to decide which other tiers might fire (fractions of a ratio).
BOUND_MARGIN = 0.05


@dataclass(frozen=True)
class Phase:
    """Errors at `ratio` of the traffic from `start` to `end` seconds; elsewhere none."""

    start: int
    end: int
    ratio: float


@dataclass(frozen=True)
class Check:
    """One promql_expr_test: an expression, when, and the samples it must return."""

    at: int
    expr: str
    samples: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Scenario:
    """One promtool test group: inputs over `length` seconds and the checks on them."""

    name: str
    length: int
    phases: tuple[Phase, ...]
    checks: tuple[Check, ...]
    notes: tuple[str, ...] = ()
    # (severity key, long window, short window) of the tier under test; None for budget checks.
    tier: tuple[str, int, int] | None = None
    events_per_second: float = EVENTS_PER_SECOND


@dataclass(frozen=True)
class ServiceTests:
    """The generated tests of one service, and the SLOs left untested (and why)."""

    service: str
    eval_interval: int
    testable: tuple[tuple[SLOPlan, tuple[SyntheticSeries, ...]], ...]
    untested: tuple[tuple[str, str], ...] = field(default=())
    group_order: tuple[str, ...] = ()
    # The rule files loaded, relative to output/tests/: the service's own and, with
    # --share-rules global, the shared one; promtool's copies (cadence.py) where they have
    # an hourly group (build/compile.py says which).
    rule_files: tuple[str, ...] = ()
    # Timeslice SLOs, tested in their own file at slice cadence (slices.py).
    slices: tuple[tuple[SLOPlan, SliceInputs], ...] = ()
    slice_lanes: tuple[tuple[int, ...], ...] = ()

    @property
    def rule_paths(self) -> list[str]:
        """The rule files the test file loads, relative to output/tests/."""
        return list(self.rule_files) or [f"../rules/{self.service}.yml"]

    @property
    def main_file(self) -> str:
        """The main test file's path, relative to the output directory."""
        return f"tests/{self.service}.test.yml"

    @property
    def slices_file(self) -> str:
        """The timeslice SLOs' test file's path (slices.py), relative to the output directory."""
        return f"tests/{self.service}.{SLICES_SUFFIX}"

    @property
    def files(self) -> list[str]:
        """The test files written for the service, relative to the output directory."""
        return ([self.main_file] if self.testable else []) + ([self.slices_file] if self.slices else [])

    @cached_property
    def series(self) -> dict[str, tuple[SyntheticSeries, ...]]:
        """Input series by SLO name."""
        return {plan.name: series for plan, series in self.testable}

    # Built on first use: the test file writer instantiates shared templates instead.
    @cached_property
    def scenarios(self) -> tuple[tuple[SLOPlan, Scenario], ...]:
        """Every scenario, SLO by SLO in file order."""
        return tuple((plan, s) for plan, series in self.testable for s in plan_scenarios(plan, series, self.eval_interval))

    @cached_property
    def lanes(self) -> tuple[tuple[int, ...], ...]:
        """Indices into `testable` of SLOs that can share test groups (see `sharing_lanes`)."""
        return sharing_lanes(self.testable)

    @cached_property
    def groups(self) -> tuple[tuple[tuple[SLOPlan, Scenario], ...], ...]:
        """The file's test groups: per lane, the k-th scenario of each of its SLOs in one group."""
        per_slo = {}
        for plan, scenario in self.scenarios:
            per_slo.setdefault(plan.name, []).append((plan, scenario))
        out = []
        for lane in self.lanes:
            lists = [per_slo.get(self.testable[i][0].name, []) for i in lane]
            for k in range(max((len(items) for items in lists), default=0)):
                out.append(tuple(items[k] for items in lists if k < len(items)))
        return tuple(out)


def _ceil(seconds: float, step: int) -> int:
    return int(-(-seconds // step) * step)


def _labels_text(labels: dict[str, str]) -> str:
    parts = ", ".join(f'{name_text(k)}="{escape_string(v)}"' for k, v in sorted(labels.items()))
    return "{" + parts + "}"


def _selector(metric: str, labels: dict[str, str]) -> str:
    return metric + _labels_text(labels)


def _overlap(a0: float, a1: float, b0: float, b1: float) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


def _rate_selectors(rates: BaseRates) -> tuple[Selector, ...]:
    events, errors = selectors_read(rates.events), selectors_read(rates.errors)
    # Not parsed: the SLO then shares no test group (see sharing_lanes).
    return events + errors if events and errors else ()


@dataclass(frozen=True)
class _Reader:
    """One SLO as sharing_lanes compares it: what its rules read, and what it feeds."""

    selectors: tuple[Selector, ...]
    notations: frozenset[str]
    series: tuple[tuple[str, dict[str, str]], ...]  # (metric, labels with __name__)


def _reader(selectors: tuple[Selector, ...], series: tuple[SyntheticSeries, ...]) -> _Reader:
    return _Reader(
        selectors,
        frozenset(s.notation() for s in series),
        tuple((s.metric, {"__name__": s.metric, **dict(s.labels)}) for s in series),
    )


def _reads(selectors: tuple[Selector, ...], series: tuple[tuple[str, dict[str, str]], ...]) -> bool:
    for metric, labels in series:
        for selector in selectors:
            if selector.name is not None and selector.name != metric:
                continue
            if all(label_matches(m, labels.get(m[0], "")) for m in selector.matchers):
                return True
    return False


def sharing_lanes(
    testable: tuple[tuple[SLOPlan, tuple[SyntheticSeries, ...]], ...], reads: list[tuple[Selector, ...]] | None = None
) -> tuple[tuple[int, ...], ...]:
    """SLOs grouped so that no SLO of a lane reads another's input series.

    promtool evaluates the whole rule file at every tick of every test group, so one
    group per SLO and scenario costs SLOs squared; SLOs of a lane share their groups
    (each its own series and checks), and a service's cost grows linearly.  A service
    SLO whose selectors also match a per-handler SLO's series goes to another lane,
    since feeding both at once would change the rates the other one sees.  `reads`: the
    selectors each SLO's SLI reads (series.sli_selectors), else parsed from its rules.
    """
    lanes: list[list[int]] = []
    readers: list[_Reader] = []
    for index, (plan, series) in enumerate(testable):
        selectors = reads[index] if reads is not None else _rate_selectors(plan.rates)
        readers.append(_reader(selectors, series))
        for lane in lanes:
            if selectors and all(_independent(readers[index], readers[other]) for other in lane):
                lane.append(index)
                break
        else:
            lanes.append([index])
    return tuple(tuple(lane) for lane in lanes)


def _independent(a: _Reader, b: _Reader) -> bool:
    if not b.selectors or a.notations & b.notations:
        return False
    return not _reads(a.selectors, b.series) and not _reads(b.selectors, a.series)


# Pure in its numbers, and SLOs with the same objective and tiers ask the same questions
# thousands of times: remembering the answers keeps 10,000-SLO trees cheap to test.
@functools.lru_cache(maxsize=1 << 17)
def window_ratio_bounds(
    window: int, at: float, phases: tuple[Phase, ...], slack: int, counters: frozenset[int] = COUNTER_WINDOWS
) -> tuple[float, float]:
    """Lower and upper bound of a window's error ratio at `at`, given the smear and tick slack.

    A window summed from the hourly series shows its estimator as of the last full hour
    (windows.promtool_seen); on the hour itself promtool 2.x reads one hourly point more
    (its ranges include their start), so there either length is possible.
    """
    seen = promtool_seen(window, at, counters)
    low, high = _ratio_bounds(window, seen, phases, slack, counters)
    if source_of(window, counters) == "hourly" and seen == at:
        longer = _ratio_bounds(window + HOUR_SECONDS, seen, phases, slack, counters)
        low, high = min(low, longer[0]), max(high, longer[1])
    return low, high


def _ratio_bounds(window: int, at: float, phases: tuple[Phase, ...], slack: int, counters: frozenset[int]) -> tuple[float, float]:
    smear = promtool_smear(window, counters)
    # The raw 5m ratio is computed at the query tick itself; sums see whole ticks only.
    slack = INPUT_INTERVAL if source_of(window, counters) == "raw" else slack
    # Traffic started at 0: a window holds at most min(window, at) of it, and at least
    # that less the smear still on its way in.
    upper_errors = sum(p.ratio * _overlap(p.start, p.end, at - window - smear - slack, at) for p in phases)
    # Queries run on a tick after that tick's rules, so only the left edge of a window
    # (and the last input sample) is uncertain.
    lower_errors = sum(p.ratio * _overlap(p.start, p.end, at - window + slack, at - smear - INPUT_INTERVAL) for p in phases)
    most = max(min(window, at), 1.0)
    least = max(min(window, at) - smear - slack, 1.0)
    return lower_errors / most, upper_errors / least


@functools.lru_cache(maxsize=1 << 12)
def _threshold(tier: BurnRateTier, period: int, error_budget: Decimal) -> float:
    return float(tier.threshold(period, error_budget))


@functools.lru_cache(maxsize=1 << 15)
def _tier_may_hold(
    tier_threshold: float, tier: BurnRateTier, start: float, end: float, phases: tuple[Phase, ...], slack: int,
    counters: frozenset[int] = COUNTER_WINDOWS,
) -> bool:
    threshold = tier_threshold * (1 - BOUND_MARGIN)
    # Alerts are only evaluated on ticks, one evaluation interval (slack less input) apart.
    step = max(slack - INPUT_INTERVAL, 60)
    at = start
    while at <= end:
        if all(window_ratio_bounds(w, at, phases, slack, counters)[1] > threshold for w in (tier.long_window, tier.short_window)):
            return True
        at += step
    return False


def _others_may_hold(
    period: int, error_budget: Decimal, tiers: tuple[BurnRateTier, ...], tier: BurnRateTier,
    start: float, end: float, phases: tuple[Phase, ...], slack: int, counters: frozenset[int] = COUNTER_WINDOWS,
) -> bool:
    """Whether another tier of the severity could hold in [start, end] on this traffic."""
    return any(
        _tier_may_hold(_threshold(other, period, error_budget), other, start, end, phases, slack, counters)
        for other in tiers
        if other != tier
    )


class _SLOText:
    """The identity strings of one SLO's checks (selectors, labels, names), each built once.

    Scenarios differ between SLOs in these strings only; their numbers come from the
    caches below, keyed by the SLO's numbers, so a large tree pays mostly for text.
    """

    def __init__(self, plan: SLOPlan, group: dict[str, str]):
        self.plan = plan
        self.group = group
        self._memo: dict[tuple, str] = {}

    # Each text is asked for by several scenarios: looked up first, built on a miss.
    def alert_selector(self, sev: SeverityPlan, tier: BurnRateTier | None = None) -> str:
        """ALERTS of this SLO's severity (of one tier if given), firing."""
        text = self._memo.get(("selector", sev.key, tier))
        if text is None:
            plan = self.plan
            labels = {"alertname": plan.alert_name, "alertstate": "firing", **dict(sev.labels), names.LABEL_ID: plan.id}
            if tier is not None:
                labels[names.LABEL_TIER] = tier_label(tier)
            text = self._memo[("selector", sev.key, tier)] = _selector("ALERTS", labels)
        return text

    def alert_series(self, sev: SeverityPlan, tier: BurnRateTier) -> str:
        """The full label set of the firing ALERTS series of this severity's tier."""
        text = self._memo.get(("series", sev.key, tier))
        if text is None:
            plan = self.plan
            labels = {
                "alertname": plan.alert_name,
                "alertstate": "firing",
                **plan.series_labels,
                **self.group,
                **dict(sev.labels),
                **dict(plan.id_labels),
                names.LABEL_TIER: tier_label(tier),
            }
            text = self._memo[("series", sev.key, tier)] = "ALERTS" + _labels_text(labels)
        return text

    def condition(self, tier: BurnRateTier) -> str:
        """The tier's alert condition on one line."""
        text = self._memo.get(("condition", tier))
        if text is None:
            one_line = " ".join(line.strip() for line in tier_expr(self.plan, tier).splitlines())
            text = self._memo[("condition", tier)] = one_line
        return text

    def long_burn(self, tier: BurnRateTier) -> str:
        """Burn rate over the tier's long window."""
        text = self._memo.get(("long", tier))
        if text is None:
            ratio = self.plan.selector(names.error_ratio(tier.long_window))
            text = self._memo[("long", tier)] = f"sum without ({names.LABEL_WINDOW}) ({ratio}) / {fmt(self.plan.error_budget)}"
        return text

    def tier_name(self, sev: SeverityPlan, tier: BurnRateTier) -> str:
        """`service/slo severity long/short`, the start of a scenario's name."""
        plan = self.plan
        return f"{plan.service}/{plan.name} {sev.key} {format_duration(tier.long_window)}/{format_duration(tier.short_window)}"


def _never(at: int, expr: str, span: int, step: int | None = None) -> Check:
    """No sample of `expr` in the `span` before `at` (a subquery at `step` for expressions)."""
    if step is None:
        return Check(at, f"count_over_time({expr}[{format_duration(span)}])", ())
    return Check(at, f"count_over_time(({expr})[{format_duration(span)}:{format_duration(step)}])", ())


def _group_values(series: tuple[SyntheticSeries, ...], plan: SLOPlan) -> dict[str, str]:
    labels = dict(series[0].labels)
    return {label: labels[label] for label in plan.grouping}


@functools.lru_cache(maxsize=1 << 12)
def _warmup(tiers: tuple[BurnRateTier, ...], tier: BurnRateTier, eval_interval: int, counters: frozenset[int] = COUNTER_WINDOWS) -> int:
    """Good traffic before the errors start.

    For tiers summed from 5m rates, the longest such window of the severity, so the
    tier's long window is in the steady state the detection-time theory assumes and
    the other tiers see a full window of history too.  Windows of a day and more
    would double the simulated time; they get one hour, so the first hourly point is all
    good traffic and the errors start on the hour, right after it: the hourly series
    shows nothing of them for a whole hour, Prometheus' worst case.  Their long window
    then holds only the history since the start and crosses sooner: the theoretical
    detection time stays a valid upper bound.
    """
    if source_of(tier.long_window, counters) == "hourly":
        return _ceil(promtool_smear(tier.long_window, counters) + eval_interval, HOUR_SECONDS)
    longest = max(t.long_window for t in tiers if source_of(t.long_window, counters) != "hourly")
    return _ceil(longest + promtool_smear(longest, counters) + eval_interval, eval_interval)


# The numbers of each scenario are pure in the SLO's numbers (period, budget, tiers,
# `for`, evaluation interval); SLOs sharing them, most of a large tree, share these.
@functools.lru_cache(maxsize=1 << 12)
def _fires_numbers(
    period: int, error_budget: Decimal, tiers: tuple[BurnRateTier, ...], tier: BurnRateTier, for_seconds: int, e: int,
    counters: frozenset[int] = COUNTER_WINDOWS,
) -> tuple[float, int, int, bool] | None:
    threshold = _threshold(tier, period, error_budget)
    ratio = min(FIRE_BURN * threshold, 1.0)
    if ratio <= threshold:
        return None  # a tier at a 100% error threshold can never fire; plan.py reports it
    start = _warmup(tiers, tier, e, counters)
    deadline = _ceil(promtool_detection_time(tier, period, error_budget, ratio, e, INPUT_INTERVAL, for_seconds, counters, start=start), e)
    at = start + deadline
    phases = (Phase(start, at + e, ratio),)
    # The alert may then come from another tier; the tier's own condition is checked anyway.
    others = _others_may_hold(period, error_budget, tiers, tier, start, at, phases, INPUT_INTERVAL + e, counters)
    return ratio, start, deadline, others


def _fires(text: _SLOText, sev: SeverityPlan, tier: BurnRateTier, e: int, key: tuple | None = None, eps: float = EVENTS_PER_SECOND) -> Scenario | None:
    plan = text.plan
    numbers = _fires_numbers(plan.period, plan.error_budget, sev.tiers, tier, sev.for_seconds or 0, e, plan.counter_windows)
    if numbers is None:
        return None
    ratio, start, deadline, others = numbers
    at = start + deadline
    alert = text.alert_selector(sev)
    checks = (
        _never(start, alert, start),
        # Other tiers may fire too (each its own alert): this tier's alert must be among them.
        Check(at, text.alert_selector(sev, tier), ((text.alert_series(sev, tier), 1.0),)),
        Check(at, f"count({text.condition(tier)})", (("{}", 1.0),)),
    )
    notes = [f"errors at {FIRE_BURN}x the factor from {format_duration(start)}; firing within {format_duration(deadline)}"]
    if others:
        notes.append("another tier of this severity may fire first")
    phases = (Phase(start, at + e, ratio),)
    return Scenario(f"{text.tier_name(sev, tier)} fires at {FIRE_BURN}x", at + e, phases, checks, tuple(notes), key, eps)


@functools.lru_cache(maxsize=1 << 12)
def _quiet_numbers(
    period: int, error_budget: Decimal, tiers: tuple[BurnRateTier, ...], tier: BurnRateTier, e: int,
    counters: frozenset[int] = COUNTER_WINDOWS,
) -> tuple[float, int, int, bool, str]:
    threshold = _threshold(tier, period, error_budget)
    ratio = QUIET_BURN * threshold
    start = _warmup(tiers, tier, e, counters)
    # Until promtool shows the long window holding nothing but the errors.
    end = start + _ceil(promtool_clean_time(tier.long_window, e, INPUT_INTERVAL, counters, stop=start), e)
    phases = (Phase(start, end + e, ratio),)
    others = _others_may_hold(period, error_budget, tiers, tier, 0, end, phases, INPUT_INTERVAL + e, counters)
    return ratio, start, end, others, fmt_float(0.85 * QUIET_BURN * float(tier.factor(period)))


def _quiet(text: _SLOText, sev: SeverityPlan, tier: BurnRateTier, e: int, key: tuple | None = None, eps: float = EVENTS_PER_SECOND) -> Scenario:
    plan = text.plan
    ratio, start, end, others, reached = _quiet_numbers(plan.period, plan.error_budget, sev.tiers, tier, e, plan.counter_windows)
    phases = (Phase(start, end + e, ratio),)
    span = end
    checks = [
        _never(end, text.condition(tier), span, e),
        # Not vacuous: the long window did reach (nearly) the injected burn.
        Check(end, f"count({text.long_burn(tier)} > {reached})", (("{}", 1.0),)),
    ]
    notes = []
    if not others:
        checks.insert(0, _never(end, text.alert_selector(sev), span))
    else:
        notes.append("another tier of this severity may fire on this traffic: checked on the tier's own condition only")
    return Scenario(f"{text.tier_name(sev, tier)} quiet at {QUIET_BURN}x", end + e, phases, tuple(checks), tuple(notes), key, eps)


# A search over stop times, pure in the SLO's numbers: SLOs sharing objective, period
# and tiers (most of a large tree) share the answer.
@functools.lru_cache(maxsize=1 << 12)
def _reset_numbers(
    period: int, error_budget: Decimal, tiers: tuple[BurnRateTier, ...], tier: BurnRateTier, e: int,
    counters: frozenset[int] = COUNTER_WINDOWS,
) -> tuple[float, int, int, int, bool]:
    threshold = float(tier.threshold(period, error_budget))
    start = _warmup(tiers, tier, e, counters)
    slack = INPUT_INTERVAL + e
    wanted = threshold * (1 + BOUND_MARGIN)
    best = None
    # The listed burns, then 100% errors for tiers whose threshold leaves no room for them.
    for ratio in [b * threshold for b in RESET_BURNS if b * threshold <= 1] + [1.0]:
        limit = start + 2 * tier.long_window + 2 * promtool_smear(tier.long_window, counters)
        if source_of(tier.long_window, counters) == "hourly":
            limit += HOUR_SECONDS  # what promtool shows of the long window lags up to an hour
        stop = start + e
        while stop <= limit:
            clean = stop + _ceil(promtool_clean_time(tier.short_window, e, INPUT_INTERVAL, counters, stop=stop), e)
            phases = (Phase(start, stop, ratio),)
            # Firing for sure at the stop (both windows' lower bounds above the threshold),
            # and the long window still above it once the short one is clean.
            firing = all(window_ratio_bounds(w, stop, phases, slack, counters)[0] > wanted for w in (tier.long_window, tier.short_window))
            if firing and window_ratio_bounds(tier.long_window, clean, phases, slack, counters)[0] > wanted:
                break
            stop += e
        else:
            continue
        alone = not any(
            _tier_may_hold(_threshold(other, period, error_budget), other, clean, clean, phases, slack, counters)
            for other in tiers
            if other != tier
        )
        candidate = (ratio, start, stop, clean, alone)
        if alone:
            return candidate
        best = best or candidate
    if best is None:
        raise ValueError("no reset burn keeps the long window above the threshold")
    return best


def _reset(text: _SLOText, sev: SeverityPlan, tier: BurnRateTier, e: int, key: tuple | None = None, eps: float = EVENTS_PER_SECOND) -> Scenario | None:
    plan = text.plan
    try:
        ratio, start, stop, clean, alone = _reset_numbers(plan.period, plan.error_budget, sev.tiers, tier, e, plan.counter_windows)
    except ValueError:
        return None
    phases = (Phase(start, stop, ratio),)
    factor = fmt(tier.factor(plan.period))
    condition = f"count({text.condition(tier)})"
    checks = [
        Check(stop, condition, (("{}", 1.0),)),
        Check(clean, condition, ()),
        Check(clean, f"count({text.long_burn(tier)} > {factor})", (("{}", 1.0),)),
    ]
    notes = [f"errors at {fmt_float(ratio / float(plan.error_budget))}x budget until {format_duration(stop)}; short window clean by {format_duration(clean)}"]
    if alone:
        alert = text.alert_selector(sev)
        # With a `for`, the alert may still be pending at the stop (the `fires` scenario
        # checks it fires); resolving is not delayed by `for`, so the clean check holds.
        if not sev.for_seconds:
            checks.insert(0, Check(stop, text.alert_selector(sev, tier), ((text.alert_series(sev, tier), 1.0),)))
        checks.append(Check(clean, alert, ()))
    else:
        notes.append("another tier of this severity legitimately keeps the alert: reset checked on the tier's own condition")
    return Scenario(f"{text.tier_name(sev, tier)} resets", clean + e, phases, tuple(checks), tuple(notes), key, eps)


@functools.lru_cache(maxsize=1 << 10)
def _budget_numbers(
    error_budget: Decimal, e: int, shift: int = 0, counted: tuple[int, int] = (HOUR_SECONDS, 0)
) -> tuple[Phase, int, int, tuple[str, str], tuple[str, str], tuple[float, float, float], str]:
    """The budget scenario's numbers, its errors `shift` seconds later than the first hour
    allows; the period counts the hourly points from `counted[0]` to `counted[1]` before
    the end (all of them for a rolling window; calendar.py's for a calendar period)."""
    ratio = min(BUDGET_BURN * float(error_budget), 0.5)
    burn = ratio / float(error_budget)
    # The period is summed from hourly points, recorded on the hour (see windows.py): the
    # errors fill one whole hour after the first point, so every hour's average weighs
    # them like the good traffic, and the run ends on the hour once the last 5m rates
    # holding them have been averaged in.
    start = _ceil(promtool_smear(86400) + e, HOUR_SECONDS) + shift
    stop = start + HOUR_SECONDS
    end = max(_ceil(stop + promtool_smear(86400) + INPUT_INTERVAL + e, HOUR_SECONDS), _ceil(BUDGET_SCENARIO + shift, HOUR_SECONDS))
    # One hourly point per full hour, each the hour's average rate: the period's events
    # sum to that many hours of traffic, its errors to exactly the injected hour.
    first, tail = counted
    traffic_time = end - tail - first + HOUR_SECONDS
    period_burn = burn * (stop - start) / traffic_time
    # But the first 5m rates of a new counter are extrapolated short: the events' sum may
    # fall short by up to STARTUP_SHORTFALL of traffic, so the measured burn lies between
    # these bounds.
    shortfall = STARTUP_SHORTFALL if first <= HOUR_SECONDS else 0
    low = period_burn * (1 - BUDGET_TOLERANCE)
    high = burn * (stop - start) / (traffic_time - shortfall) * (1 + BUDGET_TOLERANCE)
    mid = start + _ceil((stop - start) / 2, e)

    note = f"errors at {fmt_float(burn)}x for 1h: period burn {fmt_float(period_burn)}"
    return (
        Phase(start, stop, ratio), mid, end,
        _between(burn * (1 - BURN_TOLERANCE), burn * (1 + BURN_TOLERANCE)), _between(low, high), (low, high, period_burn), note,
    )


def _between(lo: float, hi: float) -> tuple[str, str]:
    return fmt_float((lo + hi) / 2), fmt_float((hi - lo) / 2)


def _calendar_budget(plan: SLOPlan, e: int) -> tuple[tuple, float, tuple[int, int]]:
    """The budget scenario of a calendar SLO, the share of its period covered at the end,
    and that period's start and end.

    Its errors must fall in the period holding the end, which starts inside the test in
    zones west of UTC (New York's January 1970 at 05:00 UTC) and for weeks starting late:
    they move past its start.  The period counts its hourly steps past the start, each
    reading the point of the local hour ending then (an hour earlier in a half-hour zone);
    its bounds come from slogen's model of the zone's rule, as the rules compute them.
    """
    cal = plan.calendar
    assert cal is not None
    bounds = rule_bounds(plan)
    base = _ceil(promtool_smear(86400) + e, HOUR_SECONDS)
    tail = HOUR_SECONDS if cal.hour_phase else 0
    shift = 0
    for _ in range(4):  # a shift past one period's start can land the end in the next
        end = _budget_numbers(plan.error_budget, e, shift)[2]
        start, period_end = bounds(end)
        first = ((start + cal.hour_phase) // HOUR_SECONDS + 1) * HOUR_SECONDS - tail
        if first <= base + shift:
            break
        shift = _ceil(first - base, HOUR_SECONDS)
    numbers = _budget_numbers(plan.error_budget, e, shift, (max(first, HOUR_SECONDS), tail))
    history = promtool_history(end)
    return numbers, min(history, end - start) / (period_end - start), (start, period_end)


def _budget(text: _SLOText, e: int, eps: float = EVENTS_PER_SECOND) -> Scenario:
    plan = text.plan
    if plan.calendar is None:
        numbers = _budget_numbers(plan.error_budget, e)
        # Budget spent: the period burn times the share of the period the test's hours
        # cover (`end` is on the hour: the history count is the same whether the hourly
        # group ran at every tick or on the hour, as in the copy the tests load).
        covered = coverage_at(plan, numbers[2], promtool_history(numbers[2]))
        bounds: tuple[int, int] | None = None
    else:
        numbers, covered, bounds = _calendar_budget(plan, e)
    phase, mid, end, current, period, (low, high, period_burn), note = numbers
    remaining = _between(1 - high * covered, 1 - low * covered)
    note += f", {fmt_float(covered)} of the period covered: budget remaining {fmt_float(1 - period_burn * covered)}"
    labels = _labels_text({**plan.series_labels, **text.group})

    def between(metric: str, centre_half: tuple[str, str]) -> str:
        return f"abs({plan.selector(metric)} - {centre_half[0]}) < bool {centre_half[1]}"

    checks = (
        Check(mid, between(names.CURRENT_BURN_RATE, current), ((labels, 1.0),)),
        Check(end, between(names.PERIOD_BURN_RATE, period), ((labels, 1.0),)),
        Check(end, between(names.PERIOD_BUDGET_REMAINING, remaining), ((labels, 1.0),)),
        *_bound_checks(plan, end, bounds),
    )
    return Scenario(f"{plan.service}/{plan.name} budget", end + e, (phase,), checks, (note,), None, eps)


def _bound_checks(plan: SLOPlan, at: int, bounds: tuple[int, int] | None) -> tuple[Check, ...]:
    """A calendar SLO's period start and end at `at` (calendar.rule_bounds: the model
    tests/emit/rules/test_calendar_rules.py holds to tzdata); none for a rolling window."""
    if bounds is None:
        return ()
    return tuple(
        Check(at, f"abs(sum({plan.selector(metric)}) - {bound}) < bool 0.5", (("{}", 1.0),))
        for metric, bound in zip((names.CAL_START, names.CAL_END), bounds)
    )


def plan_scenarios(plan: SLOPlan, series: tuple[SyntheticSeries, ...], e: int) -> list[Scenario]:
    """Every scenario of one SLO at evaluation interval `e`."""
    return _scenarios(plan, _group_values(series, plan), e)


def _scenarios(plan: SLOPlan, group: dict[str, str], e: int) -> list[Scenario]:
    text = _SLOText(plan, group)
    eps = traffic(plan)
    out: list[Scenario | None] = [_budget(text, e, eps)]
    for sev in plan.severities:
        for tier in sev.tiers:
            key = (sev.key, tier.long_window, tier.short_window)
            out += [_fires(text, sev, tier, e, key, eps), _quiet(text, sev, tier, e, key, eps), _reset(text, sev, tier, e, key, eps)]
    scenarios = [s for s in out if s is not None]
    if plan.min_events:
        scenarios += [guard_scenario(plan, sev, e) for sev in plan.severities]
    return scenarios


def guard_scenario(plan: SLOPlan, sev: SeverityPlan, e: int) -> Scenario:
    """Every event failing, but too few events: `min_events` keeps the severity quiet.

    Traffic is half `min_events` over the severity's longest long window, so every
    tier's count guard fails; at 100% errors each tier would fire within its detection
    time without the guard, so the scenario runs a little past the slowest of those.
    """
    longest = max(t.long_window for t in sev.tiers)
    rate = 0.5 * (plan.min_events or 0) / longest
    span = max(
        promtool_detection_time(t, plan.period, plan.error_budget, 1.0, e, INPUT_INTERVAL, sev.for_seconds or 0, plan.counter_windows, start=0)
        for t in sev.tiers
    )
    end = _ceil(span + 2 * e, e)
    top = max(t.factor(plan.period) for t in sev.tiers)
    checks = (
        _never(end, _SLOText(plan, {}).alert_selector(sev), end),
        # Not vacuous: the burn rate is far above every tier's factor; only the guard holds.
        Check(end, f"count({plan.selector(names.CURRENT_BURN_RATE)} > {fmt(top)})", (("{}", 1.0),)),
    )
    notes = (f"100% errors at {fmt_float(rate)} events/s, under min_events {plan.min_events} per long window",)
    return Scenario(f"{plan.service}/{plan.name} {sev.key} quiet below min_events", end + e, (Phase(0, end + e, 1.0),), checks, notes, None, rate)


def traffic(plan: SLOPlan) -> float:
    """Events per second: 10, or enough that every long window clears `min_events` twice over."""
    if not plan.min_events:
        return EVENTS_PER_SECOND
    shortest = min((t.long_window for sev in plan.severities for t in sev.tiers), default=HOUR_SECONDS)
    return max(EVENTS_PER_SECOND, 2.0 * plan.min_events / shortest)


def _numbers_key(plan: SLOPlan) -> tuple:
    """What an SLO's scenario timings depend on: everything but its names and series."""
    return (
        plan.period, plan.error_budget, tuple((sev.tiers, sev.for_seconds) for sev in plan.severities), plan.min_events, plan.counter_windows
    )


# Ticks per (numbers, interval): services of a large tree repeat a handful of shapes.
_TICKS: dict[tuple, tuple[int, int]] = {}
_TICKS_MAX = 1 << 12


def _slo_ticks(plan: SLOPlan, series: tuple[SyntheticSeries, ...], e: int) -> tuple[int, int]:
    """(lower bound, exact) simulated ticks of one SLO's scenarios at interval e."""
    key = (_numbers_key(plan), e)
    ticks = _TICKS.get(key)
    if ticks is None:
        least = _least_ticks(plan, e)
        exact = sum(s.length // e for s in plan_scenarios(plan, series, e)) if least <= MAX_TICKS else least
        if len(_TICKS) >= _TICKS_MAX:
            _TICKS.clear()
        ticks = _TICKS[key] = (least, exact)
    return ticks


def choose_eval_interval(
    plans: list[SLOPlan], series: dict[str, tuple[SyntheticSeries, ...]], lanes: tuple[tuple[int, ...], ...] | None = None
) -> int:
    """The finest evaluation interval keeping the file's simulated ticks within MAX_TICKS.

    SLOs of a lane share test groups (`sharing_lanes`), so a lane costs the ticks of its
    distinct scenario shapes, not of its SLOs; at most, as counted here, their sum.
    """
    lanes = lanes if lanes is not None else tuple((i,) for i in range(len(plans)))
    budget = tick_budget(len(plans))
    shapes = [{_numbers_key(plans[i]): plans[i] for i in lane}.values() for lane in lanes]
    for e in EVAL_INTERVALS:
        ticks = [[_slo_ticks(plan, series[plan.name], e) for plan in lane] for lane in shapes]
        # The fires and quiet scenarios alone are cheap to size and often rule e out.
        if sum(least for lane in ticks for least, _ in lane) > budget:
            continue
        if sum(exact for lane in ticks for _, exact in lane) <= budget:
            return e
    return EVAL_INTERVALS[-1]


def tick_budget(slos: int) -> int:
    """Most simulated ticks for a test file of `slos` SLOs (see MAX_SLO_TICKS)."""
    return min(MAX_TICKS, MAX_SLO_TICKS // max(slos, 1))


def _least_ticks(plan: SLOPlan, e: int) -> int:
    """A lower bound of an SLO's ticks at interval e: its fires and quiet scenarios."""
    ticks = 0
    for sev in plan.severities:
        for tier in sev.tiers:
            counters = plan.counter_windows
            start = _warmup(sev.tiers, tier, e, counters)
            threshold = _threshold(tier, plan.period, plan.error_budget)
            ratio = min(FIRE_BURN * threshold, 1.0)
            detection = promtool_detection_time(tier, plan.period, plan.error_budget, ratio, e, INPUT_INTERVAL, counters=counters, start=start)
            fires = detection if ratio > threshold else 0
            quiet = tier.long_window + promtool_smear(tier.long_window, counters)
            ticks += int((2 * start + fires + quiet) // e)
    return ticks


def build_service_tests(service: str, plans: list[SLOPlan], slis: dict[str, SLI], group_order: tuple[str, ...]) -> ServiceTests:
    """Scenarios for one service, and the SLOs that cannot be tested, with the reason.

    An SLI whose inputs cannot be synthesized still compiles to valid rules, so it is
    reported untested (loudly, by `slogen test`) rather than blocking the rules.
    """
    testable: list[tuple[SLOPlan, tuple[SyntheticSeries, ...]]] = []
    reads: list[tuple[Selector, ...]] = []
    untested: list[tuple[str, str]] = []
    slices: list[tuple[SLOPlan, SliceInputs]] = []
    slice_reads: list[tuple[Selector, ...]] = []
    for plan in plans:
        sli = slis[plan.name]
        if sli.timeslices is not None:
            try:
                slices.append((plan, slice_inputs(sli.timeslices, plan.grouping)))
            except SeriesError as err:
                untested.append((plan.name, f"cannot synthesize input series for sli.timeslices.{err.field}: {err}"))
                continue
            slice_reads.append(sli_selectors(sli))
            continue
        try:
            series = sli_series(sli, plan.grouping)
        except SeriesError as err:
            untested.append((plan.name, f"cannot synthesize input series for sli.{sli.kind}.{err.field}: {err}"))
            continue
        if series is None:
            untested.append((plan.name, "its query SLI has no `test` block naming the counters to drive"))
            continue
        testable.append((plan, series))
        reads.append(sli_selectors(sli))
    by_name = {plan.name: series for plan, series in testable}
    lanes = sharing_lanes(tuple(testable), reads)
    e = choose_eval_interval([plan for plan, _ in testable], by_name, lanes)
    slice_lanes = sharing_lanes(tuple((plan, inputs.series) for plan, inputs in slices), slice_reads)
    tests = ServiceTests(service, e, tuple(testable), tuple(untested), group_order, slices=tuple(slices), slice_lanes=slice_lanes)
    tests.__dict__["lanes"] = lanes  # already known: spare the cached property the work
    return tests


def series_values(series: SyntheticSeries, phases: tuple[Phase, ...], length: int, events_per_second: float = EVENTS_PER_SECOND) -> str:
    """promtool's expanding notation for a counter over the scenario, one sample per input interval."""
    return _values_text(series.base, series.per_error, phases, length, events_per_second)


# Pure in the counter's rate function and the scenario: shared by every SLO of a shape.
@functools.lru_cache(maxsize=1 << 14)
def _values_text(base: float, per_error: float, phases: tuple[Phase, ...], length: int, events_per_second: float) -> str:
    steps = length // INPUT_INTERVAL
    runs = []
    for first_step, end_step in _ratio_segments(phases, steps):
        mid = (first_step - 0.5) * INPUT_INTERVAL
        ratio = next((p.ratio for p in phases if p.start <= mid < p.end), 0.0)
        runs.append((events_per_second * (base + per_error * ratio) * INPUT_INTERVAL, end_step - first_step))
    return counter_text(merged_runs(runs))


def _ratio_segments(phases: tuple[Phase, ...], steps: int) -> list[tuple[int, int]]:
    """Ranges [first, end) of steps 1..steps over which no phase starts or ends.

    Step k is sampled at the middle of its interval, (k - 1/2) x INPUT_INTERVAL, so a
    boundary at t falls before step ceil(t / INPUT_INTERVAL + 1/2); scanning only the
    boundaries keeps long scenarios (days of 1m steps) cheap to write.
    """
    cuts = {1, steps + 1}
    for phase in phases:
        for t in (phase.start, phase.end):
            k = math.ceil(t / INPUT_INTERVAL + 0.5)
            if 1 < k <= steps:
                cuts.add(k)
    ordered = sorted(cuts)
    return list(zip(ordered, ordered[1:]))


def group_name(group: tuple[tuple[SLOPlan, Scenario], ...]) -> str:
    """A test group's name: each SLO's scenario and notes (promtool prints it on failure)."""
    return " | ".join("; ".join((scenario.name,) + scenario.notes) for _, scenario in group)


def test_file_data(tests: ServiceTests) -> dict:
    """The promtool test file of one service as a YAML document (rule file path relative to output/tests/)."""
    groups = []
    for group in tests.groups:
        groups.append(
            {
                # promtool prints the name of a failing test: say what was injected and expected.
                "name": group_name(group),
                "interval": format_duration(INPUT_INTERVAL),
                "input_series": [
                    {"series": s.notation(), "values": series_values(s, scenario.phases, scenario.length, scenario.events_per_second)}
                    for plan, scenario in group
                    for s in tests.series[plan.name]
                ],
                "promql_expr_test": [
                    {
                        "expr": check.expr,
                        "eval_time": format_duration(check.at),
                        "exp_samples": [{"labels": labels, "value": value} for labels, value in check.samples],
                    }
                    for _, scenario in group
                    for check in scenario.checks
                ],
            }
        )
    return {
        "rule_files": tests.rule_paths,
        "evaluation_interval": format_duration(tests.eval_interval),
        # promtool 2.42 runs groups in random order unless told: keep the rule file's
        # order (base rates, windows, hourly, long windows, alerts) so nothing lags a tick.
        "group_eval_order": list(tests.group_order),
        "tests": groups,
    }


def render_test_file(tests: ServiceTests, source: str) -> str:
    """The promtool test file of one service: `test_file_data` as `to_yaml` writes it."""
    try:
        return header(source) + _test_file_text(tests)
    except FastPathUnsupported:
        return to_yaml(test_file_data(tests), header(source))


def render_slice_test_file(tests: ServiceTests, source: str) -> str:
    """The promtool test file of a service's timeslice SLOs (slices.py)."""
    return slice_test_text(tests.rule_paths, tests.group_order, slice_groups(tests.slices, tests.slice_lanes), source)


def _test_file_text(tests: ServiceTests) -> str:
    """`to_yaml(test_file_data(tests))` written directly: test files are a third of a
    large tree's output, and their layout is fixed (tests/emit/promtool/test_promtool.py holds
    the two to the same text)."""
    # Label sets, selectors and counter values repeat across a file's checks: each
    # distinct text is styled once per file.
    styled: dict[tuple[str, int], str] = {}

    def block_scalar(text: str, indent: int) -> str:
        line = styled.get((text, indent))
        if line is None:
            line = styled[(text, indent)] = _block_scalar(text, indent)
        return line

    out = [
        "rule_files:",
        *("-" + block_scalar(path, 0) for path in tests.rule_paths),
        "evaluation_interval:" + block_scalar(format_duration(tests.eval_interval), 0),
    ]
    if tests.group_order:
        out.append("group_eval_order:")
        out += ["-" + block_scalar(name, 0) for name in tests.group_order]
    else:
        out.append("group_eval_order: []")
    if not tests.testable:
        out.append("tests: []")
        return "\n".join(out) + "\n"
    out.append("tests:")
    e = tests.eval_interval
    chunks = ["\n".join(out), "\n"]
    interval = "  interval:" + block_scalar(format_duration(INPUT_INTERVAL), 2)
    for lane in tests.lanes:
        fragments = []
        for index in lane:
            plan, series = tests.testable[index]
            notations = ["  - series:" + block_scalar(s.notation(), 4) for s in series]
            values = _identity(plan, series)
            template = _template(plan, values, series, e)
            if template is None:
                fragments.append(_slo_fragments(_scenarios(plan, _group_values(series, plan), e), series, notations, block_scalar))
            else:
                fragments.append(template.fill(values, notations))
        for k in range(max(len(f) for f in fragments)):
            parts = [f[k] for f in fragments if k < len(f)]
            chunks.append("- name:" + block_scalar(" | ".join(name for name, _, _ in parts), 2) + "\n")
            chunks.append(interval + "\n  input_series:\n")
            chunks += [series_text for _, series_text, _ in parts]
            chunks.append("  promql_expr_test:\n")
            chunks += [checks for _, _, checks in parts]
    return "".join(chunks)


# One SLO's part of each of its test groups: (raw name with notes, input_series lines,
# promql_expr_test lines), the lines ending in newlines; groups join several SLOs' parts.
Fragment = tuple[str, str, str]


def _slo_fragments(scenarios: list[Scenario], series: tuple[SyntheticSeries, ...], notations: list[str], block_scalar) -> list[Fragment]:
    """One fragment per scenario of one SLO."""
    fragments: list[Fragment] = []
    for scenario in scenarios:
        inputs: list[str] = []
        for s, line in zip(series, notations):
            inputs.append(line)
            inputs.append("    values:" + block_scalar(series_values(s, scenario.phases, scenario.length, scenario.events_per_second), 4))
        checks: list[str] = []
        for check in scenario.checks:
            checks.append("  - expr:" + block_scalar(check.expr, 4))
            checks.append("    eval_time:" + block_scalar(format_duration(check.at), 4))
            if not check.samples:
                checks.append("    exp_samples: []")
                continue
            checks.append("    exp_samples:")
            for labels, value in check.samples:
                checks.append("    - labels:" + block_scalar(labels, 6))
                checks.append("      value: " + yaml_number(value))
        name = "; ".join((scenario.name,) + scenario.notes)
        fragments.append((name, "\n".join(inputs) + "\n", "\n".join(checks) + "\n"))
    return fragments


# SLOs differ in their scenario text only by their names, labels and input series when
# their numbers agree.  An SLO whose names and label values are "inert" gets its
# text from a template: the text of the same scenarios written for placeholder names,
# the placeholders then replaced.  Inert values cannot change how YAML styles a scalar
# (no quotes, escapes, `:`, `#` or spaces; nothing a resolver or an indicator reads at
# the start; render.inert), and placeholders are inert too, so the styles chosen for the
# placeholders' text are the styles of the real text (tests/emit/promtool/test_promtool.py
# compares the two).
_MARK = PLACEHOLDER_MARK
_SLOT = re.compile(rf"(\s{_MARK}M\d+x|{_MARK}\d+x)")
_TEMPLATES: dict[tuple, "_Template | None"] = {}
_TEMPLATES_MAX = 1 << 10
# Stands in for the SLI's rates, which the tests never read.
# Only whether the fast window is read from the counters (SLOPlan.counter_windows) shapes tests.
_NO_RATES = BaseRates("", "")
_FAST_RATES = BaseRates("", "", "fast")
_SCENARIO, _FIELD = "\x1e", "\x1f"


@dataclass(frozen=True)
class _Template:
    """One SLO's scenario text split at its placeholders: fragments and, between them, what fills them."""

    parts: tuple[str, ...]
    # Per placeholder position: ("v", index into the identity values) or ("m", series index).
    slots: tuple[tuple[int, str, int], ...]

    def fill(self, values: list[str], notations: list[str]) -> list[Fragment]:
        """The fragments for one SLO of this template's shape, from its identity values and series lines."""
        parts = list(self.parts)
        for position, kind, index in self.slots:
            parts[position] = values[index] if kind == "v" else notations[index][len("  - series:"):]
        return [tuple(fragment.split(_FIELD)) for fragment in "".join(parts).split(_SCENARIO)]  # type: ignore[misc]


def _identity(plan: SLOPlan, series: tuple[SyntheticSeries, ...]) -> list[str]:
    """The values the placeholders stand for: service, SLO name, label values, group values."""
    labels = dict(series[0].labels) if series and plan.grouping else {}
    return [plan.service, plan.name, *(value for _, value in plan.labels), *(labels.get(label, "") for label in plan.grouping)]


def _template(plan: SLOPlan, values: list[str], series: tuple[SyntheticSeries, ...], e: int) -> _Template | None:
    """The shared text of SLOs like this one, or None when its identity `values` are not inert."""
    if not all(inert(value) for value in values):
        return None
    # Everything the scenarios read from the plan but its identity (placeholders here).
    holder = _placeholder_plan(plan)
    key = (holder, plan.grouping, tuple((s.base, s.per_error) for s in series), e)
    if key in _TEMPLATES:
        return _TEMPLATES[key]
    template = _make_template(holder, series, e)
    if len(_TEMPLATES) >= _TEMPLATES_MAX:
        _TEMPLATES.clear()
    _TEMPLATES[key] = template
    return template


def _placeholder_plan(plan: SLOPlan) -> SLOPlan:
    return replace(
        plan,
        service=placeholder(0),
        name=placeholder(1),
        description="",
        labels=tuple((key, placeholder(2 + i)) for i, (key, _) in enumerate(plan.labels)),
        rates=_FAST_RATES if plan.rates.fast else _NO_RATES,
        # Annotations are the alert's text, not its behaviour: SLOs differing there share tests.
        severities=tuple(replace(sev, annotations=()) for sev in plan.severities),
    )


def _make_template(holder: SLOPlan, series: tuple[SyntheticSeries, ...], e: int) -> _Template | None:
    if _MARK in repr(replace(holder, service="", name="", labels=tuple((key, "") for key, _ in holder.labels))):
        return None  # a literal part (a label name, an alert label) reads like a placeholder
    first = 2 + len(holder.labels)
    group = {label: placeholder(first + i) for i, label in enumerate(holder.grouping)}
    notations = [f"  - series: {_MARK}M{i}x" for i in range(len(series))]
    fragments = _slo_fragments(_scenarios(holder, group, e), series, notations, _block_scalar)
    # Joined by control characters that styled YAML scalars never hold raw (they are escaped).
    text = _SCENARIO.join(_FIELD.join(fragment) for fragment in fragments)
    pieces = _SLOT.split(text)
    slots = []
    for position in range(1, len(pieces), 2):
        piece = pieces[position].strip()
        if piece[len(_MARK)] == "M":
            slots.append((position, "m", int(piece[len(_MARK) + 1:-1])))
        else:
            slots.append((position, "v", int(piece[len(_MARK):-1])))
    return _Template(tuple(pieces), tuple(slots))
