"""Plans -> Grafana dashboards: one per service, and an overview of every SLO.

Pure: returns dicts.  Every query reads slogen's recorded series (names.py) or
Prometheus' own ALERTS, never a raw counter over a long range, so a 30d panel
costs a few hundred points.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from functools import lru_cache

from slogen.emit.dashboards.grafana import (
    prometheus_annotation,
    UID_MAX,
    Grid,
    Steps,
    dashboard,
    dashboards_link,
    gauge_panel,
    heatmap_panel,
    override,
    row_panel,
    stat_panel,
    state_timeline_panel,
    table_panel,
    target,
    timeseries_panel,
)
from slogen.emit.dashboards.calendar_row import calendar_view
from slogen.emit.dashboards.cluster_variable import cluster_variable
from slogen.emit.dashboards.composite_panel import HEIGHT as CONTRIBUTION_HEIGHT, contribution_panel
from slogen.plan import names
from slogen.plan.budget_policy import PolicyPlan
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import BASE_WINDOW, DAY, HOUR, BurnRateTier
from slogen.spec.durations import format_duration
from slogen.spec.numbers import fmt, human, percent_text
from slogen.spec.promql import selectors_read

OVERVIEW_UID = "slogen-overview"
OVERVIEW_FILE = "slo-overview"
TAG = "slogen"
ALERTS = "ALERTS"  # Prometheus' own series of pending and firing alerts
# The alerting windows every SLO records (plan.STANDARD_WINDOWS); tier windows are added.
BURN_WINDOWS = (BASE_WINDOW, HOUR, 6 * HOUR, DAY, 3 * DAY)
# Error budget policy tiers: below half, below a tenth, exhausted.
BUDGET_STEPS: Steps = ((None, "dark-red"), (0.0, "red"), (0.1, "orange"), (0.5, "green"))
def _state_colours(count: int) -> list[str]:
    """Healthiest green, spent dark red, the state before it red, any others orange."""
    if count == 1:
        return ["dark-red"]
    return ["green"] + ["orange"] * max(count - 3, 0) + (["red"] if count >= 3 else []) + ["dark-red"]


# The helpers below depend only on numbers most SLOs share (tiers, window, objective,
# policy); at 10,000 SLOs each is worked out once per distinct value (lru_cache).
def budget_steps(plan: SLOPlan) -> Steps:
    """Thresholds at the SLO's own policy states (the default policy gives BUDGET_STEPS)."""
    return _policy_steps(plan.policy)


@lru_cache(maxsize=256)
def _policy_steps(policy: PolicyPlan) -> Steps:
    states = policy.states
    colours = _state_colours(len(states))
    steps: list = [(None, colours[-1])]
    for state, colour in zip(reversed(states[:-1]), reversed(colours[:-1])):
        steps.append((float(state.above), colour))
    return tuple(steps)


@lru_cache(maxsize=256)
def _policy_text(policy: PolicyPlan) -> str:
    states = policy.states
    parts = [f"above {float(s.above):.0%} {s.action}" for s in states[:-1]]
    return ", ".join(parts) + f", else {states[-1].action}"
_SEVERITY_COLOURS = {"page": "red", "ticket": "orange"}
_ROW_HEIGHT = 1 + 6 + 8 + 8
_ID = (names.LABEL_SERVICE, names.LABEL_NAME, names.LABEL_ID)


def dashboard_uid(service: str) -> str:
    """`slo-<service>`, or a truncated name plus a hash when that exceeds Grafana's 40 characters."""
    uid = f"slo-{service}"
    if len(uid) <= UID_MAX:
        return uid
    digest = hashlib.sha256(service.encode()).hexdigest()[:8]
    return f"{uid[: UID_MAX - 9]}-{digest}"


def _legend(plan: SLOPlan, text: str) -> str:
    if not plan.grouping:
        return text
    groups = " ".join(f"{{{{{label}}}}}" for label in plan.grouping)
    return f"{text} {groups}"


