"""Plans -> recording rules, grouped by how often their windows need evaluating.

Per service, five groups (empty ones are left out; calendar SLOs add two, see calendar.py):

* ``sli-short`` (1m): 5m base rates of errors and events read from the user's
  counters (per SLO), and the 5m error ratio (the fast page tier's short window);
* ``sli-mid`` (2m): the per-SLO error budget (read by every later group), the current
  burn rate and windows above 5m and below 1d, summed from the base rates, then the
  burn alerts of tiers with both windows among them (the 6h/30m page: alerts.py);
* ``sli-hourly`` (1h): hourly averages of the base rates, read only by range functions,
  and how many hours of the SLO period they cover (history_rule);
* ``sli-long`` (4m): the per-SLO info series, windows of 1d and
  more (the SLO period too) summed from the hourly series, the series derived from
  the constants, the budget remaining (the period burn over the share of the period
  history covers: remaining_expr), and the budget policy (policy.py);
* ``alerts`` (30s): the 1h error ratio read from the user's counters (per SLO: the fast
  page tier's long window, fresh for the alerts after it), then the burn-rate alerts
  (alerts.py) of tiers reading a raw window (the 1h/5m page; the tiers of 1d or more,
  the default tickets, run in sli-long after the windows they read).  Every alert runs
  after every group it reads in promtool's ticks (every group, in file order), so it
  reads every window of the same tick.

Every rule evaluation costs Prometheus a fixed amount (an appender and a commit per
rule) on top of its query, so each rule sits in the slowest group its readers allow,
and only the rules that read the user's series, and the constants nothing can derive,
are written per SLO.  Every other rule is written once for all the SLOs of its scope
(a service, or every service with `--share-rules global`) that need it, selecting them
by `slo_service` (all of them) or by an anchored list of ids (some of them); per-SLO
numbers come from the `slo:error_budget:ratio` series or, where all the selected SLOs
agree on them, stay inline.

Every window is sum(errors) / sum(events) of recorded rates, so it is traffic-weighted.
Windows sum by the SLO's id and grouping labels and take the labels every selected SLO
shares from the rule, so an SLO whose service-wide labels changed keeps its history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Sequence

from slogen.emit.rules.corrections import amounts, corrected, one_offs
from slogen.plan import names
from slogen.plan.calendar_periods import period_bounds
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import BASE_WINDOW, FAST_WINDOW, HISTORY_READ, HOUR, LONG_INTERVAL, MID_INTERVAL, interval_of, source_of

# What shared rules read: recorded series only, the 5m base rates the rawest of them.
_RECORDED = frozenset({BASE_WINDOW})
from slogen.spec.durations import format_duration
from slogen.spec.numbers import fmt
from slogen.spec.promql import escape_string, names_text


@dataclass(frozen=True)
class Rule:
    """One recording or alerting rule, as data until it is rendered."""

    expr: str
    record: str | None = None
    alert: str | None = None
    for_: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()

    def as_dict(self) -> dict:
        """The rule in Prometheus' rule-file shape, keys in conventional order."""
        out: dict = {"record": self.record} if self.record else {"alert": self.alert}
        out["expr"] = self.expr
        if self.for_:
            out["for"] = self.for_
        if self.labels:
            out["labels"] = dict(self.labels)
        if self.annotations:
            out["annotations"] = dict(self.annotations)
        return out


@dataclass(frozen=True)
class Group:
    """A rule group with its evaluation interval in seconds."""

    name: str
    interval: int
    rules: tuple[Rule, ...]

    def as_dict(self) -> dict:
        """The group in Prometheus' rule-file shape."""
        return {
            "name": self.name,
            "interval": format_duration(self.interval),
            "rules": [rule.as_dict() for rule in self.rules],
        }


def rule_file_data(groups: Sequence[Group]) -> dict:
    """`groups:` in Prometheus' rule-file shape; every target starts from this."""
    return {"groups": [group.as_dict() for group in groups]}


