"""What `report --period` asks Prometheus: every number of a past period, read `@` its end.

Every query is an instant query pinned with `@ <end>` over slogen's recorded series, so a
month's report is the same whenever it is run, as long as Prometheus still holds the
month.  The counts are sums of the hourly points (`slo:sli_errors:rate1h`,
`slo:sli_events:rate1h`, one per clock hour, each the hour's mean per-second rate): the
same points the rules sum into every window of a day and more and into calendar periods,
so a calendar SLO's report agrees with the budget its policy saw.  A subquery stepping by
the hour reads one point per hour whatever the hourly group's cadence, and its range is
a millisecond short of the period so the hour ending at the period's start, which
belongs to the period before, is not counted on either Prometheus 2 (closed ranges) or 3
(left-open ones).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from slogen.emit.report.period_model import NO_TEAM, ExcludedTime, Period, Postmortem, SLORow, StateSpell, member_shares
from slogen.errors import PrometheusQueryError
from slogen.live.prometheus_api import Prometheus
from slogen.plan import names
from slogen.plan.slo import SLOPlan

HOUR = 3600
# One point per clock hour: the last in (t - 1h, t] (the range is a millisecond short of an
# hour so that Prometheus 2, whose ranges are closed, does not read the previous hour's point).
_HOURLY = "last_over_time({metric}[59m59s999ms])"


def _over(inner: str, seconds: int, end: int) -> str:
    """`inner` at each clock hour ending in (end - seconds, end], as a subquery pinned at `end`."""
    return f"({inner})[{seconds * 1000 - 1}ms:1h] @ {end}"


def hourly_sum(metric: str, seconds: int, end: int) -> str:
    """Per SLO, the sum of `metric`'s hourly points in the `seconds` before `end`, times an hour: a count."""
    return f"{HOUR} * sum by ({names.LABEL_ID}) (sum_over_time({_over(_HOURLY.format(metric=metric), seconds, end)}))"


def hours_with_data(seconds: int, end: int) -> str:
    """Per SLO, how many clock hours in the `seconds` before `end` hold an events point."""
    inner = _HOURLY.format(metric=names.events_rate(HOUR))
    return f"max by ({names.LABEL_ID}) (count_over_time({_over(inner, seconds, end)}))"


_BY_STATE = f"{names.LABEL_ID}, {names.LABEL_ACTION}"
# Per SLO and state, 1 for a clock hour whose last recorded state was it (any group of a grouped SLO), else 0.
_HOUR_STATE = f"max by ({_BY_STATE}) ({_HOURLY.format(metric=names.POLICY_STATE)})"


def state_hours(seconds: int, end: int) -> str:
    """Per SLO and policy state, the clock hours ending in the state."""
    return f"sum by ({_BY_STATE}) (sum_over_time({_over(_HOUR_STATE, seconds, end)}))"


def state_first(seconds: int, end: int) -> str:
    """Per SLO and policy state, the end of the first clock hour ending in the state (unix time):
    inside a subquery, `timestamp` of a computed sample is the step's time."""
    return f"min by ({_BY_STATE}) (min_over_time({_over(f'timestamp({_HOUR_STATE} == 1)', seconds, end)}))"


# The step an exclusion's time and errors are read at: the base window, so each step's 5m rate
# counts its own 5m once (subquery steps align to multiples of it, as periods do).
_STEP = 300


def excluded_seconds(term: str, seconds: int, end: int) -> str:
    """How long an exclusion's term held in the `seconds` before `end` (its tail included), read every 5m."""
    return f"{_STEP} * sum_over_time(({term})[{seconds * 1000 - 1}ms:{_STEP}s] @ {end})"


def excluded_errors(errors: str, term: str, seconds: int, end: int) -> str:
    """The bad events the SLO's ungated 5m errors rate recorded while an exclusion's term held, as the gate
    multiplies them: each 5m step's rate counts its 5m, so the steps add up to the period's bad events."""
    inner = f"sum(\n(\n{errors}\n)\n* on () group_left ()\n({term})\n)"
    return f"{_STEP} * sum_over_time(({inner})[{seconds * 1000 - 1}ms:{_STEP}s] @ {end})"


def exclusion_queries(plans: list[SLOPlan], period: Period) -> dict[str, str]:
    """Per exclusion of each SLO (`excluded:<slo_id>:<n>`), its time and its left-out errors over the period."""
    out = {}
    for plan in plans:
        if plan.exclusion is None or not plan.exclusion.errors:
            continue
        for n, term in enumerate(plan.exclusion.terms()):
            out[f"excluded_seconds:{plan.id}:{n}"] = excluded_seconds(term.text, period.seconds, period.end)
            out[f"excluded_errors:{plan.id}:{n}"] = excluded_errors(plan.exclusion.errors, term.text, period.seconds, period.end)
    return out


def queries(period: Period) -> dict[str, str]:
    """Every query of a report over `period`, by a key saying what it counts."""
    length, end = period.seconds, period.end
    out = {
        "errors": hourly_sum(names.errors_rate(HOUR), length, end),
        "events": hourly_sum(names.events_rate(HOUR), length, end),
        "hours": hours_with_data(length, end),
        "state_hours": state_hours(length, end),
        "state_first": state_first(length, end),
    }
    for day in period.days:
        span = day.end - day.start
        out[f"errors:{day.date}"] = hourly_sum(names.errors_rate(HOUR), span, day.end)
        out[f"events:{day.date}"] = hourly_sum(names.events_rate(HOUR), span, day.end)
    return out


