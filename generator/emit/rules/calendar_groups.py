"""Plan -> the extra rule groups of calendar-window and timeslice SLOs.

``calendar`` (3m, before ``sli-long``, which reads its ratio as the SLO period's):

* ``slo:calendar_utc_offset:seconds``: the zone's UTC offset now (plan/calendar_periods.py);
* ``slo:calendar_period_start_local:seconds`` / ``..._end_local:seconds``: local
  wall-clock time the period started and ends;
* ``slo:calendar_period_start|end:timestamp_seconds``: the period's UTC bounds, local
  start and end less the offset in force then;
* ``slo:calendar_period_errors:count`` / ``..._events:count``: what the current
  period holds, summed from hourly points.  A subquery steps back by hour over the
  longest period; at step s it reads the one hourly point of (s-1h, s] (shifted by the
  zone's hour phase, below)
  (`last_over_time(x[59m59s999ms])`: one point per hour whether the hourly group ran once
  an hour, as in Prometheus, or at every tick, as in promtool) and keeps it when s is
  past the period's start (`start @ end()`, read at the evaluation time);
* ``slo:calendar_period_sli_error:ratio``: errors / events (0 in a period's first
  hour, before its first hourly point), the period ratio ``sli-long`` turns into the
  burn rate and budget remaining;
* the forecast alert: the budget runs out before the period ends if the last day's
  error and event rates hold until then.

``timeslices`` (1m, the first group: it reads raw series only, and promtool, which
runs groups in file order, then shows every reader the slice judged at its tick): per SLO, ``slo:timeslice_good:bool``, 1 for a good slice, 0
for a bad one and -1 for one without traffic (not counted), and how many slices, good
and in all, the last hour holds (``slo:timeslices_good|total:count1h``), counted by a
subquery stepping by the slice so each slice counts once whatever the evaluation
cadence.  A timeslice SLO's events are its slices (plan/sli.py), so every window
and alert works on them unchanged.

Boundaries are exact in every zone whose clocks move by whole hours, half- and
quarter-hour zones included: the subquery steps by UTC hour but, in a zone whose hours
end off it (Asia/Kolkata's at :30), each step reads the point `offset` by that phase,
so the summed hours are the zone's own and the first starts at the period's start.
Australia/Lord_Howe, whose summer time is 30 minutes, keeps its winter grid and is
warned about (plan/calendar_periods.py, Calendar.phase_warning).  Exact, that is, to the hourly
points: promtool records one at every tick, so its tests see the hours exactly; Prometheus
runs the hourly group once an hour at a phase of its own (spread by a hash of the group),
and each point averages the hour before it, so there a count starts and ends up to that
phase (under an hour) before the period does, in every zone.
"""

from __future__ import annotations

from collections.abc import Callable

from slogen.emit.rules.alerts import alert_text, template_label, template_literal
from slogen.emit.rules.recording import Rule
from slogen.plan import names
from slogen.plan.names import (
    CAL_END,
    CAL_END_LOCAL,
    CAL_ERRORS,
    CAL_EVENTS,
    CAL_INFO,
    CAL_OFFSET,
    CAL_START,
    CAL_START_LOCAL,
    FORECAST_ALERT,
    TS_GOOD_1H,
    TS_TOTAL_1H,
)
from slogen.plan.calendar_periods import Expr, local_end_expr, local_start_expr, offset_expr, time_expr, utc_expr, zone_rule
from slogen.plan.slo import SLOPlan
from slogen.plan.timeslices import TS_GOOD, counted_slices
from slogen.plan.windows import BASE_WINDOW, HOUR
from slogen.spec.durations import format_duration, just_under
from slogen.spec.numbers import fmt, percent_text
from slogen.spec.promql import names_text

# Slices are whole minutes: judged every minute, counted once per slice by subqueries.
TIMESLICE_INTERVAL = 60
# The rate the forecast extrapolates: the last day's.
FORECAST_WINDOW = 86400
# One point per hour (or per slice): a range 1ms short of the step never holds two, and
# misses none at any phase of the group recording it (a second short missed 1 in 3,600).
_HOURLY_POINT = just_under(HOUR)


