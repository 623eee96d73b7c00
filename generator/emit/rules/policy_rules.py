"""Plan -> error-budget policy rules: the active policy state and the exhausted alert.

Per SLO (and per group of a grouped SLO), in the long group right after the
remaining budget they read, so each evaluation sees the fresh value; one rule each
for all the SLOs of a scope (SLOs with different policies in blocks joined by `or`):

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

from typing import Callable, Sequence

from slogen.emit.rules.alerts import alert_text, distinct, shared_annotations, template_literal, who
from slogen.emit.rules.recording import Rule, Scope, split_by
from slogen.plan import names
from slogen.plan.slo import SLOPlan
from slogen.spec.numbers import fmt, percent_text


def level_expr(scope: Scope, plans: Sequence[SLOPlan]) -> str:
    """PromQL of the active state's index: how many thresholds the remaining budget is at or below."""
    remaining = scope.select(names.PERIOD_BUDGET_REMAINING, plans)
    return "\n+\n".join(f"({remaining} <= bool {fmt(state.above)})" for state in plans[0].policy.states[:-1])


def state_expr(scope: Scope, plans: Sequence[SLOPlan]) -> str:
    """PromQL of every state's series: 1 where the level is the state's index, else 0."""
    level = scope.select(names.POLICY_LEVEL, plans)
    # Actions are names ([a-z0-9_-]), so they need no escaping and hold no `$` group reference.
    return "\nor\n".join(
        f'label_replace({level} == bool {index}, "{names.LABEL_ACTION}", "{state.action}", "", "")'
        for index, state in enumerate(plans[0].policy.states)
    )


def _per_policy(scope: Scope, build: Callable[[Scope, Sequence[SLOPlan]], str]) -> str:
    blocks = [build(scope, plans) for _, plans in split_by(scope.plans, lambda plan: plan.policy.states)]
    return blocks[0] if len(blocks) == 1 else "\nor\n".join(f"(\n{block}\n)" for block in blocks)


def policy_rules(scope: Scope) -> list[Rule]:
    """The level series, then one rule writing a state series per policy state, per SLOs sharing a policy."""
    return [
        Rule(record=names.POLICY_LEVEL, expr=_per_policy(scope, level_expr)),
        Rule(record=names.POLICY_STATE, expr=_per_policy(scope, state_expr)),
    ]


def _exhausted_annotations(plan: SLOPlan) -> dict[str, str]:
    policy = plan.policy
    last = policy.exhausted
    threshold = policy.states[-2].above
    what = f"{last.action} ({template_literal(last.description)})" if last.description else last.action
    return {
        "summary": f"{who(plan)}: error budget exhausted, policy state {last.action}",
        "description": (
            f"SLO {who(plan)} ({percent_text(plan.objective_percent)} {plan.window_text()}) "
            f"has {{{{ $value | humanizePercentage }}}} of its error budget left. "
            f"At or below {fmt(threshold * 100)}% the error budget policy says {what}."
        ),
        **{key: alert_text(plan, value) for key, value in policy.alert_annotations},
    }


def exhausted_alert_rules(scope: Scope) -> list[Rule]:
    """The alert raised while the budget is exhausted (the policy's last state), for every SLO
    whose policy has it, one rule per alert labels and annotation keys."""
    found = [(plan, _exhausted_annotations(plan)) for plan in scope.plans if plan.policy.alert_labels is not None]
    rules = []
    by_labels = split_by(found, lambda item: (item[0].policy.alert_labels, tuple(item[1]), item[0].alert_templates))
    for (labels, _, _), members in by_labels:  # type: ignore[misc]
        blocks = split_by([plan for plan, _ in members], lambda plan: plan.policy.states[-2].above)
        parts = [f"{scope.select(names.PERIOD_BUDGET_REMAINING, plans)} <= {fmt(threshold)}" for threshold, plans in blocks]  # type: ignore[arg-type]
        rules.append(
            Rule(
                alert=names.BUDGET_EXHAUSTED_ALERT,
                expr=parts[0] if len(parts) == 1 else "\nor\n".join(parts),
                # Inert as every other alert's labels, unless the spec's are templates.
                labels=tuple(sorted((k, alert_text(members[0][0], v)) for k, v in labels)),  # type: ignore[union-attr]
                annotations=shared_annotations(members),
            )
        )
    return distinct(rules)
