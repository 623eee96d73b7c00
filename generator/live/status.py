"""Live status of SLOs from the series slogen's rules record: pure queries in, rows out.

`status_queries` says what to ask Prometheus; `build_status` turns the answers into
one row per SLO (per group of a grouped SLO) and the problems found, such as rules
that were never deployed; `failing` applies a `--fail-on` gate.  The HTTP calls are
in prometheus.py, the printing in cli.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone

from slogen.live.prometheus_api import Sample
from slogen.plan import names
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import HISTORY_READ
from slogen.spec.durations import format_duration
from slogen.spec.numbers import fmt, human
from slogen.spec.promql import selectors_read

BURN_WINDOWS = (5 * 60, 3600, 6 * 3600)  # recorded for every SLO (plan.STANDARD_WINDOWS)


@dataclass(frozen=True)
class SLOStatus:
    """One SLO (or one group of a grouped SLO) as Prometheus sees it now."""

    service: str
    name: str
    group: tuple[tuple[str, str], ...]
    objective_percent: str
    window: str
    sli: float | None  # good ratio over the SLO window
    remaining: float | None  # share of the error budget left; negative = overspent
    burn_rates: tuple[tuple[str, float | None], ...]  # (window, burn rate), then ("period", ...)
    action: str | None  # active policy state
    level: int | None  # its position in the SLO's policy, 0 = healthiest
    alerts: tuple[str, ...]  # firing alerts, `Name/severity`
    # Seconds of recorded history the budget counts, and of the period it should cover by now
    # (the window, or a calendar period's elapsed part): None when the rules record no history.
    history: tuple[float, float] | None = None

    @property
    def short_history(self) -> str | None:
        """`insufficient history (covers 1h of 30d)` while history covers less than the period needs, else None."""
        if self.history is None:
            return None
        covered, needed = self.history
        # Whole clock hours, up to an hour behind: an hour short is as good as covered.
        if not covered + HISTORY_SLACK < needed:
            return None
        return f"insufficient history (covers {span_text(covered)} of {span_text(needed)})"

    @property
    def slo(self) -> str:
        """`service/name` plus the group's labels."""
        group = "".join(f" {k}={v}" for k, v in self.group)
        return f"{self.service}/{self.name}{group}"


HISTORY_SLACK = 3600


def span_text(seconds: float) -> str:
    """A span of history for people: `50m`, `7h`, `2.5d`, `30d`."""
    if seconds < 3600:
        return f"{max(0, round(seconds / 60))}m"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h"
    return f"{human(round(seconds / 86400, 1))}d"


def _ids(plans: list[SLOPlan]) -> str:
    # slo ids are [a-z0-9_-] only: safe inside an RE2 alternation.
    return "|".join(sorted(plan.id for plan in plans))


def raw_selectors(plan: SLOPlan) -> dict[str, tuple[str, ...]]:
    """The selectors of scraped series the SLI reads, by side (`total`, `errors`); slogen's own series left out."""
    out = {}
    for side, text in (("total", plan.rates.events), ("errors", plan.rates.errors)):
        # The errors rule falls back to the recorded events rate: not a scraped series.
        found = [s.render() for s in selectors_read(text) if not (s.name or "").startswith("slo:")]
        out[side] = tuple(dict.fromkeys(found))
    return out


def status_queries(plans: list[SLOPlan]) -> dict[str, str]:
    """The instant queries status needs, by purpose: one per metric for all SLOs at once,
    and one per raw SLI selector (does anything match it?)."""
    match = f'{names.LABEL_ID}=~"{_ids(plans)}"'
    periods = sorted({plan.period for plan in plans})
    queries = {
        "info": f"{names.INFO}{{{match}}}",
        "remaining": f"{names.PERIOD_BUDGET_REMAINING}{{{match}}}",
        "period_burn": f"{names.PERIOD_BURN_RATE}{{{match}}}",
        "state": f"{names.POLICY_STATE}{{{match}}} == 1",
        "alerts": f'ALERTS{{{match}, alertstate="firing"}}',
        # The hourly group's last count (recording.history_rule), as sli-long reads it.
        "history": f"last_over_time({names.PERIOD_HISTORY}{{{match}}}[{format_duration(HISTORY_READ)}])",
    }
    queries.update({f"ratio:{p}": f"{names.error_ratio(p)}{{{match}}}" for p in sorted(set(periods) | set(BURN_WINDOWS))})
    if any(plan.calendar for plan in plans):
        # Calendar SLOs: the current period's ratio, and when the period ends.
        queries["calendar_ratio"] = f"{names.CALENDAR_ERROR_RATIO}{{{match}}}"
        queries["calendar_end"] = f"{names.CAL_END}{{{match}}}"
        queries["calendar_elapsed"] = f"time() - {names.CAL_START}{{{match}}}"
    return queries