@dataclass(frozen=True)
class Scope:
    """The SLOs a set of shared rules serves: one service's, or (service None) every service's."""

    service: str | None
    plans: tuple[SLOPlan, ...]
    # False: select by id even all the plans (expressions about one SLO, read beside others).
    whole: bool = True

    @staticmethod
    def of(plan: SLOPlan) -> Scope:
        """One SLO, selected by its id."""
        return Scope(plan.service, (plan,), whole=False)

    def everyone(self, plans: Sequence[SLOPlan]) -> bool:
        """Whether `plans` are selected by service (or every slo_id): the series of an SLO removed
        from the specs are then selected too, for as long as a range still holds them."""
        return self.whole and len(plans) == len(self.plans)

    def select(self, metric: str, plans: Sequence[SLOPlan]) -> str:
        """A selector for `metric` of exactly `plans` (a part of this scope, in its order)."""
        if self.everyone(plans):
            if self.service is not None:
                return f'{metric}{{{names.LABEL_SERVICE}="{escape_string(self.service)}"}}'
            return f'{metric}{{{names.LABEL_ID}!=""}}'
        if len(plans) == 1:
            return plans[0].selector(metric)
        # Prometheus anchors the regex, and looks an alternation of literals up as a set.
        ids = "|".join(_RE2_SPECIAL.sub(r"\\\g<0>", plan.id) for plan in plans)
        return f'{metric}{{{names.LABEL_ID}=~"{escape_string(ids)}"}}'


_RE2_SPECIAL = re.compile(r"[\\.+*?()|\[\]{}^$]")


def split_by(plans: Sequence[SLOPlan], key: Callable[[SLOPlan], object]) -> list[tuple[object, list[SLOPlan]]]:
    """The plans grouped by `key`, groups and plans in first-appearance order."""
    out: dict[object, list[SLOPlan]] = {}
    for plan in plans:
        out.setdefault(key(plan), []).append(plan)
    return list(out.items())


def labelling(plans: Sequence[SLOPlan]) -> tuple[dict[str, str], tuple[str, ...]]:
    """The series labels every plan shares (set by the rule), and the labels to sum by:
    those that differ between the plans (the ids, at least, for several) and the grouping labels."""
    first = plans[0].series_labels
    common = {k: v for k, v in first.items() if all(plan.series_labels.get(k) == v for plan in plans[1:])}
    varying = sorted({k for plan in plans for k in plan.series_labels if k not in common})
    grouping = [g for g in dict.fromkeys(g for plan in plans for g in plan.grouping) if g not in varying]
    return common, tuple(varying + grouping)


def sum_by(by: Sequence[str]) -> str:
    """`sum` or `sum by (...) ` (followed by the parenthesised argument)."""
    return f"sum by ({names_text(by)}) " if by else "sum"


def divide(numerator: str, scope: Scope, plans: Sequence[SLOPlan], sep: str = "\n", join: bool = False) -> str:
    """`numerator` divided by each SLO's error budget: inline when the plans share one (unless
    `join`), else joined by id (which also drops what is left of removed SLOs)."""
    budgets = {plan.error_budget for plan in plans}
    if len(budgets) == 1 and not join:
        return f"{numerator}{sep}/{sep}{fmt(budgets.pop())}"
    return f"{numerator}{sep}/ on ({names.LABEL_ID}) group_left (){sep}{scope.select(names.ERROR_BUDGET, plans)}"


def gate(scope: Scope, plans: Sequence[SLOPlan], by: Sequence[str]) -> str | None:
    """`and on (...) <error budget>`: keeps the SLOs still in the specs, where the plans are
    selected by service and their series are read over a range (None where nothing needs it)."""
    if not scope.everyone(plans):
        return None
    on = names.LABEL_ID if names.LABEL_ID in by else ""
    return f"and on ({on}) {scope.select(names.ERROR_BUDGET, plans)}"


