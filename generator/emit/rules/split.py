"""A service's rules split across clusters: leaf rules for each cluster's Prometheus, global
rules for the global ruler (Thanos, Mimir, Cortex). Pure.

    leaf (every cluster, 30s)        slo_leaf:sli_events:rate5m, slo_leaf:sli_errors:rate5m    raw series, 5m
                                     slo_leaf:sli_events:rate1h, slo_leaf:sli_errors:rate1h    raw series, 1h (fast page)
    global (the unsplit groups)      slo:sli_events:rate5m = sum by (grouping) (slo_leaf:...rate5m)
                                     slo:sli_error:ratio_rate1h = sum(errors 1h) / sum(events 1h)
                                     every window, budget, policy state and alert, as unsplit
                                     SLOClusterIncomplete: a cluster that reported stopped

A leaf reads only what must read raw series: the 5m base rates, and the fast page's 1h
rates (errors and events apart, so the global can add clusters up; a ratio cannot be
summed).  Each leaf sums `by` the SLO's grouping *and* the cluster label: a leaf's
series carry no cluster label (its Prometheus adds it as an external label on remote
write), so this changes nothing there, while one Prometheus (or promtool) reading several
clusters' series keeps them apart as the leaves would.  The global re-records the base
rates under their unsplit names, summed over clusters (or per cluster when the grouping
holds the label), and from there every unsplit rule reads what it always read: the rest
of the global file is the unsplit rule file's groups, rule for rule.
"""

from __future__ import annotations

from typing import Mapping, Sequence

from slogen.emit.rules.recording import Group, Rule, base_rules, sum_by
from slogen.emit.rules.rule_file import PARTS, build_groups
from slogen.plan import names
from slogen.plan.sli import leaf_rates
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import ALERT_INTERVAL, BASE_WINDOW, FAST_WINDOW
from slogen.spec.durations import format_duration
from slogen.spec.model import SLI
from slogen.spec.promql import escape_string, name_text, names_text

LEAF_PART = "leaf"
# A cluster that reported within this lookback and sends nothing now is "incomplete" ...
INCOMPLETE_LOOKBACK = 3600
# ... once nothing came for the 5m lookback and then this long: 10 minutes of silence.
INCOMPLETE_FOR = 300


def split_refusals(plans: Sequence[SLOPlan]) -> list[tuple[str, str]]:
    """(SLO name, why) for the SLOs a split cannot serve yet."""
    out = []
    for plan in plans:
        if plan.timeslice is not None:
            out.append((plan.name, "timeslice SLIs judge slices from raw series in one engine; --split does not support them yet"))
        elif plan.exclusion is not None:
            out.append((plan.name, "exclusions gate the raw base rates; --split does not support them yet"))
    return out


def _labels(plan: SLOPlan, window: int) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({**plan.series_labels, names.LABEL_WINDOW: format_duration(window)}.items()))


def _leaf_grouping(plan: SLOPlan, cluster: str) -> tuple[str, ...]:
    return plan.grouping if cluster in plan.grouping else (*plan.grouping, cluster)


def _reads_raw(plan: SLOPlan) -> bool:
    # A composite's base rates read its members' recorded rates: global, as unsplit.
    return plan.composite is None


def leaf_rules(plan: SLOPlan, sli: SLI, cluster: str) -> list[Rule]:
    """One SLO's leaf rules: events before errors (the errors fall back to 0 x events), 5m then 1h."""
    if not _reads_raw(plan):
        return []
    windows = [BASE_WINDOW] + ([FAST_WINDOW] if _fast(plan) else [])
    rules = []
    for window in windows:
        ref = plan.selector(names.leaf_events_rate(window))
        events, errors = leaf_rates(sli, _leaf_grouping(plan, cluster), ref, window)
        rules += [
            Rule(record=names.leaf_events_rate(window), expr=events, labels=_labels(plan, window)),
            Rule(record=names.leaf_errors_rate(window), expr=errors, labels=_labels(plan, window)),
        ]
    return rules


def _fast(plan: SLOPlan) -> bool:
    """Whether the unsplit rules read the fast page window from the counters (recording.fast_rules)."""
    return FAST_WINDOW in plan.counter_windows and FAST_WINDOW in plan.windows