def _ratio(plan: SLOPlan, window: int) -> str:
    return f"sum without ({names.LABEL_WINDOW}) ({plan.selector(names.error_ratio(window))})"


@lru_cache(maxsize=256)
def _percent_decimals(objective_percent: Decimal) -> int:
    """Enough decimals to tell the SLI from a 99.95% objective: one more than it has."""
    exponent = objective_percent.normalize().as_tuple().exponent
    places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return places + 1


# An SLO's severities without their labels and annotations, which name the service:
# what the panels' thresholds and texts depend on, so a cache key shared across services.
SeverityTiers = tuple[tuple[str, tuple[BurnRateTier, ...]], ...]


def _severity_tiers(plan: SLOPlan) -> SeverityTiers:
    return tuple((sev.key, sev.tiers) for sev in plan.severities)


@lru_cache(maxsize=256)
def _burn_steps(severities: SeverityTiers, period: int) -> Steps:
    """Base green, then each tier's burn factor in its severity's colour (page wins a tie)."""
    by_value: dict[Decimal, str] = {}
    for key, tiers in sorted(severities, key=lambda s: s[0] != "page"):
        for tier in tiers:
            by_value.setdefault(tier.factor(period), _SEVERITY_COLOURS.get(key, "orange"))
    if not by_value:
        by_value[Decimal(1)] = "orange"
    return ((None, "green"),) + tuple((float(value), colour) for value, colour in sorted(by_value.items()))


@lru_cache(maxsize=256)
def _tiers_text(severities: SeverityTiers, period: int) -> str:
    parts = [
        f"{key} {human(tier.factor(period))}x ({human(tier.budget_fraction * 100)}% of the budget in "
        f"{format_duration(tier.long_window)}, confirmed over {format_duration(tier.short_window)})"
        for key, tiers in severities
        for tier in tiers
    ]
    return "; ".join(parts) if parts else "no alerting tiers"


@lru_cache(maxsize=256)
def _burn_windows(severities: SeverityTiers, windows: tuple[int, ...]) -> list[int]:
    shown = set(BURN_WINDOWS)
    for _, tiers in severities:
        for tier in tiers:
            shown |= {tier.long_window, tier.short_window}
    return sorted(w for w in shown if w in windows)


_BUDGET_LINE = [
    override(
        "byName",
        "error budget",
        {"color": {"fixedColor": "red", "mode": "fixed"}, "custom.lineStyle": {"dash": [10, 10], "fill": "dash"}},
    )
]
_ALERT_STATES = [
    override("byRegexp", "/pending/", {"color": {"fixedColor": "orange", "mode": "fixed"}}),
    override("byRegexp", "/firing/", {"color": {"fixedColor": "red", "mode": "fixed"}}),
]


@lru_cache(maxsize=256)
def _headline(period: int, objective_percent: Decimal, error_budget: Decimal) -> tuple[str, str, str]:
    return format_duration(period), percent_text(objective_percent), fmt(error_budget)