def burn_expr(scope: Scope, plans: Sequence[SLOPlan], window: int, sep: str = "\n") -> str:
    """PromQL of the burn rate over a recorded window of `plans` (labels: the SLOs' series labels)."""
    ratio = scope.select(names.error_ratio(window), plans)
    return divide(f"sum without ({names.LABEL_WINDOW}) ({ratio})", scope, plans, sep)


def events_count_expr(plan: SLOPlan, window: int) -> str:
    """PromQL of how many events a window of one SLO saw (for the low-traffic guard)."""
    return events_count(Scope.of(plan), (plan,), window, plan.grouping)


def events_count(scope: Scope, plans: Sequence[SLOPlan], window: int, by: Sequence[str]) -> str:
    """PromQL of how many events a window of `plans` saw, summed by `by`."""
    source = source_of(window, _RECORDED)
    if source == "raw":
        return f"{sum_by(by)}({scope.select(names.events_rate(BASE_WINDOW), plans)}) * {window}"
    base = BASE_WINDOW if source == "base" else HOUR
    return f"{sum_by(by)}(avg_over_time({scope.select(names.events_rate(base), plans)}[{format_duration(window)}])) * {window}"


def _window_labels(plan: SLOPlan, window: int) -> tuple[tuple[str, str], ...]:
    labels = {**plan.series_labels, names.LABEL_WINDOW: format_duration(window)}
    return tuple(sorted(labels.items()))


def _summed(scope: Scope, plans: Sequence[SLOPlan], by: Sequence[str], func: str, metric: str, window: int) -> str:
    return f"{sum_by(by)}({func}({scope.select(metric, plans)}[{format_duration(window)}]))"


def window_rule(scope: Scope, plans: Sequence[SLOPlan], window: int) -> Rule:
    """The error ratio over a window of `plans`, from the recorded series its source names."""
    source = source_of(window, _RECORDED)
    if source == "raw":
        # No sum: the base rates of errors and events carry the same labels.
        errors, events = (scope.select(metric(BASE_WINDOW), plans) for metric in (names.errors_rate, names.events_rate))
        return Rule(record=names.error_ratio(window), expr=f"{errors}\n/\n{events}")
    common, by = labelling(plans)
    base = BASE_WINDOW if source == "base" else HOUR
    errors = _summed(scope, plans, by, "sum_over_time", names.errors_rate(base), window)
    events = _summed(scope, plans, by, "sum_over_time", names.events_rate(base), window)
    labels = tuple(sorted({**common, names.LABEL_WINDOW: format_duration(window)}.items()))
    expr = f"{errors}\n/\n{events}"
    # Windows of a day and more hold a removed SLO's hourly points for days: gated by the
    # error budget recorded just before them in their group (shorter windows fade within hours).
    alive = gate(scope, plans, by) if source == "hourly" else None
    if alive:
        expr = f"(\n{expr}\n)\n{alive}"
    return Rule(record=names.error_ratio(window), expr=expr, labels=labels)


def windows_of(scope: Scope, plans: Sequence[SLOPlan], interval: int) -> list[Rule]:
    """One ratio rule per window recorded in the group of `interval`, for the plans needing it."""
    needing = {
        # A worst composite's windows are its members' maxima, written per SLO (composite_rules.py).
        w: [plan for plan in plans if w in plan.windows and w not in plan.counter_windows and not _worst(plan)]
        for w in sorted({w for plan in plans for w in plan.windows if interval_of(w) == interval})
    }
    rules = []
    for w, some in needing.items():
        # Windows of a day and more of an SLO with one-off exclusions: its own rule (corrections.py).
        corrected = [plan for plan in some if source_of(w, _RECORDED) == "hourly" and one_offs(plan)]
        plain = [plan for plan in some if plan not in corrected]
        rules += [window_rule(scope, plain, w)] if plain else []
        rules += [corrected_rule(plan, w) for plan in corrected]
    return rules