def _by(plan: SLOPlan) -> str:
    return f"sum by ({names_text(plan.grouping)}) " if plan.grouping else "sum"


def _on(plan: SLOPlan) -> str:
    return f"on ({names_text(plan.grouping)})"


def _labels(plan: SLOPlan, **extra: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({**plan.series_labels, **extra}.items()))


def _now(clock: int) -> str:
    return f"time() {'+' if clock > 0 else '-'} {abs(clock)}" if clock else "time()"


def _period_sum(plan: SLOPlan, metric: str, clock: int) -> str:
    cal = plan.calendar
    assert cal is not None
    lookback = format_duration(cal.lookback)
    # Subquery steps fall on UTC hours; in a zone whose hours end past them (Asia/Kolkata's
    # at :30), each step reads the point of the local hour ending `phase` earlier.
    phase = cal.hour_phase
    shift = f" offset {format_duration(phase)}" if phase else ""
    point = f"last_over_time({plan.selector(metric)}[{_HOURLY_POINT}]{shift})"
    # That hour (s-phase-1h, s-phase] is the period's when its end is past the period's start.
    in_period = f"(vector({_now(clock - phase)}) > scalar({plan.selector(CAL_START)} @ end()))"
    return f"{_by(plan)}(sum_over_time(({point} and on () {in_period})[{lookback}:1h]))"


def bound_exprs(plan: SLOPlan, clock: int = 0) -> tuple[Expr, Expr, Expr, Expr, Expr]:
    """UTC offset now, the period's local start and end, its UTC start and UTC end: PromQL
    reading the series recorded before each, with Python values for tests.  `clock` shifts
    the clock (promtool 2.42 starts every test in 1970).

    Each rule reads the local times recorded before it rather than repeating their
    expressions: Prometheus prints and parses a rule's whole expression at every
    evaluation, which costs more than the arithmetic (bench/test_cost.py --calendar).
    """
    cal = plan.calendar
    assert cal is not None
    rule = zone_rule(cal.time_zone)
    offset = offset_expr(rule, time_expr(clock))
    off = f"scalar({plan.selector(CAL_OFFSET)})"
    local = Expr(f"vector({_now(clock)} + {off})", lambda t: t + clock + offset(t))
    start_local = local_start_expr(cal, local)
    recorded_start = f"scalar({plan.selector(CAL_START_LOCAL)})"
    end_local = local_end_expr(cal, Expr(f"vector({recorded_start})", start_local.fn))
    bounds = []
    for metric, at in ((CAL_START_LOCAL, start_local), (CAL_END_LOCAL, end_local)):
        recorded = f"scalar({plan.selector(metric)})"
        # The offset in force then, guessed from the local time less today's offset.
        guess = Expr(f"vector({recorded} - {off})", lambda t, at=at: at(t) - offset(t))
        bounds.append(utc_expr(cal, Expr(f"vector({recorded})", at.fn), guess))
    return offset, start_local, end_local, bounds[0], bounds[1]


def rule_bounds(plan: SLOPlan) -> Callable[[float], tuple[int, int]]:
    """UTC start and end of the period holding a moment, as the rules compute them (in 1970 too,
    where tzdata's history, plan/calendar.period_bounds, may differ): for generated tests."""
    *_, start, end = bound_exprs(plan)
    return lambda t: (int(start(t)), int(end(t)))


