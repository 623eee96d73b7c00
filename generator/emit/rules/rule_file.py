"""Plans -> a service's rule groups, as data and, for its Prometheus rule file, as shared templates.

The rules of SLOs that share their numbers, label names and alerting differ only in
their identity (service, name, label values, description, annotation values) and in
their SLI's base-rate expressions.  Such SLOs share one template (emit/text/templates.py)
with a section per part (group) of the rule file: the text written for a stand-in plan
whose identity is placeholders.  A 10,000-SLO tree comes down to a few dozen templates;
filling them skips building and styling ~250,000 rules.  Filling is exact:

* the template engine pastes the service and SLO name (when both are inert) only into
  scalars whose style cannot depend on them, and restyles every other scalar holding
  identity text from its real text;
* every template's expressions were parsed (promql.expression_problem); the real
  ones differ only in the values of `slo_id="..."` matchers, which cannot make an
  expression invalid, and the base-rate expressions (user input) are parsed per SLO.

An SLO whose name or service is not inert (or whose description would need Go
template escaping) takes the direct path: its service's rules are built as `Rule`
objects and written by text/rule_layout.py, as every other target's always are.
tests/emit/rules/test_rule_file.py holds the two paths to the same text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Callable, Sequence

from slogen.emit.rules.alerts import alert_rules, template_literal
from slogen.emit.rules.calendar_groups import TIMESLICE_INTERVAL, calendar_rules, forecast_alert_rules, timeslice_rules
from slogen.emit.rules.nodata_rules import no_data_alert_rules
from slogen.emit.rules.policy_rules import exhausted_alert_rules, policy_rules
from slogen.emit.rules.recording import (
    Group,
    Rule,
    Scope,
    base_rules,
    budget_rules,
    correction_rules,
    constant_rules,
    fast_rules,
    hourly_rules,
    long_rules,
    mid_rules,
    rule_file_data,
    short_rules,
)
from slogen.emit.rules.composite_rules import worst_window_rules
from slogen.emit.text.rule_layout import rule_file_text, rules_text, templated_rule_file_text
from slogen.emit.text.templates import MARK, Template, cached, compile_template, placeholder
from slogen.plan import names
from slogen.plan.sli import BaseRates
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import ALERT_INTERVAL, BASE_WINDOW, FAST_WINDOW, HOURLY_INTERVAL, LONG_INTERVAL, MID_INTERVAL, SHORT_INTERVAL
from slogen.spec.promql import expression_problem


def _none(plan: SLOPlan) -> list[Rule]:
    return []


def _no_shared(scope: Scope) -> list[Rule]:
    return []


# (part, interval, the rules written per SLO, the rules written once for a scope's SLOs),
# per-SLO rules first: the shared ones read them in the same evaluation.
PARTS: tuple[tuple[str, int, Callable[[SLOPlan], list[Rule]], Callable[[Scope], list[Rule]]], ...] = (
    # Timeslice SLOs only (calendar.py): slices judged from raw series, before the base
    # rates that count them.
    ("timeslices", TIMESLICE_INTERVAL, timeslice_rules, _no_shared),
    ("sli-short", SHORT_INTERVAL, base_rules, short_rules),
    # A worst composite's windows are its members' maxima (composite_rules.py), before the shared rules read them.
    # The alerts of tiers whose windows are all summed here (windows.alert_interval), after them.
    ("sli-mid", MID_INTERVAL, lambda plan: budget_rules(plan) + worst_window_rules(plan, MID_INTERVAL), lambda scope: mid_rules(scope) + alert_rules(scope, MID_INTERVAL)),
    # Per SLO with one-off exclusions: what each left in the base rates (corrections.py).
    ("sli-hourly", HOURLY_INTERVAL, correction_rules, hourly_rules),
    # Calendar SLOs only (calendar.py), per SLO; the period ratio before sli-long reads it.
    ("calendar", LONG_INTERVAL, lambda plan: calendar_rules(plan) + forecast_alert_rules(plan), _no_shared),
    # Policy state and the exhausted alert right after the remaining budget they read,
    # in the same evaluation: their input changes no more often than this group runs; so
    # do the burn alerts of tiers whose long window is of 1d or more (the default tickets).
    ("sli-long", LONG_INTERVAL, lambda plan: constant_rules(plan) + worst_window_rules(plan, LONG_INTERVAL), lambda scope: long_rules(scope) + policy_rules(scope) + exhausted_alert_rules(scope) + alert_rules(scope, LONG_INTERVAL)),
    # The fast page tier's 1h window, read from the counters in the evaluation of the alerts
    # that read it: no group between a full outage and its page.  Tiers reading a raw window.
    ("alerts", ALERT_INTERVAL, fast_rules, lambda scope: alert_rules(scope) + no_data_alert_rules(scope)),
)


def shared_rules(service: str | None, plans: Sequence[SLOPlan]) -> tuple[tuple[Rule, ...], ...]:
    """The rules written once for all of a service's SLOs (service None: every service's), per part."""
    if not plans:
        return tuple(() for _ in PARTS)
    scope = Scope(service, tuple(plans))
    return tuple(tuple(shared(scope)) for _, _, _, shared in PARTS)


def global_groups(name: str, plans: Sequence[SLOPlan]) -> tuple[Group, ...]:
    """Every service's rules as the groups of one file (`--share-rules global`): per part, each
    SLO's own rules, then the rules shared by all of them, which read those in the same
    evaluation.  One group per part, not four per service: a group's evaluation has a fixed
    price (README: Rules per service), and the fast page reads its 1h ratio with no group between."""
    groups = []
    for (part, interval, build, _), shared in zip(PARTS, shared_rules(None, plans)):
        rules = tuple(rule for plan in plans for rule in build(plan)) + shared
        if rules:
            groups.append(Group(names.group_name(name, part), interval, rules))
    return tuple(groups)


def build_groups(service: str, plans: list[SLOPlan] | tuple[SLOPlan, ...], shared: bool = True, parts=PARTS) -> list[Group]:
    """All rule groups of one service, in evaluation order, empty groups left out (without the
    shared rules when they are written for every service at once); `parts` may replace
    PARTS' per-SLO builders (a split's global file: emit/rules/split.py)."""
    groups = []
    shared_parts = shared_rules(service, plans) if shared else tuple(() for _ in PARTS)
    for (part, interval, build, _), shared_part in zip(parts, shared_parts):
        rules = tuple(rule for plan in plans for rule in build(plan)) + shared_part
        if rules:
            groups.append(Group(name=names.group_name(service, part), interval=interval, rules=rules))
    return groups


def expression_problems(groups: list[Group] | tuple[Group, ...]) -> list[str]:
    """Parse every emitted expression; any failure is a slogen bug, reported, not crashed on."""
    problems = []
    for group in groups:
        for rule in group.rules:
            problem = expression_problem(rule.expr)
            if problem:
                problems.append(f"internal error: generated invalid PromQL for {rule.record or rule.alert} in {group.name}: {problem}")
    return problems


def _identity(plan: SLOPlan) -> list[str] | None:
    """The values the placeholders stand for, or None when the plan must take the direct path."""
    if "{{" in plan.description or plan.alert_templates or plan.exclusion is not None:
        return None  # exclusions: few SLOs, each its own rules
    values = [plan.service, plan.name, *(value for _, value in plan.labels)]
    if plan.description:
        values.append(plan.description)
    values += [plan.rates.events, plan.rates.errors] + ([plan.rates.fast] if plan.rates.fast else [])
    values += [template_literal(value) for sev in plan.severities for _, value in sev.annotations]
    return values


# Identity values 0 and 1 (service, SLO name) may be pasted into a scalar's styled text
# (templates.py): the template is only filled for SLOs whose both are inert.
_PASTED = 2


def _holder(plan: SLOPlan) -> SLOPlan:
    """The plan with placeholders for its identity (in `_identity`'s order): the template key."""
    index = 2 + len(plan.labels)
    labels = tuple((key, placeholder(2 + i)) for i, (key, _) in enumerate(plan.labels))
    description = ""
    if plan.description:
        description = placeholder(index)
        index += 1
    rates = BaseRates(placeholder(index), placeholder(index + 1), placeholder(index + 2) if plan.rates.fast else "")
    index += 3 if plan.rates.fast else 2
    severities = []
    for sev in plan.severities:
        annotations = tuple((key, placeholder(index + i)) for i, (key, _) in enumerate(sev.annotations))
        index += len(annotations)
        severities.append(replace(sev, annotations=annotations))
    # no_data: read by shared rules only, never by a template; its texts must not split templates.
    # team: read by period reports only; keeping it would give every team its own templates.
    return replace(
        plan, service=placeholder(0), name=placeholder(1), labels=labels, description=description, rates=rates,
        severities=tuple(severities), no_data=None, team=None,
    )


@dataclass(frozen=True)
class _Shape:
    """The per-SLO rules of SLOs of one shape: their template (a section per part, empty where
    the part has none), and the problems of their expressions (rule, part, parser message)."""

    template: Template
    parts: tuple[bool, ...]
    problems: tuple[tuple[str, str, str], ...]


def _shape(holder: SLOPlan) -> _Shape | None:
    return cached(("rules", holder), lambda: _make_shape(holder))


def _make_shape(holder: SLOPlan) -> _Shape | None:
    literal = replace(
        holder,
        service="",
        name="",
        labels=tuple((key, "") for key, _ in holder.labels),
        description="",
        rates=BaseRates("", "", ""),
        severities=tuple(replace(sev, annotations=tuple((key, "") for key, _ in sev.annotations)) for sev in holder.severities),
    )
    if MARK in repr(literal):
        return None  # a literal part (a label name, an alert label) reads like a placeholder
    problems: list[tuple[str, str, str]] = []
    per_part = [(part, build(holder)) for part, _, build, _ in PARTS]
    for part, rules in per_part:
        for rule in rules:
            # The base-rate expressions are placeholders here; service_rules checks the real ones.
            problem = expression_problem(rule.expr)
            if problem:
                problems.append((rule.record or rule.alert or "", part, problem))
    template = compile_template(lambda style: [rules_text(rules, style) if rules else "" for _, rules in per_part], _PASTED)
    if template is None:
        return None  # a key or literal the fast writer leaves to PyYAML
    return _Shape(template, tuple(bool(rules) for _, rules in per_part), tuple(problems))


@dataclass(frozen=True)
class ServiceRules:
    """One service's rules: as templates and identity values per SLO, or (direct path) as groups;
    the rules shared by its SLOs, per part, either way."""

    service: str
    plans: tuple[SLOPlan, ...]
    filled: tuple[tuple[_Shape, list[str]], ...] | None
    group_names: tuple[str, ...]
    problems: tuple[str, ...]
    direct: list[Group] | None = field(default=None, compare=False)
    shared: tuple[tuple[Rule, ...], ...] = ()

    @cached_property
    def groups(self) -> tuple[Group, ...]:
        """The rule groups as data (built on first use when the rule file came from templates)."""
        if self.direct is not None:
            return tuple(self.direct)
        return tuple(build_groups(self.service, self.plans, shared=any(self.shared)))

    def text(self, header: str = "") -> str:
        """`header` and the Prometheus rule file: the text of `rule_file_data(self.groups)`."""
        if self.filled is None:
            return rule_file_text(self.groups, header)
        parts = [(names.group_name(self.service, part), interval, shared) for (part, interval, _, _), shared in zip(PARTS, self.shared)]
        slos = [(shape.template, values) for shape, values in self.filled]
        return templated_rule_file_text(parts, slos, lambda: rule_file_data(self.groups), header)


def service_rules(service: str, plans: list[SLOPlan], share: bool = True) -> ServiceRules:
    """The rules of one service, per SLO from templates where every SLO allows it; the shared
    rules too unless `share` is False (they are then written for every service at once)."""
    shared = shared_rules(service, plans) if share else tuple(() for _ in PARTS)
    shared_problems = expression_problems([Group(names.group_name(service, part), 0, rules) for (part, *_), rules in zip(PARTS, shared)])
    filled: list[tuple[_Shape, list[str]]] = []
    for plan in plans:
        values = _identity(plan)
        shape = _shape(_holder(plan)) if values is not None else None
        if shape is None or not shape.template.fits(values):  # type: ignore[arg-type]
            groups = build_groups(service, plans, share)
            return ServiceRules(service, tuple(plans), None, tuple(g.name for g in groups), tuple(expression_problems(groups)), groups, shared)
        filled.append((shape, values))  # type: ignore[arg-type]
    found: list[tuple[str, str, str]] = []
    for (shape, _), plan in zip(filled, plans):
        found += shape.problems
        for record, expr in (
            (names.events_rate(BASE_WINDOW), plan.rates.events),
            (names.errors_rate(BASE_WINDOW), plan.rates.errors),
            (names.error_ratio(FAST_WINDOW), plan.rates.fast),
        ):
            problem = expression_problem(expr) if expr else None
            if problem:
                found.append((record, "sli-short", problem))
    problems = [
        f"internal error: generated invalid PromQL for {rule} in {names.group_name(service, part)}: {problem}" for rule, part, problem in found
    ] + shared_problems
    group_names = tuple(
        names.group_name(service, part)
        for index, (part, *_) in enumerate(PARTS)
        if shared[index] or any(shape.parts[index] for shape, _ in filled)
    )
    return ServiceRules(service, tuple(plans), tuple(filled), group_names, tuple(dict.fromkeys(problems)), shared=shared)