def corrected_rule(plan: SLOPlan, window: int) -> Rule:
    """One SLO's error ratio over a window of 1d or more, its past one-off exclusions left out."""
    common, by = labelling((plan,))
    labels = tuple(sorted({**common, names.LABEL_WINDOW: format_duration(window)}.items()))
    return Rule(record=names.error_ratio(window), expr=corrected(plan, window, sum_by(by)), labels=labels)


def _worst(plan: SLOPlan) -> bool:
    return plan.composite is not None and plan.composite.method == "worst"


# Per SLO: the rules that read the user's series, and the constants nothing derives.

def base_rules(plan: SLOPlan) -> list[Rule]:
    """The 5m base rates from the user's counters (after the exclusion state that gates them)."""
    state = [] if plan.exclusion is None else [
        Rule(record=names.EXCLUSION_STATE, expr=plan.exclusion.state.text, labels=tuple(plan.series_labels.items()))
    ]
    return state + [
        Rule(record=names.events_rate(BASE_WINDOW), expr=plan.rates.events, labels=_window_labels(plan, BASE_WINDOW)),
        Rule(record=names.errors_rate(BASE_WINDOW), expr=plan.rates.errors, labels=_window_labels(plan, BASE_WINDOW)),
    ]


def correction_rules(plan: SLOPlan) -> list[Rule]:
    """What each past one-off exclusion of the SLO left in its base rates, for its long windows to subtract."""
    if not one_offs(plan):
        return []
    _, by = labelling((plan,))
    return [Rule(record=name, expr=expr, labels=tuple(plan.series_labels.items())) for name, expr in amounts(plan, sum_by(by))]


def fast_rules(plan: SLOPlan) -> list[Rule]:
    """The fast page window's error ratio, from the user's counters (where the SLI can be read over it)."""
    if FAST_WINDOW not in plan.counter_windows or FAST_WINDOW not in plan.windows:
        return []
    return [Rule(record=names.error_ratio(FAST_WINDOW), expr=plan.rates.fast, labels=_window_labels(plan, FAST_WINDOW))]


def budget_rules(plan: SLOPlan) -> list[Rule]:
    """The error budget, which the shared rules divide by and derive from, and every alert joins
    on: recorded in sli-mid, before the groups that read it (and the alerts in sli-mid itself).
    promtool's tests run the groups in file order at 5m steps, and Prometheus 3 looks back 5m
    exclusive: a series a later group records is a step old there, and out of sight."""
    return [Rule(record=names.ERROR_BUDGET, expr=f"vector({fmt(plan.error_budget)})", labels=tuple(plan.series_labels.items()))]


def constant_rules(plan: SLOPlan) -> list[Rule]:
    """The metadata series."""
    info_labels = dict(plan.series_labels)
    info_labels.update(
        {
            "slo_objective": fmt(plan.objective_percent),
            "slo_period": format_duration(plan.period),
            "slo_sli_kind": plan.sli_kind,
        }
    )
    if plan.description:
        info_labels["slo_description"] = plan.description
    if plan.composite is not None:  # the dependency, declared where Prometheus and dashboards read it
        info_labels["slo_composite_of"] = ",".join(plan.composite.ids)
        info_labels["slo_composite_method"] = plan.composite.method
    return [Rule(record=names.INFO, expr="vector(1)", labels=tuple(sorted(info_labels.items())))]


# Shared: once per scope (or per part of it that needs them).

def short_rules(scope: Scope) -> list[Rule]:
    """The 5m ratio."""
    return [window_rule(scope, scope.plans, BASE_WINDOW)]


