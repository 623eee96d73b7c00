"""Live status of SLOs from the series slogen's rules record: pure queries in, rows out.

`status_queries` says what to ask Prometheus; `status_report` turns the answers into
one row per SLO (per group of a grouped SLO), each showing what is known and saying
what is missing, and the problems found, such as rules that were never deployed.
The deploy gate is in status_gate.py, what the raw SLI series say in sli_series.py,
the HTTP calls in fetch.py, the printing in cli/read_commands.py.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timezone

from slogen.live.prometheus_api import Sample
from slogen.live.sli_series import selector_findings, unmatched
from slogen.plan import names
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import HISTORY_READ
from slogen.spec.durations import format_duration
from slogen.spec.numbers import fmt, human

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
    pages: tuple[str, ...] = ()  # the firing alerts that are the SLO's pages: each fails the gate
    # Why the period numbers (SLI, budget left, period burn rate, policy state) are absent:
    # `waiting (up to 60 min)` after a deploy, `rules not loaded`, ...; None when they are there.
    missing: str | None = None
    waiting: bool = False  # the period numbers come with the next evaluations

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


def status_queries(plans: list[SLOPlan]) -> dict[str, str]:
    """The instant queries status needs, by purpose: one per metric for all SLOs at once."""
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
    if any(plan.exclusion for plan in plans):
        queries["excluded"] = f"{names.EXCLUSION_STATE}{{{match}}} > 0"
    return queries


def exclusion_notes(plans: list[SLOPlan], answers: _Answers) -> list[str]:
    """The SLOs inside an exclusion now: said, never failing (their windows are gated, not broken)."""
    notes = []
    for plan in plans:
        for sample in answers.samples("excluded", plan) if plan.exclusion else ():
            how = "its events left out" if sample.value >= 2 else "its errors counted as good"
            reasons = "; ".join(dict.fromkeys(w.reason for w in plan.exclusion.windows))
            notes.append(f"{plan.id}: inside an exclusion now ({how}); its exclusions: {reasons}")
    return notes


@dataclass(frozen=True)
class StatusReport:
    """What `status` found: rows, problems (exit 3) and notes (said, not failing)."""

    rows: list[SLOStatus]
    problems: list[str]
    notes: list[str]


def status_report(
    plans: list[SLOPlan], results: dict[str, list[Sample]], loaded: dict[str, float] | None = None, groups: dict[str, tuple[str, ...]] | None = None
) -> StatusReport:
    """A row for every SLO, saying what is missing where data is: `loaded` is Prometheus' rule
    groups (name: interval seconds), `groups` the rule group names of each service, to tell
    "not loaded" from "not evaluated yet"."""
    answers = _Answers(results)
    rows: list[SLOStatus] = []
    problems: list[str] = []
    kept: list[str] = []
    notes: list[str] = []
    for plan in plans:
        intervals = None if loaded is None else [loaded[g] for g in (groups or {}).get(plan.service, ()) if g in loaded]
        found, said, about_series, noted = _plan_status(plan, answers, intervals)
        rows += found
        problems += said
        kept += about_series
        notes += noted
    history_notes = [
        f"{row.slo}: {row.short_history}: the budget counts errors so far against the budget of the whole "
        "period's traffic expected at the rate seen so far"
        for row in rows
        if row.short_history
    ]
    return StatusReport(rows, problems + kept, history_notes + notes + exclusion_notes(plans, answers))


def build_status(plans: list[SLOPlan], results: dict[str, list[Sample]]) -> tuple[list[SLOStatus], list[str]]:
    """Every SLO's rows and the problems found, from the query answers alone (rule groups unknown)."""
    report = status_report(plans, results)
    return report.rows, report.problems


