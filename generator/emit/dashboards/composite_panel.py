"""A composite (journey) SLO's extra panel: each member's share of the journey's burn, so the
person paged sees which service spends the journey's budget."""

from __future__ import annotations

from slogen.emit.dashboards.grafana import Grid, target, timeseries_panel
from slogen.plan import names
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import BASE_WINDOW, HOUR
from slogen.spec.numbers import fmt

# Rows of the panel added under a composite's row.
HEIGHT = 8
_WINDOW = "1h"


def _member(metric: str, slo_id: str) -> str:
    return f'{metric}{{{names.LABEL_ID}="{slo_id}"}}'


def contribution_exprs(plan: SLOPlan) -> list[tuple[str, str]]:
    """(member slo_id, PromQL of its contribution to the journey's 1h burn rate) per member.

    events: the member's weighted errors over all members' weighted events, so the members
    add up to the journey's burn; weighted: its weight's share of its own 1h error ratio (they add
    up while every member has traffic); worst: each member's own 1h ratio, the highest
    being the journey's; each over the journey's error budget.
    """
    assert plan.composite is not None
    budget = fmt(plan.error_budget)
    members = plan.composite.members
    out = []
    for m in members:
        if plan.composite.method == "events":
            errors = f"sum(sum_over_time({_member(names.errors_rate(BASE_WINDOW), m.id)}[{_WINDOW}]))"
            # Over the members' events, not the journey's: both windows then hold the same points
            # (the journey's own history may be shorter than its members').
            pooled = " or ".join(
                f"{'' if x.weight == 1 else fmt(x.weight) + ' * '}sum_over_time({_member(names.events_rate(BASE_WINDOW), x.id)}[{_WINDOW}])"
                for x in members
            )
            events = f"sum({pooled})"
            expr = f"{fmt(m.weight)} * {errors} / {events} / {budget}"
        elif plan.composite.method == "weighted":
            share = fmt(m.weight / sum(x.weight for x in members))
            expr = f"{share} * sum({_member(names.error_ratio(HOUR), m.id)}) / {budget}"
        else:
            expr = f"sum({_member(names.error_ratio(HOUR), m.id)}) / {budget}"
        out.append((m.id, expr))
    return out


def contribution_panel(plan: SLOPlan, y: int) -> dict:
    """The members' contributions to the journey's burn over the last hour, as a stacked-free graph."""
    refs = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    targets = [target(refs[i % 26] + ("" if i < 26 else str(i // 26)), expr, slo_id) for i, (slo_id, expr) in enumerate(contribution_exprs(plan))]
    how = {
        "events": "each member's errors over the journey's events: the lines add up to the journey's burn",
        "weighted": "each member's 1h error ratio times its share of the weights: the lines add up to the journey's burn while every member has traffic",
        "worst": "each member's own 1h error ratio: the highest line is the journey's burn",
    }[plan.composite.method]  # type: ignore[union-attr]
    return timeseries_panel(
        "Members' contribution to the burn (1h)",
        f"Which member spends the journey's error budget ({fmt(plan.error_budget)}): {how}.",
        Grid(0, y, 24, HEIGHT),
        targets,
        "suffix:x",
        minimum=0,
    )