def raw_series_lookbacks(plans: list[SLOPlan]) -> dict[str, int]:
    """Every raw SLI selector, with how far back (seconds: the longest SLO window reading it)
    a series must have existed for it to count as matching."""
    out: dict[str, int] = {}
    for plan in plans:
        for selectors in raw_selectors(plan).values():
            for text in selectors:
                out[text] = max(out.get(text, 0), plan.period)
    return out


@dataclass(frozen=True)
class StatusReport:
    """What `status` found: rows, problems (exit 3) and notes (said, not failing)."""

    rows: list[SLOStatus]
    problems: list[str]
    notes: list[str]


def _unmatched(plan: SLOPlan, results: dict[str, list[Sample]]) -> dict[str, tuple[str, ...]]:
    """Per SLI side, the raw selectors no series matches (unknown when not asked: `raw:<selector>` results)."""
    return {
        side: tuple(t for t in selectors if f"raw:{t}" in results and not results[f"raw:{t}"])
        for side, selectors in raw_selectors(plan).items()
    }


def _waiting_row(plan: SLOPlan, minutes: int) -> SLOStatus:
    return SLOStatus(
        service=plan.service, name=plan.name, group=(), objective_percent=fmt(plan.objective_percent),
        window=format_duration(plan.period), sli=None, remaining=None, burn_rates=(), action=f"waiting (up to {minutes} min)",
        level=None, alerts=(),
    )


def status_report(
    plans: list[SLOPlan], results: dict[str, list[Sample]], loaded: dict[str, float] | None = None, groups: dict[str, tuple[str, ...]] | None = None
) -> StatusReport:
    """Every SLO's row, even without data: `loaded` is Prometheus' rule groups (name: interval
    seconds), `groups` the rule group names of each service, to tell "not loaded" from "not
    evaluated yet"."""
    rows, problems = build_status(plans, results)
    notes: list[str] = [
        f"{row.slo}: {row.short_history}: the budget counts errors so far against the budget of the whole "
        "period's traffic expected at the rate seen so far"
        for row in rows
        if row.short_history
    ]
    kept: list[str] = []
    shown = {(r.service, r.name) for r in rows}
    for plan in plans:
        who = f"{plan.service}/{plan.name}"
        names_of_service = (groups or {}).get(plan.service, ())
        intervals = [loaded[g] for g in names_of_service if loaded is not None and g in loaded]
        # Rules not loaded at all: that is the problem to fix first (build_status says it).
        unmatched = _unmatched(plan, results) if intervals or loaded is None else {}
        if _index(results.get(f"ratio:{BURN_WINDOWS[0]}", []), plan):
            # The 5m ratio has data: `total` matched series (recently enough for a rate).
            unmatched["total"] = ()
        for text in unmatched.get("total", ()):
            kept.append(f"{who}: the SLI's selector {text} matches no series: check the metric name and labels, and that the target is scraped")
        for text in unmatched.get("errors", ()):
            notes.append(f"{who}: the SLI's error selector {text} matches no series: a typo, or no error counted yet (the SLI then reads 100%)")
        mine = [p for p in problems if p.startswith(who + ":")]
        if (plan.service, plan.name) in shown or not mine:
            continue
        if intervals and not unmatched.get("total"):
            # Loaded, scraped, not evaluated yet: the slowest group decides when.
            minutes = max(1, math.ceil(max(intervals) / 60))
            notes.append(f"{who}: rules loaded, waiting for the first evaluations (up to {minutes} min)")
            rows.append(_waiting_row(plan, minutes))
            problems = [p for p in problems if p not in mine]
        elif unmatched.get("total"):
            problems = [p for p in problems if p not in mine]  # said better above
    return StatusReport(rows, problems + kept, notes)


