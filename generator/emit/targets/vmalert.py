"""VictoriaMetrics vmalert rule files, with chained rules split into separate groups.

vmalert runs a group's rules in order but writes their results to remote storage
asynchronously, so a rule that reads what an earlier rule of the same group just
recorded may see the previous evaluation's value, or nothing. Our groups chain
(events -> errors -> 5m ratio; error budget -> long ratios -> period burn rate ->
budget remaining -> policy), so each group is cut into steps: a rule goes one step after the
latest step that records a series it reads. Step 1 keeps the group's name, later
steps are `<name>-step<N>`, all with the group's interval.

The cost: a step reads its inputs from storage, up to one interval (30s to 2m)
older than in Prometheus, where the same group would see them fresh; that is small
against the shortest alert window (5m) and the alerts' `for`.
"""

from __future__ import annotations

import promql_parser as pp
from slogen.emit.rules.recording import Group, Rule
from slogen.emit.text.documents import render_yaml
from slogen.emit.targets.base import Target, header
from slogen.spec.errors import Problem
from slogen.spec.model import ServiceSpec

FOLDER = "vmalert"
EXTENSION = "yml"


def metric_names(expr: str) -> set[str]:
    """Every metric name a PromQL expression selects."""
    found: set[str] = set()
    stack = [pp.parse(expr)]
    while stack:
        node = stack.pop()
        if isinstance(node, pp.VectorSelector):
            if node.name:
                found.add(node.name)
            found.update(m.value for m in node.matchers.matchers if m.name == "__name__" and m.op == pp.MatchOp.Equal)
        elif isinstance(node, pp.MatrixSelector):
            stack.append(node.vector_selector)
        elif isinstance(node, pp.BinaryExpr):
            stack += [node.lhs, node.rhs]
        elif isinstance(node, pp.AggregateExpr):
            stack += [node.expr] + ([node.param] if node.param is not None else [])
        elif isinstance(node, pp.Call):
            stack += list(node.args)
        elif isinstance(node, (pp.ParenExpr, pp.UnaryExpr, pp.SubqueryExpr)):
            stack.append(node.expr)
    return found


def steps(group: Group) -> list[Group]:
    """The group cut so that no rule reads a series recorded earlier in its own group."""
    step_of_record: dict[str, int] = {}
    cut: list[list[Rule]] = []
    for rule in group.rules:
        reads = metric_names(rule.expr)
        step = max((step_of_record[name] + 1 for name in reads if name in step_of_record), default=0)
        if rule.record:
            step_of_record[rule.record] = max(step, step_of_record.get(rule.record, 0))
        while len(cut) <= step:
            cut.append([])
        cut[step].append(rule)
    return [
        Group(name=group.name if index == 0 else f"{group.name}-step{index + 1}", interval=group.interval, rules=tuple(rules))
        for index, rules in enumerate(cut)
        if rules
    ]


def render(service: str, source: str, groups: tuple[Group, ...], options: object = None) -> str:
    """A rule file for `vmalert -rule=`."""
    split = [step.as_dict() for group in groups for step in steps(group)]
    return render_yaml({"groups": split}, header(source))


# Checked on VictoriaMetrics v1.151 (tools/engines/victoriametrics; tests/e2e/
# test_native_victoriametrics.py): an exponential native histogram remote-written by
# Prometheus is stored as `_count`/`_sum` and `_bucket{vmrange=...}` counters, never as a
# histogram series; a custom-bucket (NHCB) one never arrives (remote write v1 drops it, and
# VictoriaMetrics accepts nothing over v2); vmalert refuses `histogram_count`
# ("unsupported function").  So slogen's native queries read nothing there.
NATIVE = (
    "vmalert: VictoriaMetrics keeps no native histogram series (it turns a remote-written one into "
    "`_bucket{{vmrange}}` counters) and MetricsQL has no histogram_count, "
    "so `format: {format}` cannot be evaluated there; use `format: classic` for this target"
)


def refuse(spec: ServiceSpec) -> list[Problem]:
    """A latency SLI reading native histograms, which VictoriaMetrics cannot serve, located at its `format`."""
    return [
        Problem(("slos", index, "sli", "latency", "format"), NATIVE.format(format=slo.sli.latency.format))
        for index, slo in enumerate(spec.slos)
        if slo.sli.latency is not None and slo.sli.latency.format != "classic"
    ]


TARGET = Target("vmalert", FOLDER, EXTENSION, render, refuse=refuse)