def mid_rules(scope: Scope) -> list[Rule]:
    """The current burn rate (read by dashboards only), and windows above 5m and below 1d."""
    # The budgets inline, SLOs sharing one in a block: a literal costs less than a join.
    blocks = [burn_expr(scope, plans, BASE_WINDOW) for _, plans in split_by(scope.plans, lambda plan: plan.error_budget)]
    current = Rule(record=names.CURRENT_BURN_RATE, expr=blocks[0] if len(blocks) == 1 else "\nor\n".join(f"(\n{b}\n)" for b in blocks))
    return [current] + windows_of(scope, scope.plans, MID_INTERVAL)


def hourly_rules(scope: Scope) -> list[Rule]:
    """Hourly averages of the base rates: the points long windows are summed from; then how far back they reach."""
    common, by = labelling(scope.plans)
    labels = tuple(sorted({**common, names.LABEL_WINDOW: format_duration(HOUR)}.items()))
    return [
        Rule(record=metric(HOUR), expr=_summed(scope, scope.plans, by, "avg_over_time", metric(BASE_WINDOW), HOUR), labels=labels)
        for metric in (names.events_rate, names.errors_rate)
    ] + [history_rule(scope)]


def history_keys(plans: Sequence[SLOPlan]) -> tuple[str, ...]:
    """The labels recorded history is counted by: the SLO's identity and grouping labels, which
    never change while the SLO keeps its id (its other labels may, and history survives that)."""
    return (names.LABEL_ID, names.LABEL_NAME, names.LABEL_SERVICE, *_grouping(plans))


def _grouping(plans: Sequence[SLOPlan]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(g for plan in plans for g in plan.grouping))


def history_reach(plan: SLOPlan) -> int:
    """How far back history is counted: the rolling window, or the longest calendar period
    (sli-long counts only the current period's part of it)."""
    return plan.calendar.lookback if plan.calendar else plan.period


def history_rule(scope: Scope) -> Rule:
    """Seconds of recorded history within each SLO's reach: the clock hours holding an hourly point.

    A subquery stepping by the hour counts the hours (s-1h, s] that hold a point, one
    each whether the hourly group ran once in them, as in Prometheus, or at every tick,
    as in promtool; `offset 1ms` leaves out the hour in progress, which holds the point
    just written by the rule before this one (the `+ 1`, and alone for an SLO whose first
    point it is).  Hours, not time since a first point: the period window sums exactly
    these points, so a gap, retention shorter than the window, or history under a new
    label set counts for what it holds.  Run hourly, it reads the window's points once
    an hour rather than at every `sli-long` evaluation.
    """
    keys = names_text(history_keys(scope.plans))
    blocks = []
    for reach, plans in split_by(scope.plans, history_reach):
        points = scope.select(names.events_rate(HOUR), plans)
        hours = f"count_over_time(group by ({keys}) (last_over_time({points}[1h]))[{format_duration(reach)}:1h] offset 1ms)"  # type: ignore[arg-type]
        blocks.append(f"{hours} + 1\nor\ngroup by ({keys}) ({points})")
    body = blocks[0] if len(blocks) == 1 else "\nor\n".join(f"(\n{block}\n)" for block in blocks)
    return Rule(record=names.PERIOD_HISTORY, expr=f"3600 * (\n{body}\n)")