def calendar_rules(plan: SLOPlan, clock: int = 0) -> list[Rule]:
    """Rules of the `calendar` group of a calendar SLO; none for rolling ones."""
    cal = plan.calendar
    if cal is None:
        return []
    labels = _labels(plan)
    offset, start_local, end_local, start, end = bound_exprs(plan, clock)
    if plan.timeslice is not None:
        errors = f"{_period_sum(plan, TS_TOTAL_1H, clock)}\n-\n{_period_sum(plan, TS_GOOD_1H, clock)}"
        events = _period_sum(plan, TS_TOTAL_1H, clock)
    else:
        errors = f"{_period_sum(plan, names.errors_rate(HOUR), clock)} * 3600"
        events = f"{_period_sum(plan, names.events_rate(HOUR), clock)} * 3600"
    empty = f"0 * {_by(plan)}({plan.selector(names.events_rate(BASE_WINDOW))})"
    info = _labels(plan, slo_calendar=cal.unit, slo_time_zone=cal.time_zone)
    return [
        Rule(record=CAL_OFFSET, expr=offset.text, labels=labels),
        Rule(record=CAL_START_LOCAL, expr=start_local.text, labels=labels),
        Rule(record=CAL_END_LOCAL, expr=end_local.text, labels=labels),
        Rule(record=CAL_START, expr=start.text, labels=labels),
        Rule(record=CAL_END, expr=end.text, labels=labels),
        Rule(record=CAL_ERRORS, expr=errors, labels=labels),
        Rule(record=CAL_EVENTS, expr=events, labels=labels),
        Rule(
            record=names.CALENDAR_ERROR_RATIO,
            expr=f"{plan.selector(CAL_ERRORS)}\n/\n{plan.selector(CAL_EVENTS)}\nor {_on(plan)}\n{empty}",
            labels=labels,
        ),
        Rule(record=CAL_INFO, expr="vector(1)", labels=info),
    ]


def forecast_alert_rules(plan: SLOPlan, clock: int = 0) -> list[Rule]:
    """The ticket raised when the budget runs out before the period ends at the last day's rates."""
    ticket = next((s for s in plan.severities if s.key == "ticket"), None)
    if plan.calendar is None or ticket is None:
        return []
    window = format_duration(FORECAST_WINDOW)
    left = f"(scalar({plan.selector(CAL_END)}) - ({_now(clock)}))"

    def projected(count: str, rate: str) -> str:
        recent = f"{_by(plan)}(avg_over_time({plan.selector(rate)}[{window}]))"
        return f"({plan.selector(count)} + {_on(plan)} {recent} * {left})"

    errors = projected(CAL_ERRORS, names.errors_rate(HOUR))
    events = projected(CAL_EVENTS, names.events_rate(HOUR))
    who = f"{plan.service}/{plan.name}"
    groups = "".join(f" {template_literal(label)}={{{{ {template_label(label)} }}}}" for label in plan.grouping)
    annotations = {
        "summary": f"{who}{groups}: error budget runs out before the {plan.calendar.unit} ends",
        "description": (
            f"SLO {who}{groups} ({percent_text(plan.objective_percent)} per {plan.calendar.describe()}) "
            f"will end the period at an error ratio of {{{{ $value | humanizePercentage }}}} if the last {window}'s "
            f"error and event rates hold, more than its error budget of {fmt(plan.error_budget * 100)}%."
        ),
        **{key: alert_text(plan, value) for key, value in ticket.annotations},
    }
    return [
        Rule(
            alert=FORECAST_ALERT,
            expr=f"{errors}\n/\n{events}\n> {fmt(plan.error_budget)}",
            labels=tuple(sorted({**{k: alert_text(plan, v) for k, v in ticket.labels}, **dict(plan.id_labels)}.items())),
            annotations=tuple(annotations.items()),
        )
    ]


def timeslice_rules(plan: SLOPlan) -> list[Rule]:
    """Rules of the `timeslices` group of a timeslice SLO; none for others."""
    ts = plan.timeslice
    if ts is None:
        return []
    labels = _labels(plan)
    slices = counted_slices(ts.slice, plan.selector(TS_GOOD), _HOURLY_POINT)
    return [
        Rule(record=TS_GOOD, expr=ts.good_expr, labels=labels),
        Rule(record=TS_GOOD_1H, expr=f"{_by(plan)}(sum_over_time({slices}))", labels=labels),
        Rule(record=TS_TOTAL_1H, expr=f"{_by(plan)}(count_over_time({slices}))", labels=labels),
    ]
