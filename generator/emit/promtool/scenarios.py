"""Plans -> the scenarios proving each alert tier behaves: what each drives and expects. Pure.

For every SLO with synthesizable inputs and every burn-rate tier, three scenarios run
on constant traffic, good for a warm-up (timing.warmup), then:

* ``fires``: errors at 1.1x the tier's threshold; the alert of that severity is not
  firing before the errors start and is firing by the theoretical detection time
  (`windows.promtool_detection_time`), and the tier's own condition holds then;
* ``quiet``: errors at 0.9x the threshold for a whole long window; the tier's own
  condition never holds, and, when no other tier of the severity can legitimately
  fire on that traffic (timing.py's bounds), the severity's alert never fires either;
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

from dataclasses import dataclass

from slogen.emit.promtool.inputs import EVENTS_PER_SECOND, INPUT_INTERVAL, Phase
from slogen.emit.promtool.series import SyntheticSeries, fmt_float
from slogen.emit.promtool.timing import (
    FIRE_BURN,
    HOUR_SECONDS,
    QUIET_BURN,
    between,
    budget_numbers,
    calendar_budget,
    ceil_to,
    fires_numbers,
    quiet_numbers,
    reset_numbers,
)
from slogen.emit.rules.alerts import tier_expr, tier_label
from slogen.emit.rules.recording import coverage_at, promtool_history
from slogen.plan import names
from slogen.plan.slo import SeverityPlan, SLOPlan
from slogen.plan.windows import BurnRateTier, promtool_detection_time
from slogen.spec.durations import format_duration
from slogen.spec.numbers import fmt
from slogen.spec.promql import escape_string, name_text


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
    # Series (by notation) driven by phases and traffic of their own instead: a journey's
    # members apart (composite_tests.py).
    own_drives: tuple[tuple[str, tuple[Phase, ...], float], ...] = ()

    def drive(self, series: SyntheticSeries) -> tuple[tuple[Phase, ...], float]:
        """The phases and events per second driving one input series."""
        notation = series.notation() if self.own_drives else ""
        return next(((phases, eps) for name, phases, eps in self.own_drives if name == notation), (self.phases, self.events_per_second))


def _labels_text(labels: dict[str, str]) -> str:
    parts = ", ".join(f'{name_text(k)}="{escape_string(v)}"' for k, v in sorted(labels.items()))
    return "{" + parts + "}"


def _selector(metric: str, labels: dict[str, str]) -> str:
    return metric + _labels_text(labels)


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


def group_values(series: tuple[SyntheticSeries, ...], plan: SLOPlan) -> dict[str, str]:
    """The values of the SLO's grouping labels in its synthetic series."""
    labels = dict(series[0].labels)
    return {label: labels[label] for label in plan.grouping}


def _fires(text: _SLOText, sev: SeverityPlan, tier: BurnRateTier, e: int, key: tuple | None = None, eps: float = EVENTS_PER_SECOND) -> Scenario | None:
    plan = text.plan
    numbers = fires_numbers(plan.period, plan.error_budget, sev.tiers, tier, sev.for_seconds or 0, e, plan.counter_windows)
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


def _quiet(text: _SLOText, sev: SeverityPlan, tier: BurnRateTier, e: int, key: tuple | None = None, eps: float = EVENTS_PER_SECOND) -> Scenario:
    plan = text.plan
    ratio, start, end, others, reached = quiet_numbers(plan.period, plan.error_budget, sev.tiers, tier, e, plan.counter_windows)
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


def _reset(text: _SLOText, sev: SeverityPlan, tier: BurnRateTier, e: int, key: tuple | None = None, eps: float = EVENTS_PER_SECOND) -> Scenario | None:
    plan = text.plan
    try:
        ratio, start, stop, clean, alone = reset_numbers(plan.period, plan.error_budget, sev.tiers, tier, e, plan.counter_windows)
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


def _budget(text: _SLOText, e: int, eps: float = EVENTS_PER_SECOND) -> Scenario:
    plan = text.plan
    if plan.calendar is None:
        numbers = budget_numbers(plan.error_budget, e)
        # Budget spent: the period burn times the share of the period the test's hours
        # cover (`end` is on the hour: the history count is the same whether the hourly
        # group ran at every tick or on the hour, as in the copy the tests load).
        covered = coverage_at(plan, numbers[2], promtool_history(numbers[2]))
        bounds: tuple[int, int] | None = None
    else:
        numbers, covered, bounds = calendar_budget(plan, e)
    phase, mid, end, current, period, (low, high, period_burn), note = numbers
    remaining = between(1 - high * covered, 1 - low * covered)
    note += f", {fmt_float(covered)} of the period covered: budget remaining {fmt_float(1 - period_burn * covered)}"
    labels = _labels_text({**plan.series_labels, **text.group})

    def within(metric: str, centre_half: tuple[str, str]) -> str:
        return f"abs({plan.selector(metric)} - {centre_half[0]}) < bool {centre_half[1]}"

    checks = (
        Check(mid, within(names.CURRENT_BURN_RATE, current), ((labels, 1.0),)),
        Check(end, within(names.PERIOD_BURN_RATE, period), ((labels, 1.0),)),
        Check(end, within(names.PERIOD_BUDGET_REMAINING, remaining), ((labels, 1.0),)),
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
    return slo_scenarios(plan, group_values(series, plan), e)


def slo_scenarios(plan: SLOPlan, group: dict[str, str], e: int) -> list[Scenario]:
    """Every scenario of one SLO whose series carry the grouping label values `group`."""
    text = _SLOText(plan, group)
    eps = traffic(plan)
    out: list[Scenario | None] = [_budget(text, e, eps)]
    for sev in plan.severities:
        for tier in sev.tiers:
            key = (sev.key, tier.long_window, tier.short_window)
            out += [_fires(text, sev, tier, e, key, eps), _quiet(text, sev, tier, e, key, eps), _reset(text, sev, tier, e, key, eps)]
    scenarios = [s for s in out if s is not None]
    # A journey's events are its members' (or one a second): no member's traffic alone is too little (composite_tests.py).
    if plan.min_events and plan.composite is None:
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
    end = ceil_to(span + 2 * e, e)
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