def promtool_history(t: int) -> int:
    """The history `history_rule` counts at second `t` of a promtool test whose counters start at 0.

    promtool writes an hourly point at every tick from the first 5m rate (one input
    interval in), so every clock hour up to `t` holds one: `t` rounded up to the hour.
    """
    return -(-t // HOUR) * HOUR


def coverage_at(plan: SLOPlan, t: int, history: int) -> float:
    """The share of `plan`'s period covered at UTC second `t` by `history` seconds of it (coverage_expr, in Python)."""
    if plan.calendar is None:
        return min(1.0, history / plan.period)
    start, end = period_bounds(plan.calendar, t)
    return min(history, t - start) / (end - start)


def _constant_of(scope: Scope, value: Callable[[SLOPlan], str]) -> str:
    """A series per SLO (the error budget's labels) worth `value(plan)`."""
    blocks = [f"0 * {scope.select(names.ERROR_BUDGET, plans)} + {text}" for text, plans in split_by(scope.plans, value)]
    return blocks[0] if len(blocks) == 1 else "\nor\n".join(f"({block})" for block in blocks)


def _days(plan: SLOPlan) -> str:
    return fmt(plan.period / 86400) if plan.period % 86400 else str(plan.period // 86400)


def long_rules(scope: Scope) -> list[Rule]:
    """Windows of 1d and more, then the series derived from the error budgets."""
    by_period = split_by([plan for plan in scope.plans if not plan.calendar], lambda plan: plan.period)
    ratios = [scope.select(names.error_ratio(period), plans) for period, plans in by_period]  # type: ignore[arg-type]
    calendar = [plan for plan in scope.plans if plan.calendar]
    if calendar:  # the current calendar period's ratio (emit/rules/calendar_groups.py), not a rolling window
        ratios.append(scope.select(names.CALENDAR_ERROR_RATIO, calendar))
    period_ratio = ratios[0] if len(ratios) == 1 else " or ".join(ratios)
    period_burn = divide(f"sum without ({names.LABEL_WINDOW}) ({period_ratio})", scope, scope.plans, join=True)
    return windows_of(scope, scope.plans, LONG_INTERVAL) + [
        Rule(record=names.OBJECTIVE, expr=_constant_of(scope, lambda plan: fmt(plan.objective))),
        Rule(record=names.TIME_PERIOD_DAYS, expr=_constant_of(scope, _days)),
        Rule(record=names.PERIOD_BURN_RATE, expr=period_burn),
        Rule(record=names.PERIOD_BUDGET_REMAINING, expr=remaining_expr(scope)),
    ]


def coverage_expr(scope: Scope) -> str:
    """PromQL of the share of each SLO's period its recorded history covers, at most 1 (keys: history_keys).

    Rolling windows: history / window.  Calendar periods: the part of the period
    elapsed, history / elapsed at most 1 (history that started within the period
    covers only itself), over the whole period's length.
    """
    read = format_duration(HISTORY_READ)
    blocks = [
        f"clamp_max(last_over_time({scope.select(names.PERIOD_HISTORY, plans)}[{read}]) / {period}, 1)"
        for period, plans in split_by([plan for plan in scope.plans if not plan.calendar], lambda plan: plan.period)
    ]
    calendar = [plan for plan in scope.plans if plan.calendar]
    if calendar:
        start, end = (scope.select(metric, calendar) for metric in (names.CAL_START, names.CAL_END))
        history = f"last_over_time({scope.select(names.PERIOD_HISTORY, calendar)}[{read}])"
        elapsed = f"(time() - {start})"
        on = f"on ({names.LABEL_ID}) group_left ()"
        blocks.append(f"clamp_max({history} / {on} {elapsed}, 1)\n* {on}\n({elapsed} / ({end} - {start}))")
    return blocks[0] if len(blocks) == 1 else "\nor\n".join(f"(\n{block}\n)" for block in blocks)


def remaining_expr(scope: Scope) -> str:
    """PromQL of the budget remaining: 1 - budget consumed, where consumed = period burn x coverage.

    Errors so far over the error budget of the events the whole period should see at
    the traffic seen so far: the period's error ratio over the budget (the burn rate)
    times the share of the period history covers.  So an SLO deployed an hour ago at
    5x has spent 5/720 of a 30d budget, not 5 budgets.  Without a history count yet
    (rules upgraded from a version without it, until the hourly group runs) the
    coverage is 1: the burn over the history there is, as before.
    """
    burn = scope.select(names.PERIOD_BURN_RATE, scope.plans)
    keys = [names.LABEL_ID, *_grouping(scope.plans)]
    on = f"on ({names_text(keys)})"
    return f"1 - {burn}\n* {on} group_left ()\n(\n{coverage_expr(scope)}\nor {on}\ngroup by ({names_text(keys)}) ({burn})\n)"
