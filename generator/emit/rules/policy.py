"""Plan -> error-budget policy rules: the active policy state and the exhausted alert.

Per SLO (and per group of a grouped SLO), in the long group right after the
remaining budget they read, so each evaluation sees the fresh value:

* ``slo:budget_policy:level``: index of the active state (0 = healthiest), the sum
  of ``remaining <= bool threshold`` over the thresholds.  A NaN remaining (no
  traffic in the period, so nothing spent) compares false everywhere: level 0.
* ``slo:budget_policy:state{slo_action="..."}``: one series per state, 1 for the
  active one and 0 for the others (the kube-state-metrics convention), so the series
  set never churns, ``== 1`` selects exactly one state, and history survives changes.
  One rule writes them all (each state's series named by ``label_replace``, joined by
  ``or``): a rule per state would cost Prometheus a rule evaluation per state.

The exhausted alert (in the long group too, after the state) fires while the last
state is active.
"""

from __future__ import annotations

from slogen.emit.rules.alerts import template_literal
from slogen.emit.rules.recording import Rule
from slogen.plan import names
from slogen.plan.slo import SLOPlan
from slogen.spec.durations import format_duration
from slogen.spec.numbers import fmt, percent_text


def _labels(plan: SLOPlan, **extra: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({**plan.series_labels, **extra}.items()))


def level_expr(plan: SLOPlan) -> str:
    """PromQL of the active state's index: how many thresholds the remaining budget is at or below."""
    remaining = plan.selector(names.PERIOD_BUDGET_REMAINING)
    return "\n+\n".join(f"({remaining} <= bool {fmt(state.above)})" for state in plan.policy.states[:-1])


def policy_rules(plan: SLOPlan) -> list[Rule]:
    """The level series, then one rule writing a state series per policy state."""
    return [
        Rule(record=names.POLICY_LEVEL, expr=level_expr(plan), labels=_labels(plan)),
        Rule(record=names.POLICY_STATE, expr=state_expr(plan), labels=_labels(plan)),
    ]


def state_expr(plan: SLOPlan) -> str:
    """PromQL of every state's series: 1 where the level is the state's index, else 0."""
    level = plan.selector(names.POLICY_LEVEL)
    # Actions are names ([a-z0-9_-]), so they need no escaping and hold no `$` group reference.
    return "\nor\n".join(
        f'label_replace({level} == bool {index}, "{names.LABEL_ACTION}", "{state.action}", "", "")'
        for index, state in enumerate(plan.policy.states)
    )


def exhausted_alert_rules(plan: SLOPlan) -> list[Rule]:
    """The alert raised while the budget is exhausted (the policy's last state), unless turned off."""
    policy = plan.policy
    if policy.alert_labels is None:
        return []
    who = f"{plan.service}/{plan.name}"
    groups = "".join(f" {label}={{{{ $labels.{label} }}}}" for label in plan.grouping)
    last = policy.exhausted
    threshold = policy.states[-2].above
    what = f"{last.action} ({template_literal(last.description)})" if last.description else last.action
    annotations = {
        "summary": f"{who}{groups}: error budget exhausted, policy state {last.action}",
        "description": (
            f"SLO {who}{groups} ({percent_text(plan.objective_percent)} over {format_duration(plan.period)}) "
            f"has {{{{ $value | humanizePercentage }}}} of its error budget left. "
            f"At or below {fmt(threshold * 100)}% the error budget policy says {what}."
        ),
        **{key: template_literal(value) for key, value in policy.alert_annotations},
    }
    return [
        Rule(
            alert=names.BUDGET_EXHAUSTED_ALERT,
            expr=f"{plan.selector(names.PERIOD_BUDGET_REMAINING)} <= {fmt(threshold)}",
            labels=tuple(sorted({**dict(policy.alert_labels), **dict(plan.id_labels)}.items())),
            annotations=tuple(annotations.items()),
        )
    ]