def _by_id(samples: list, value=float) -> dict[str, float]:
    return {s.labels.get(names.LABEL_ID, ""): value(s.value) for s in samples}


def worst_day(days: list[tuple[date, float, float]]) -> tuple[date, float] | None:
    """The day with the highest error ratio (earliest on a tie) and its SLI; None when no day had an error."""
    worst = None
    for day, errors, events in days:
        if events > 0 and errors > 0 and (worst is None or errors / events > worst[1]):
            worst = (day, errors / events)
    return None if worst is None else (worst[0], 1 - worst[1])


def fetch_period(client: Prometheus, plans: list[SLOPlan], period: Period, postmortems: dict[str, tuple[Postmortem, ...]]) -> list[SLORow]:
    """One row per SLO of `plans` over `period`; a PrometheusQueryError when no SLO has data in it."""
    found = {key: client.query(expr) for key, expr in {**queries(period), **exclusion_queries(plans, period)}.items()}
    errors, events, hours = _by_id(found["errors"]), _by_id(found["events"]), _by_id(found["hours"])
    spells: dict[str, dict[str, dict[str, float]]] = {}
    for key in ("state_hours", "state_first"):
        for s in found[key]:
            spells.setdefault(s.labels.get(names.LABEL_ID, ""), {}).setdefault(s.labels.get(names.LABEL_ACTION, ""), {})[key] = s.value
    daily = {day.date: (_by_id(found[f"errors:{day.date}"]), _by_id(found[f"events:{day.date}"])) for day in period.days}
    rows = []
    for plan in plans:
        slo_id = plan.id
        worst = worst_day([(d, e.get(slo_id, 0.0), n.get(slo_id, 0.0)) for d, (e, n) in daily.items()])
        rows.append(
            SLORow(
                slo_id=slo_id,
                service=plan.service,
                name=plan.name,
                team=plan.team or NO_TEAM,
                objective_percent=float(plan.objective_percent),
                events=events.get(slo_id, 0.0),
                errors=errors.get(slo_id, 0.0),
                hours=int(hours.get(slo_id, 0)),
                worst_day=worst[0] if worst else None,
                worst_day_sli=worst[1] if worst else None,
                states=_spells(spells.get(slo_id, {}), plan),
                postmortems=postmortems.get(f"{plan.service}/{plan.name}", ()),
                exclusions=_excluded(plan, found),
            )
        )
    # A journey's members: their own rows say how each spent the journey's errors.
    by_id = {row.slo_id: row for row in rows}
    rows = [
        replace(row, members=member_shares(plan.composite.method, [(m.id, m.weight) for m in plan.composite.members], by_id))
        if plan.composite is not None else row
        for plan, row in zip(plans, rows)
    ]
    if plans and not any(row.hours for row in rows):
        raise PrometheusQueryError(
            f"Prometheus at {client.url} holds no recorded SLO data for {period.name}: "
            "the period is older than its retention, or slogen's rules were not deployed then"
        )
    return rows


def _excluded(plan: SLOPlan, found: dict[str, list]) -> tuple[ExcludedTime, ...]:
    """The SLO's exclusions that held time in the period, in spec order, with their figures."""
    if plan.exclusion is None:
        return ()
    out = []
    for n, window in enumerate(plan.exclusion.windows):
        seconds = sum(s.value for s in found.get(f"excluded_seconds:{plan.id}:{n}", ()))
        if seconds > 0:
            errors = sum(s.value for s in found.get(f"excluded_errors:{plan.id}:{n}", ()))
            out.append(ExcludedTime(window.reason, window.describe(), window.count_as, int(round(seconds)), errors))
    return tuple(out)


def _spells(found: dict[str, dict[str, float]], plan: SLOPlan) -> tuple[StateSpell, ...]:
    # A state with hours has a first hour too: both queries read the same points.
    level = {state.action: n for n, state in enumerate(plan.policy.states)}
    out = [
        StateSpell(action, int(values["state_first"]), int(values["state_hours"]))
        for action, values in found.items()
        if values.get("state_hours", 0) > 0 and "state_first" in values
    ]
    return tuple(sorted(out, key=lambda s: (s.first, level.get(s.action, len(level)), s.action)))


def postmortems_naming(entries: list, period: Period) -> dict[str, tuple[Postmortem, ...]]:
    """Postmortem index entries dated within the period, by the `service/name` of each SLO they name."""
    first, last = period.days[0].date.isoformat(), period.days[-1].date.isoformat()
    out: dict[str, list[Postmortem]] = {}
    for entry in sorted(entries, key=lambda e: (e.date, e.file)):
        if not first <= entry.date <= last:
            continue
        for slo in entry.slo.replace(",", " ").split():
            out.setdefault(slo, []).append(Postmortem(entry.date, entry.title, entry.file, entry.budget))
    return {slo: tuple(found) for slo, found in out.items()}