def slo_panels(plan: SLOPlan, y: int) -> list[dict]:
    """The row of one SLO, starting at grid row `y`: headline numbers, then history."""
    period, objective, budget = _headline(plan.period, plan.objective_percent, plan.error_budget)
    refs = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    about = f"{plan.description} " if plan.description else ""
    severities = _severity_tiers(plan)
    tiers_text = _tiers_text(severities, plan.period)
    burn_steps = _burn_steps(severities, plan.period)
    policy_steps = _policy_steps(plan.policy)
    # A calendar SLO shows its current period, and the time left in it, in four narrower panels.
    cal = calendar_view(plan)
    width = 6 if cal else 8
    if cal:
        period = cal.period
    panels = [row_panel(f"{plan.name}: {objective} over {period}", y)]
    if cal:
        panels.append(cal.time_left_panel(Grid(18, y + 1, 6, 6)))
    panels.append(
        stat_panel(
            f"SLI over {period} vs objective",
            f"{about}Share of good {cal.events if cal else 'events'} over the SLO window ({period}); green once at or above the objective {objective}.",
            Grid(0, y + 1, width, 6),
            [
                target("A", f"1 - {cal.ratio if cal else _ratio(plan, plan.period)}", _legend(plan, "SLI"), instant=True),
                target("B", plan.selector(names.OBJECTIVE), "objective", instant=True),
            ],
            "percentunit",
            ((None, "red"), (float(plan.objective), "green")),
            _percent_decimals(plan.objective_percent),
        )
    )
    panels.append(
        gauge_panel(
            "Error budget remaining",
            f"Share of the {period} error budget ({budget} of events) not yet spent. "
            f"Coloured by the SLO's budget policy: {_policy_text(plan.policy)}.",
            Grid(width, y + 1, width, 6),
            [target("A", plan.selector(names.PERIOD_BUDGET_REMAINING), _legend(plan, "remaining"), instant=True)],
            "percentunit",
            policy_steps,
            0.0,
            1.0,
            1,
        )
    )
    panels.append(
        stat_panel(
            "Current burn rate (5m)",
            "How many times faster than sustainable the budget burns now (1x spends it exactly over the window). "
            f"Alert tiers: {tiers_text}.",
            Grid(2 * width, y + 1, width, 6),
            [target("A", plan.selector(names.CURRENT_BURN_RATE), _legend(plan, "burn rate"), instant=True)],
            "suffix:x",
            burn_steps,
            2,
        )
    )
    burn_targets = [
        target(next(refs), f"{_ratio(plan, window)} / {budget}", _legend(plan, format_duration(window)))
        for window in _burn_windows(severities, plan.windows)
    ]
    panels.append(
        timeseries_panel(
            "Burn rate by alerting window",
            f"Error ratio over each window divided by the error budget {budget}. Dashed lines: {tiers_text}.",
            Grid(0, y + 7, 12, 8),
            burn_targets,
            "suffix:x",
            burn_steps,
            "dashed",
            minimum=0,
        )
    )
    panels.append(
        timeseries_panel(
            "Error ratio vs error budget",
            f"Share of bad events over 5m and 1h against the error budget ({budget}): "
            "above the line the SLO is burning faster than it can last.",
            Grid(12, y + 7, 12, 8),
            [
                target("A", _ratio(plan, BASE_WINDOW), _legend(plan, "error ratio 5m")),
                target("B", _ratio(plan, HOUR), _legend(plan, "error ratio 1h")),
                target("C", plan.selector(names.ERROR_BUDGET), "error budget"),
            ],
            "percentunit",
            overrides=_BUDGET_LINE,
            minimum=0,
        )
    )
    panels.append(
        timeseries_panel(
            f"Error budget remaining over the last {period}",
            f"Budget left in the rolling {period} window at each point in time: the burn-down. "
            "Needs Prometheus retention of at least the SLO window to show all of it.",
            Grid(0, y + 15, 12, 8),
            [target("A", plan.selector(names.PERIOD_BUDGET_REMAINING), _legend(plan, "budget remaining"))],
            "percentunit",
            policy_steps,
            "dashed",
            time_from=period,
        )
    )
    panels.append(
        state_timeline_panel(
            "Firing and pending alerts",
            f"When the {plan.alert_name or 'burn-rate'} alerts of this SLO were pending or firing.",
            Grid(12, y + 15, 12, 8),
            [target("A", f'{ALERTS}{{{names.LABEL_ID}="{plan.id}"}}', _legend(plan, "{{alertstate}} {{severity}} {{slo_tier}}"))],
            _ALERT_STATES,
            "no alerts",
        )
    )
    histogram = native_histogram(plan)
    if histogram:
        panels.append(
            heatmap_panel(
                "Latency distribution (native histogram)",
                f"Requests per second in each bucket of {histogram}, the histogram the SLI reads.",
                Grid(0, y + _ROW_HEIGHT, 24, _HEATMAP_HEIGHT),
                [target("A", f"sum(rate({histogram}[$__rate_interval]))", _legend(plan, "requests/s"))],
            )
        )
    return panels