class _Answers:
    """The answers by query and SLO id, indexed once: every SLO reads every query's answer."""

    def __init__(self, results: dict[str, list[Sample]]):
        self.results = results
        self._by_id: dict[str, dict[str, list[Sample]]] = {}

    def samples(self, key: str, plan: SLOPlan) -> list[Sample]:
        """One query's samples of one SLO."""
        table = self._by_id.get(key)
        if table is None:
            table = self._by_id[key] = {}
            for sample in self.results.get(key, ()):
                table.setdefault(sample.labels.get(names.LABEL_ID, ""), []).append(sample)
        return table.get(plan.id, [])

    def of(self, key: str, plan: SLOPlan) -> dict[tuple, Sample]:
        """One query's samples of one SLO, by its group."""
        return {_key(plan, s.labels): s for s in self.samples(key, plan)}


def _key(plan: SLOPlan, labels: dict[str, str]) -> tuple[tuple[str, str], ...]:
    return tuple((label, labels.get(label, "")) for label in plan.grouping)


def _value(samples: dict[tuple, Sample], key: tuple) -> float | None:
    sample = samples.get(key)
    return None if sample is None else sample.value


def _plan_status(plan: SLOPlan, answers: _Answers, intervals: list[float] | None) -> tuple[list[SLOStatus], list[str], list[str], list[str]]:
    """One SLO's rows, problems, problems of its SLI's selectors, and notes; `intervals` are those
    of its service's rule groups Prometheus has loaded (None: not known)."""
    who = f"{plan.service}/{plan.name}"
    info, remaining = answers.of("info", plan), answers.of("remaining", plan)
    # Rules not loaded at all: that is the problem to fix first.
    missing = unmatched(plan, answers.results) if intervals is None or intervals else {}
    if answers.of(f"ratio:{BURN_WINDOWS[0]}", plan):
        # The 5m ratio has data: `total` matched series (recently enough for a rate).
        missing["total"] = ()
    about_series, notes = selector_findings(plan, missing, answers.results)
    if info and remaining:
        rows = _plan_rows(plan, answers, "waiting", True)
        problems = [
            f"{who}: no {names.POLICY_STATE} series: the deployed rules predate budget policies; "
            "run `slogen generate` and deploy output/rules/"
        ] if any(row.missing is None and row.action is None for row in rows) else []
        return rows, problems, about_series, notes
    waiting, problems = False, []
    if intervals and not missing.get("total"):
        # Loaded, scraped, not evaluated yet: the slowest group decides when.
        minutes = max(1, math.ceil(max(intervals) / 60))
        notes.append(
            f"{who}: rules loaded; the SLI over the window, the budget left and the policy state wait for "
            f"their first evaluations (up to {minutes} min)"
        )
        reason, waiting = f"waiting (up to {minutes} min)", True
    elif missing.get("total"):
        reason = "the SLI's selector matches no series"  # its problem names the selector
    elif not info:
        reason = "rules not loaded"
        problems.append(
            f"{who}: no {names.INFO}{{{names.LABEL_ID}=\"{plan.id}\"}} series: "
            f"the rules of output/rules/{plan.service}.yml are not loaded into this Prometheus"
        )
    else:
        reason = "no events yet"
        problems.append(
            f"{who}: no {names.PERIOD_BUDGET_REMAINING} series yet: the SLI has no events in Prometheus "
            "(check the SLI selectors and that the target is scraped)"
        )
    return _plan_rows(plan, answers, reason, waiting), problems, about_series, notes


def _is_page(plan: SLOPlan, labels: dict[str, str]) -> bool:
    """Whether a firing alert of the SLO carries its page severity's labels (they differ from the ticket's)."""
    page = next((sev for sev in plan.severities if sev.key == "page"), None)
    return page is not None and all(labels.get(label) == value for label, value in page.labels)


