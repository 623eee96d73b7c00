"""Plan -> recording rules, grouped by how often their windows need evaluating.

Per service, five groups (empty ones are left out):

* ``sli-short`` (30s): 5m base rates of errors and events read from the user's
  counters, and the 5m error ratio (the fast page tier's short window);
* ``sli-mid`` (1m): the current burn rate and windows above 5m and below 1d, summed
  from the base rates;
* ``sli-hourly`` (1h): hourly averages of the base rates, read only by range functions;
* ``sli-long`` (3m): windows of 1d and more (the SLO period too) summed from the
  hourly series, the metadata series, and the budget policy (policy_rules.py);
* ``alerts`` (30s): see alerts.py.

Every rule evaluation costs Prometheus a fixed amount (an appender and a commit per
rule) on top of its query, so each rule sits in the slowest group its readers allow.

The groups themselves are put together in compile.py.

Every window is sum(errors) / sum(events) of recorded rates, so it is traffic-weighted.
"""

from __future__ import annotations

from dataclasses import dataclass

from slogen.plan import names
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import BASE_WINDOW, HOUR, LONG_INTERVAL, MID_INTERVAL, interval_of, source_of
from slogen.spec.durations import format_duration
from slogen.spec.numbers import fmt


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


def _by(plan: SLOPlan) -> str:
    return f"sum by ({', '.join(plan.grouping)}) " if plan.grouping else "sum"


def _window_labels(plan: SLOPlan, window: int) -> tuple[tuple[str, str], ...]:
    labels = {**plan.series_labels, names.LABEL_WINDOW: format_duration(window)}
    return tuple(sorted(labels.items()))


def _series_labels(plan: SLOPlan) -> tuple[tuple[str, str], ...]:
    return tuple(plan.series_labels.items())


def _summed(plan: SLOPlan, func: str, metric: str, window: int) -> str:
    return f"{_by(plan)}({func}({plan.selector(metric)}[{format_duration(window)}]))"


def ratio_expr(plan: SLOPlan, window: int) -> str:
    """PromQL of the error ratio over a window, from the series its source names."""
    source = source_of(window)
    if source == "raw":
        return f"{plan.selector(names.errors_rate(BASE_WINDOW))}\n/\n{plan.selector(names.events_rate(BASE_WINDOW))}"
    base = BASE_WINDOW if source == "base" else HOUR
    errors = _summed(plan, "sum_over_time", names.errors_rate(base), window)
    events = _summed(plan, "sum_over_time", names.events_rate(base), window)
    return f"{errors}\n/\n{events}"


def events_count_expr(plan: SLOPlan, window: int) -> str:
    """PromQL of how many events a window saw (for the low-traffic guard)."""
    source = source_of(window)
    if source == "raw":
        return f"{_by(plan)}({plan.selector(names.events_rate(BASE_WINDOW))}) * {window}"
    base = BASE_WINDOW if source == "base" else HOUR
    return f"{_summed(plan, 'avg_over_time', names.events_rate(base), window)} * {window}"


def _ratio_rule(plan: SLOPlan, window: int) -> Rule:
    return Rule(record=names.error_ratio(window), expr=ratio_expr(plan, window), labels=_window_labels(plan, window))


def short_rules(plan: SLOPlan) -> list[Rule]:
    """Base rates from the user's counters, and the 5m ratio."""
    return [
        Rule(record=names.events_rate(BASE_WINDOW), expr=plan.rates.events, labels=_window_labels(plan, BASE_WINDOW)),
        Rule(record=names.errors_rate(BASE_WINDOW), expr=plan.rates.errors, labels=_window_labels(plan, BASE_WINDOW)),
        _ratio_rule(plan, BASE_WINDOW),
    ]


def mid_rules(plan: SLOPlan) -> list[Rule]:
    """The current burn rate (read by dashboards only), and windows above 5m and below 1d."""
    rules = [
        Rule(
            record=names.CURRENT_BURN_RATE,
            expr=f"sum without ({names.LABEL_WINDOW}) ({plan.selector(names.error_ratio(BASE_WINDOW))})\n/\n{fmt(plan.error_budget)}",
            labels=_series_labels(plan),
        )
    ]
    return rules + [_ratio_rule(plan, w) for w in plan.windows if interval_of(w) == MID_INTERVAL]


def hourly_rules(plan: SLOPlan) -> list[Rule]:
    """Hourly averages of the base rates: the points long windows are summed from."""
    return [
        Rule(
            record=metric(HOUR),
            expr=_summed(plan, "avg_over_time", metric(BASE_WINDOW), HOUR),
            labels=_window_labels(plan, HOUR),
        )
        for metric in (names.events_rate, names.errors_rate)
    ]


def long_rules(plan: SLOPlan) -> list[Rule]:
    """Windows of 1d and more, then the metadata series."""
    rules = [_ratio_rule(plan, w) for w in plan.windows if interval_of(w) == LONG_INTERVAL]
    labels = _series_labels(plan)
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
    rules += [
        Rule(record=names.OBJECTIVE, expr=f"vector({fmt(plan.objective)})", labels=labels),
        Rule(record=names.ERROR_BUDGET, expr=f"vector({fmt(plan.error_budget)})", labels=labels),
        Rule(record=names.TIME_PERIOD_DAYS, expr=f"vector({fmt(plan.period / 86400) if plan.period % 86400 else plan.period // 86400})", labels=labels),
        Rule(
            record=names.PERIOD_BURN_RATE,
            expr=f"sum without ({names.LABEL_WINDOW}) ({plan.selector(names.CALENDAR_ERROR_RATIO if plan.calendar else names.error_ratio(plan.period))})\n/\n{fmt(plan.error_budget)}",
            labels=labels,
        ),
        Rule(record=names.PERIOD_BUDGET_REMAINING, expr=f"1 - {plan.selector(names.PERIOD_BURN_RATE)}", labels=labels),
        Rule(record=names.INFO, expr="vector(1)", labels=tuple(sorted(info_labels.items()))),
    ]
    return rules