_HEATMAP_HEIGHT = 8


def native_histogram(plan: SLOPlan) -> str | None:
    """The native histogram selector a latency SLI reads (format native or auto), else None."""
    if plan.sli_kind != "latency" or "histogram_count(" not in plan.rates.events:
        return None
    return next(s.render() for s in selectors_read(plan.rates.events) if not (s.name or "").endswith("_count"))


def row_height(plan: SLOPlan) -> int:
    """Grid rows one SLO takes: its row, plus the heatmap of a native histogram."""
    return _ROW_HEIGHT + (_HEATMAP_HEIGHT if native_histogram(plan) else 0)


def service_dashboard(service: str, plans: tuple[SLOPlan, ...], cluster: str | None = None) -> dict:
    """One service's dashboard: a collapsible row per SLO; with `cluster` (the split's cluster
    label), a variable choosing the clusters of the SLOs that keep that label (their grouping)."""
    panels: list[dict] = []
    y = 0
    variables, narrow = cluster_variable(service, plans, cluster)
    for plan in plans:
        panels += narrow(plan, slo_panels(plan, y))
        y += row_height(plan)
        if plan.composite is not None:  # which member spends the journey's budget
            panels.append(contribution_panel(plan, y))
            y += CONTRIBUTION_HEIGHT
    slos = ", ".join(f"{p.name} ({percent_text(p.objective_percent)} {p.window_text()})" for p in plans)
    return dashboard(
        uid=dashboard_uid(service),
        title=f"SLOs / {service}",
        description=f"Generated by slogen; do not edit, change the spec. SLOs of {service}: {slos}.",
        tags=sorted({TAG, "slo", service}),
        panels=panels,
        time_from="now-7d",
        links=[dashboards_link("SLO dashboards", TAG)],
        annotations=[_exclusions_annotation(plan) for plan in plans if plan.exclusion is not None],
        variables=variables,
    )



def _exclusions_annotation(plan: SLOPlan) -> dict:
    """The SLO's excluded time as an annotation region, its reasons as the text (the series carries no reasons)."""
    assert plan.exclusion is not None
    reasons = "; ".join(dict.fromkeys(f"{w.reason} ({w.describe()})" for w in plan.exclusion.windows))
    return prometheus_annotation(
        f"Exclusions: {plan.name}", f"{plan.selector(names.EXCLUSION_STATE)} > 0", f"{plan.name}: excluded from the error budget", reasons
    )


def _by(expr: str, how: str = "max") -> str:
    return f"{how} by ({', '.join(_ID)}) ({expr})"


def _service_selector(metric: str, service: str) -> str:
    return f'{metric}{{{names.LABEL_SERVICE}="{service}"}}'


def overview_queries(services: list[tuple[str, int]]) -> list[dict]:
    """The overview's instant table queries, one column each, every row one SLO.

    SLOs with grouping show their worst group, so one row is one SLO.  Query A also
    carries each service's dashboard uid, which the links need.
    """
    with_uid = " or ".join(
        f'label_replace({_by(_service_selector(names.OBJECTIVE, service))}, "{DASHBOARD_LABEL}", "{dashboard_uid(service)}", "", "")'
        for service, _ in services
    )
    ids = ", ".join(_ID)
    sli = f"1 - {names.PERIOD_BURN_RATE} * on ({names.LABEL_ID}) group_left () {names.ERROR_BUDGET}"
    firing = (
        # One alert per name and severity, however many of its tiers (slo_tier) fire.
        f'count by ({ids}) (count without ({names.LABEL_TIER}) ({ALERTS}{{alertstate="firing", {names.LABEL_ID}!=""}}))'
        f" or on ({names.LABEL_ID}) 0 * {_by(names.OBJECTIVE)}"
    )
    columns = [
        with_uid,
        _by(sli, "min"),
        _by(names.PERIOD_BUDGET_REMAINING, "min"),
        _by(names.CURRENT_BURN_RATE, "max"),
        _by(firing, "sum"),
    ]
    return [target(ref, expr, instant=True, table=True) for ref, expr in zip("ABCDE", columns)]


