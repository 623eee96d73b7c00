"""Plans -> the opt-in no-data alert: the SLO's rules run, but its SLI reads no series.

The condition is the SLO's error budget series (recorded while its rules are loaded)
`unless` its 5m events rate: that rate is recorded from the user's series, and is
missing exactly when they are (a scrape target gone, a metric or label renamed).
A counter that stops moving still has a rate of 0, so no traffic is not no data.
A grouped SLO is one alert, once every group's series are gone: a single group
going quiet is ordinary (a route nobody called since a restart).

One rule for every SLO of a scope sharing the alert's labels, `for` and annotation
keys, in the alerts group; both series it reads are recorded at shorter intervals
than any `for` worth having, so it needs no window of its own.
"""

from __future__ import annotations

from slogen.emit.rules.alerts import alert_text, distinct, shared_annotations, template_literal
from slogen.emit.rules.recording import Rule, Scope, split_by
from slogen.plan import names
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import BASE_WINDOW
from slogen.spec.durations import format_duration


def no_data_expr(scope: Scope, plans: list[SLOPlan]) -> str:
    """PromQL of the SLOs of `plans` whose events rate is not recorded: one series each, the error budget's labels."""
    budgets = scope.select(names.ERROR_BUDGET, plans)
    events = scope.select(names.events_rate(BASE_WINDOW), plans)
    return f"{budgets}\nunless on ({names.LABEL_ID})\n{events}"


def _annotations(plan: SLOPlan) -> dict[str, str]:
    assert plan.no_data is not None
    who = f"{{{{ $labels.{names.LABEL_SERVICE} }}}}/{{{{ $labels.{names.LABEL_NAME} }}}}"
    out = {
        "summary": f"{who}: no data, the series its SLI reads are gone",
        "description": (
            f"SLO {who} has recorded no events rate ({names.events_rate(BASE_WINDOW)}) for at least "
            f"{format_duration(plan.no_data.for_seconds)}: the series its SLI reads are gone (a scrape target down, "
            "a metric or label renamed), so its burn-rate alerts cannot fire. "
            f"Events: {template_literal(plan.rates.events)}"
        ),
    }
    out.update({key: alert_text(plan, value) for key, value in plan.no_data.annotations})
    return out


def no_data_alert_rules(scope: Scope) -> list[Rule]:
    """The no-data alert of every SLO of the scope that asks for it, one rule per labels, `for` and annotation keys."""
    found = [(plan, _annotations(plan)) for plan in scope.plans if plan.no_data is not None]
    rules = []
    for (labels, for_seconds, _, _), members in split_by(  # type: ignore[misc]
        found, lambda item: (item[0].no_data.labels, item[0].no_data.for_seconds, tuple(item[1]), item[0].alert_templates)  # type: ignore[union-attr]
    ):
        rules.append(
            Rule(
                alert=names.NO_DATA_ALERT,
                expr=no_data_expr(scope, [plan for plan, _ in members]),
                for_=format_duration(for_seconds),
                labels=tuple((key, alert_text(members[0][0], value)) for key, value in labels),
                annotations=shared_annotations(members),
            )
        )
    return distinct(rules)