def _plan_rows(plan: SLOPlan, answers: _Answers, missing: str, waiting: bool) -> list[SLOStatus]:
    """The rows of one SLO: a group whose period numbers are absent still shows its burn rates
    and firing alerts, its other cells say `missing`; with nothing at all, one row saying it."""
    remaining = answers.of("remaining", plan)
    states = answers.of("state", plan)
    ratios = {w: answers.of(f"ratio:{w}", plan) for w in set(BURN_WINDOWS) | {plan.period}}
    period_burn = answers.of("period_burn", plan)
    alerts = answers.samples("alerts", plan)  # several per group
    history = answers.of("history", plan)
    window = format_duration(plan.period)
    if plan.calendar:
        needed = next((sample.value for sample in answers.of("calendar_elapsed", plan).values()), math.nan)
        # One end per SLO (the series carries no grouping labels).
        end = next((sample.value for sample in answers.of("calendar_end", plan).values()), None)
        window = f"{plan.calendar.unit} ({plan.calendar.time_zone})"
        if end is not None and math.isfinite(end):
            window += f" until {datetime.fromtimestamp(end, timezone.utc):%Y-%m-%d %H:%M} UTC"
    else:
        needed = float(plan.period)
    period_ratio = answers.of("calendar_ratio", plan) if plan.calendar else ratios[plan.period]
    # A group shows once anything is recorded for it: a new group burns before its period numbers exist.
    keys = set(remaining) | {k for w in BURN_WINDOWS for k in ratios[w]} | {_key(plan, a.labels) for a in alerts}
    rows = []
    for key in sorted(keys) or [()]:
        state = states.get(key)
        action = state.labels.get(names.LABEL_ACTION) if state else None
        ratio = _value(period_ratio, key)
        covered = _value(history, key)
        burns = tuple(
            (format_duration(w), None if (r := _value(ratios[w], key)) is None else r / float(plan.error_budget))
            for w in BURN_WINDOWS
        ) + (("period", _value(period_burn, key)),)
        firing = [a.labels for a in alerts if _key(plan, a.labels) == key]
        known = key in remaining
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
                alerts=_alert_names(firing),
                history=None if covered is None or math.isnan(needed) else (covered, needed),
                pages=_alert_names([labels for labels in firing if _is_page(plan, labels)]),
                missing=None if known else missing,
                waiting=not known and waiting,
            )
        )
    return rows


def _alert_names(alerts: list[dict[str, str]]) -> tuple[str, ...]:
    return tuple(sorted({f"{labels.get('alertname', '?')}/{labels.get('severity', '-')}" for labels in alerts}))


def history_queries(plan: SLOPlan) -> dict[str, str]:
    """Range queries for the report: budget remaining, and the burn rate over 1h."""
    ratio = plan.selector(names.error_ratio(3600))
    return {
        "remaining": plan.selector(names.PERIOD_BUDGET_REMAINING),
        "burn_rate": f"sum without ({names.LABEL_WINDOW}) ({ratio}) / {fmt(plan.error_budget)}",
    }


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


def _unknown(row: SLOStatus, text: str) -> str:
    # A period number not there yet: say it waits, or `-` when it will not come by itself.
    return "waiting" if row.waiting and text == "-" else text


def status_rows(rows: list[SLOStatus], failing_rows: list[SLOStatus]) -> list[list[str]]:
    """Table cells per row; gated rows and firing pages are marked."""
    out = []
    for row in rows:
        mark = " (fails gate)" if row in failing_rows else ""
        burns = [f"{w}:{_unknown(row, burn_text(b)) if w == 'period' else burn_text(b)}" for w, b in row.burn_rates]
        out.append(
            [
                row.slo,
                f"{row.objective_percent}% / {row.window}",
                _unknown(row, ratio_percent(row.sli, 6)),
                _unknown(row, ratio_percent(row.remaining)) + (f" ({row.short_history})" if row.short_history else ""),
                " ".join(burns),
                (row.action or row.missing or "-") + mark,
                ", ".join(f"{a} (fails gate)" if a in row.pages else a for a in row.alerts) or "-",
            ]
        )
    return out


STATUS_HEADERS = ["SLO", "objective / window", "SLI", "budget left", "burn rate", "policy", "firing"]


def status_json(rows: list[SLOStatus], failing_rows: list[SLOStatus], problems: list[str]) -> dict:
    """Machine-readable status: numbers as numbers (null when unknown or not finite: `missing` says
    why the period numbers are null, `waiting` whether they come by themselves)."""

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
                "firing_pages": list(r.pages),
                "missing": r.missing,
                "waiting": r.waiting,
                "fails_gate": r in failing_rows or bool(r.pages),
            }
            for r in rows
        ],
        "problems": problems,
    }