# The Service column holds each service's dashboard uid (query A's `slo_dashboard`) and
# shows the service name through value mappings, so its link needs no hidden column:
# Grafana 11 hides columns with `custom.hidden`, 12.2+ with `custom.hideFrom`, and no
# one key serves both without a rewrite on load.
DASHBOARD_LABEL = "slo_dashboard"

_COLUMNS = (
    (DASHBOARD_LABEL, "Service"),
    (names.LABEL_NAME, "SLO"),
    ("Value #A", "Objective"),
    ("Value #B", "SLI over window"),
    ("Value #C", "Budget remaining"),
    ("Value #D", "Burn rate (5m)"),
    ("Value #E", "Firing alerts"),
)


def _service_names(services: list[tuple[str, int]]) -> list[dict]:
    """Value mappings from dashboard uids back to service names: one regex for `slo-<service>`,
    and one exact mapping per service whose uid had to be shortened with a hash."""
    exact = {dashboard_uid(s): s for s, _ in services if dashboard_uid(s) != f"slo-{s}"}
    mappings = []
    if exact:
        mappings.append({"type": "value", "options": {uid: {"text": s, "index": i} for i, (uid, s) in enumerate(sorted(exact.items()))}})
    mappings.append({"type": "regex", "options": {"pattern": "^slo-(.+)$", "result": {"text": "$1", "index": len(exact)}}})
    return mappings


def _overview_overrides(services: list[tuple[str, int]]) -> list[dict]:
    link = {
        "title": "Open the service's SLO dashboard",
        "url": "/d/${__value.raw}?${datasource:queryparam}&${__url_time_range}",
    }
    return [
        override("byName", "Service", {"links": [link], "mappings": _service_names(services)}),
        override("byName", "Objective", {"unit": "percentunit", "decimals": 3}),
        override("byName", "SLI over window", {"unit": "percentunit", "decimals": 3}),
        override(
            "byName",
            "Budget remaining",
            {
                "unit": "percentunit",
                "decimals": 1,
                "thresholds": {"mode": "absolute", "steps": [{"color": c, "value": v} for v, c in BUDGET_STEPS]},
                "custom.cellOptions": {"type": "color-background", "mode": "basic"},
            },
        ),
        override("byName", "Burn rate (5m)", {"unit": "suffix:x", "decimals": 2}),
        override(
            "byName",
            "Firing alerts",
            {
                "thresholds": {"mode": "absolute", "steps": [{"color": "transparent", "value": None}, {"color": "red", "value": 1}]},
                "custom.cellOptions": {"type": "color-background", "mode": "basic"},
            },
        ),
    ]


def overview_dashboard(services: list[tuple[str, int]]) -> dict:
    """Every SLO of every service in one sortable table, worst budget first (`services`: name, SLO count)."""
    transformations = [
        {"id": "merge", "options": {}},
        {
            "id": "organize",
            "options": {
                "excludeByName": {"Time": True, names.LABEL_ID: True, names.LABEL_SERVICE: True},
                "indexByName": {name: index for index, (name, _) in enumerate(_COLUMNS)},
                "renameByName": dict(_COLUMNS),
            },
        },
    ]
    count = sum(slos for _, slos in services)
    table = table_panel(
        "SLOs",
        "One row per SLO (grouped SLOs show their worst group). Click a service to open its dashboard; "
        "click a column header to sort.",
        Grid(0, 0, 24, max(8, 3 + count)),
        overview_queries(services),
        transformations,
        _overview_overrides(services),
        [{"desc": False, "displayName": "Budget remaining"}],
    )
    return dashboard(
        uid=OVERVIEW_UID,
        title="SLOs / Overview",
        description=f"Generated by slogen; do not edit. {count} SLOs of {len(services)} services.",
        tags=[OVERVIEW_FILE, "slo", TAG],
        panels=[table],
        time_from="now-1h",
        links=[dashboards_link("SLO dashboards", TAG)],
    )
