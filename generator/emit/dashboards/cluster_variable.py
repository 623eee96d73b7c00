"""The `cluster` variable of a service dashboard, with `--split`: it picks the clusters shown by
the SLOs that keep the cluster label (their grouping holds it). Pure."""

from __future__ import annotations

from typing import Callable, Sequence

from slogen.emit.dashboards.grafana import label_variable
from slogen.plan import names
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import BASE_WINDOW
from slogen.spec.promql import escape_string, name_text

CLUSTER_VARIABLE = "cluster"

Narrow = Callable[[SLOPlan, list[dict]], list[dict]]


def cluster_variable(service: str, plans: Sequence[SLOPlan], cluster: str | None) -> tuple[list[dict], Narrow]:
    """The dashboard's variables (the cluster variable, or none), and what narrows an SLO's panels to it."""
    per_cluster = {plan.id for plan in plans if cluster is not None and cluster in plan.grouping}
    if not per_cluster:
        return [], lambda plan, panels: panels
    label = name_text(cluster)  # type: ignore[arg-type]
    metric = f'{names.error_ratio(BASE_WINDOW)}{{{names.LABEL_SERVICE}="{escape_string(service)}"}}'
    variable = label_variable(CLUSTER_VARIABLE, label, metric)
    return [variable], lambda plan, panels: _narrowed(panels, plan, label) if plan.id in per_cluster else panels


def _narrowed(panels: list[dict], plan: SLOPlan, label: str) -> list[dict]:
    """`panels` with every query of `plan`'s series narrowed to the clusters the variable picks."""
    own = plan.selector("")
    narrowed = f'{own[:-1]}, {label}=~"${CLUSTER_VARIABLE}"}}'
    out = []
    for panel in panels:
        if "targets" in panel:
            panel = {**panel, "targets": [{**t, "expr": t["expr"].replace(own, narrowed)} for t in panel["targets"]]}
        if "panels" in panel:  # a collapsed row holds its panels
            panel = {**panel, "panels": _narrowed(panel["panels"], plan, label)}
        out.append(panel)
    return out