def _key(plan: SLOPlan, labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((label, labels.get(label, "")) for label in plan.grouping)


def _index(samples: list[Sample], plan: SLOPlan) -> dict[tuple, Sample]:
    return {_key(plan, s.labels): s for s in samples if s.labels.get(names.LABEL_ID) == plan.id}


def _value(samples: dict[tuple, Sample], key: tuple) -> float | None:
    sample = samples.get(key)
    return None if sample is None else sample.value


def build_status(plans: list[SLOPlan], results: dict[str, list[Sample]]) -> tuple[list[SLOStatus], list[str]]:
    """Rows for every SLO found, and one line per SLO whose series are missing."""
    rows: list[SLOStatus] = []
    problems: list[str] = []
    for plan in plans:
        who = f"{plan.service}/{plan.name}"
        if not _index(results["info"], plan):
            problems.append(
                f"{who}: no {names.INFO}{{{names.LABEL_ID}=\"{plan.id}\"}} series: "
                f"the rules of output/rules/{plan.service}.yml are not loaded into this Prometheus"
            )
            continue
        remaining = _index(results["remaining"], plan)
        if not remaining:
            problems.append(
                f"{who}: no {names.PERIOD_BUDGET_REMAINING} series yet: the SLI has no events in Prometheus "
                "(check the SLI selectors and that the target is scraped)"
            )
            continue
        states = _index(results["state"], plan)
        ratios = {w: _index(results[f"ratio:{w}"], plan) for w in set(BURN_WINDOWS) | {plan.period}}
        period_burn = _index(results["period_burn"], plan)
        alerts = [s for s in results["alerts"] if s.labels.get(names.LABEL_ID) == plan.id]
        history = _index(results.get("history", []), plan)
        for key in sorted(remaining):
            state = states.get(key)
            action = state.labels.get(names.LABEL_ACTION) if state else None
            if action is None:
                problems.append(
                    f"{who}: no {names.POLICY_STATE} series: the deployed rules predate budget policies; "
                    "run `slogen generate` and deploy output/rules/"
                )
            ratio = _value(ratios[plan.period], key)
            window = format_duration(plan.period)
            covered, needed = _value(history, key), float(plan.period)
            if plan.calendar:
                needed = next((sample.value for sample in _index(results.get("calendar_elapsed", []), plan).values()), math.nan)
                ratio = _value(_index(results["calendar_ratio"], plan), key)
                # One end per SLO (the series carries no grouping labels).
                end = next((sample.value for sample in _index(results["calendar_end"], plan).values()), None)
                window = f"{plan.calendar.unit} ({plan.calendar.time_zone})"
                if end is not None and math.isfinite(end):
                    window += f" until {datetime.fromtimestamp(end, timezone.utc):%Y-%m-%d %H:%M} UTC"
            burns = tuple(
                (format_duration(w), None if (r := _value(ratios[w], key)) is None else r / float(plan.error_budget))
                for w in BURN_WINDOWS
            ) + (("period", _value(period_burn, key)),)
            firing = sorted(
                {
                    f"{a.labels.get('alertname', '?')}/{a.labels.get('severity', '-')}"
                    for a in alerts
                    if _key(plan, a.labels) == key
                }
            )
            rows.append(
                SLOStatus(
                    service=plan.service,
                    name=plan.name,
                    group=key,
                    objective_percent=fmt(plan.objective_percent),
                    window=window,
                    sli=None if ratio is None or math.isnan(ratio) else 1 - ratio,
                    remaining=_value(remaining, key),
                    burn_rates=burns,
                    action=action,
                    level=None if action is None else plan.policy.level_of(action),
                    alerts=tuple(firing),
                    history=None if covered is None or math.isnan(needed) else (covered, needed),
                )
            )
    return rows, problems


def history_queries(plan: SLOPlan) -> dict[str, str]:
    """Range queries for the report: budget remaining, and the burn rate over 1h."""
    ratio = plan.selector(names.error_ratio(3600))
    return {
        "remaining": plan.selector(names.PERIOD_BUDGET_REMAINING),
        "burn_rate": f"sum without ({names.LABEL_WINDOW}) ({ratio}) / {fmt(plan.error_budget)}",
    }


def fail_on_problem(plans: list[SLOPlan], action: str | None) -> str | None:
    """Why a `--fail-on` action cannot gate these SLOs, if it cannot."""
    if action is None:
        return None
    lacking = [f"{p.service}/{p.name}" for p in plans if p.policy.level_of(action) is None]
    if lacking:
        known = sorted({s.action for p in plans for s in p.policy.states})
        if len(lacking) == len(plans):
            return f"--fail-on {action!r} is not a state of any budget policy (states: {', '.join(known)})"
        return f"--fail-on {action!r} is not a state of the budget policy of {', '.join(lacking)} (states: {', '.join(known)})"
    return None


def failing(rows: list[SLOStatus], plans: list[SLOPlan], action: str | None) -> list[SLOStatus]:
    """Rows at or past the gate: `action` in their policy, else the policy's last state (budget exhausted)."""
    by_id = {(p.service, p.name): p for p in plans}
    out = []
    for row in rows:
        policy = by_id[(row.service, row.name)].policy
        gate = policy.level_of(action) if action is not None else len(policy.states) - 1
        if row.level is not None and gate is not None and row.level >= gate:
            out.append(row)
    return out


def ratio_percent(value: float | None, digits: int = 4) -> str:
    """A ratio as a percentage for people: `99.95%`, `-12.5%`, `-` when unknown."""
    if value is None or math.isnan(value):
        return "-"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{human(value * 100, digits)}%" if abs(value) < 10 else f"{value * 100:.0f}%"


def burn_text(value: float | None) -> str:
    """A burn rate: `0.42x`, `14.4x`, `-`."""
    if value is None or math.isnan(value):
        return "-"
    return f"{human(value)}x"


def status_rows(rows: list[SLOStatus], failing_rows: list[SLOStatus]) -> list[list[str]]:
    """Table cells per row; gated rows are marked."""
    out = []
    for row in rows:
        mark = " (fails gate)" if row in failing_rows else ""
        out.append(
            [
                row.slo,
                f"{row.objective_percent}% / {row.window}",
                ratio_percent(row.sli, 6),
                ratio_percent(row.remaining) + (f" ({row.short_history})" if row.short_history else ""),
                " ".join(f"{w}:{burn_text(b)}" for w, b in row.burn_rates),
                (row.action or "-") + mark,
                ", ".join(row.alerts) or "-",
            ]
        )
    return out


STATUS_HEADERS = ["SLO", "objective / window", "SLI", "budget left", "burn rate", "policy", "firing"]


def status_json(rows: list[SLOStatus], failing_rows: list[SLOStatus], problems: list[str]) -> dict:
    """Machine-readable status: numbers as numbers (null when unknown or not finite)."""

    def num(value: float | None) -> float | None:
        return None if value is None or not math.isfinite(value) else value

    return {
        "slos": [
            {
                "service": r.service,
                "slo": r.name,
                "group": dict(r.group),
                "objective_percent": r.objective_percent,
                "window": r.window,
                "sli": num(r.sli),
                "budget_remaining": num(r.remaining),
                # Seconds of history counted and needed; insufficient: budget spent so far is
                # counted against the whole period's expected traffic (see the README).
                "history": None
                if r.history is None
                else {"covered_seconds": r.history[0], "needed_seconds": r.history[1], "insufficient": r.short_history is not None},
                "burn_rates": {w: num(b) for w, b in r.burn_rates},
                "policy_state": r.action,
                "policy_level": r.level,
                "firing_alerts": list(r.alerts),
                "fails_gate": r in failing_rows,
            }
            for r in rows
        ],
        "problems": problems,
    }