def global_base_rules(plan: SLOPlan) -> list[Rule]:
    """The 5m base rates under their unsplit names: the leaves' summed over clusters (by the grouping)."""
    if not _reads_raw(plan):
        return base_rules(plan)
    by = sum_by(plan.grouping)
    return [
        Rule(record=names.events_rate(BASE_WINDOW), expr=f"{by}({plan.selector(names.leaf_events_rate(BASE_WINDOW))})", labels=_labels(plan, BASE_WINDOW)),
        Rule(record=names.errors_rate(BASE_WINDOW), expr=f"{by}({plan.selector(names.leaf_errors_rate(BASE_WINDOW))})", labels=_labels(plan, BASE_WINDOW)),
    ]


def global_fast_rules(plan: SLOPlan) -> list[Rule]:
    """The fast page window's error ratio: the clusters' 1h errors over their 1h events."""
    if not _reads_raw(plan) or not _fast(plan):
        return []
    by = sum_by(plan.grouping)
    on = f"on ({names_text(plan.grouping)})"
    errors, events = (f"{by}({plan.selector(metric(FAST_WINDOW))})" for metric in (names.leaf_errors_rate, names.leaf_events_rate))
    return [Rule(record=names.error_ratio(FAST_WINDOW), expr=f"{errors}\n/ {on}\n{events}", labels=_labels(plan, FAST_WINDOW))]


def incomplete_rule(service: str, plans: Sequence[SLOPlan], cluster: str) -> Rule:
    """SLOClusterIncomplete: a cluster sent base rates of an SLO within the last hour, and none for 10m."""
    keys = names_text((names.LABEL_ID, names.LABEL_NAME, names.LABEL_SERVICE, cluster, *sorted({k for p in plans for k, _ in p.labels})))
    series = f'{names.leaf_events_rate(BASE_WINDOW)}{{{names.LABEL_SERVICE}="{escape_string(service)}"}}'
    lookback = format_duration(INCOMPLETE_LOOKBACK)
    expr = (
        f"group by ({keys}) (last_over_time({series}[{lookback}]))\n"
        f"unless on ({names_text((names.LABEL_ID, cluster))})\n{series}"
    )
    ticket = next((dict(sev.labels) for sev in plans[0].severities if sev.key == "ticket"), {"severity": "ticket"})
    # A legacy label name reads as a field; a UTF-8 one (quoted by name_text) through `index`.
    value = f"{{{{ $labels.{cluster} }}}}" if name_text(cluster) == cluster else f'{{{{ index $labels "{escape_string(cluster)}" }}}}'
    silent = format_duration(INCOMPLETE_FOR + 300)
    return Rule(
        alert=names.CLUSTER_INCOMPLETE_ALERT,
        expr=expr,
        for_=format_duration(INCOMPLETE_FOR),
        labels=tuple(sorted({"severity": ticket.get("severity", "ticket")}.items())),
        annotations=(
            ("summary", f"SLI incomplete: cluster {value} has sent no base rates of {{{{ $labels.slo_id }}}} for {silent}"),
            (
                "description",
                "The global windows count only the clusters that report: this cluster's traffic is missing, not good and not bad. "
                "Check its Prometheus and its remote write.",
            ),
        ),
    )


def leaf_groups(service: str, plans: Sequence[SLOPlan], slis: Mapping[str, SLI], cluster: str) -> tuple[Group, ...]:
    """The leaf file's one group: every SLO's raw reads, every 30s."""
    rules = tuple(rule for plan in plans for rule in leaf_rules(plan, slis[plan.name], cluster))
    # 30s, as the unsplit fast page's 1h window: the leaf also records the 1h rates that
    # window is summed from, and remote write already adds its own delay to the page.
    return (Group(names.group_name(service, LEAF_PART), ALERT_INTERVAL, rules),) if rules else ()


def global_groups(service: str, plans: Sequence[SLOPlan], cluster: str) -> tuple[Group, ...]:
    """The global file: the unsplit groups with the raw reads replaced by sums of the leaves', and
    the incomplete alert after the burn alerts."""
    replaced = {"sli-short": global_base_rules, "alerts": global_fast_rules}
    parts = tuple((part, interval, replaced.get(part, build), shared) for part, interval, build, shared in PARTS)
    groups = build_groups(service, list(plans), parts=parts)
    if not any(_reads_raw(plan) for plan in plans):
        return tuple(groups)
    incomplete = incomplete_rule(service, plans, cluster)
    alerts = names.group_name(service, "alerts")
    if any(group.name == alerts for group in groups):
        return tuple(Group(g.name, g.interval, g.rules + (incomplete,)) if g.name == alerts else g for g in groups)
    return (*groups, Group(alerts, ALERT_INTERVAL, (incomplete,)))
