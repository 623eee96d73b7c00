"""Plans -> a service's rule groups, and its Prometheus rule file written from shared templates.

The rules of SLOs that share their numbers, label names and alerting differ only in
their identity (service, name, label values, description, annotation values) and in
their SLI's base-rate expressions.  Such SLOs share one template per part (group) of
the rule file: the text written, the usual way, for a stand-in plan whose identity is
placeholders, with holes where the real SLO's text goes.  A 10,000-SLO tree comes down
to a few dozen templates; filling them skips building and styling ~250,000 rules.

Filling is exact by construction:

* a scalar holding identity text is styled again from its real text at fill time,
  unless the only identity in it is the service and SLO name, both "inert"
  (render.inert), and it starts and ends with template text and holds a character no
  YAML resolver accepts: then its style cannot depend on them and they are pasted in;
* every template's expressions were parsed (promql.expression_problem); the real
  ones differ only in the values of `slo_id="..."` matchers, which cannot make an
  expression invalid, and the base-rate expressions (user input) are parsed per SLO.

An SLO whose name or service is not inert (or whose description would need Go
template escaping) takes the direct path: its service's rules are built as `Rule`
objects and written by `rule_file_text` below, as every other target's always are.
tests/emit/rules/test_rule_file.py holds the two paths to the same text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Callable, Sequence

from slogen.emit.render import PLACEHOLDER_MARK, FastPathUnsupported, block_key, block_scalar, inert, placeholder
from slogen.emit.rules.alerts import alert_rules, template_literal
from slogen.emit.rules.calendar_groups import TIMESLICE_INTERVAL, calendar_rules, forecast_alert_rules, timeslice_rules
from slogen.emit.rules.nodata_rules import no_data_alert_rules
from slogen.emit.rules.policy_rules import exhausted_alert_rules, policy_rules
from slogen.emit.rules.recording import (
    Group,
    Rule,
    Scope,
    base_rules,
    constant_rules,
    fast_rules,
    hourly_rules,
    long_rules,
    mid_rules,
    short_rules,
)
from slogen.plan import names
from slogen.plan.sli import BaseRates
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import ALERT_INTERVAL, BASE_WINDOW, FAST_WINDOW, HOURLY_INTERVAL, LONG_INTERVAL, MID_INTERVAL, SHORT_INTERVAL
from slogen.spec.durations import format_duration
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
    ("sli-mid", MID_INTERVAL, _none, mid_rules),
    ("sli-hourly", HOURLY_INTERVAL, _none, hourly_rules),
    # Calendar SLOs only (calendar.py), per SLO; the period ratio before sli-long reads it.
    ("calendar", LONG_INTERVAL, lambda plan: calendar_rules(plan) + forecast_alert_rules(plan), _no_shared),
    # Policy state and the exhausted alert right after the remaining budget they read,
    # in the same evaluation: their input changes no more often than this group runs.
    ("sli-long", LONG_INTERVAL, constant_rules, lambda scope: long_rules(scope) + policy_rules(scope) + exhausted_alert_rules(scope)),
    # The fast page tier's 1h window, read from the counters in the evaluation of the alerts
    # that read it: no group between a full outage and its page.
    ("alerts", ALERT_INTERVAL, fast_rules, lambda scope: alert_rules(scope) + no_data_alert_rules(scope)),
)


def shared_rules(service: str | None, plans: Sequence[SLOPlan]) -> tuple[tuple[Rule, ...], ...]:
    """The rules written once for all of a service's SLOs (service None: every service's), per part."""
    if not plans:
        return tuple(() for _ in PARTS)
    scope = Scope(service, tuple(plans))
    return tuple(tuple(shared(scope)) for _, _, _, shared in PARTS)


def global_groups(name: str, plans: Sequence[SLOPlan]) -> tuple[Group, ...]:
    """The shared rules of every service's SLOs, as the groups of one file (`--share-rules global`)."""
    return tuple(
        Group(names.group_name(name, part), interval, rules)
        for (part, interval, _, _), rules in zip(PARTS, shared_rules(None, plans))
        if rules
    )


def global_eval_order(service: str, own: Sequence[str], plans: Sequence[SLOPlan], name: str) -> tuple[str, ...]:
    """Group order for promtool when a service's shared rules live in the global file: per part,
    the service's own group (what the shared rules read) before the shared one."""
    order = []
    for (part, _, _, _), shared in zip(PARTS, shared_rules(service, plans)):
        order += [group for group in (names.group_name(service, part),) if group in own]
        if shared:
            order.append(names.group_name(name, part))
    return tuple(order)


def build_groups(service: str, plans: list[SLOPlan] | tuple[SLOPlan, ...], shared: bool = True) -> list[Group]:
    """All rule groups of one service, in evaluation order, empty groups left out (without the
    shared rules when they are written for every service at once)."""
    groups = []
    shared_parts = shared_rules(service, plans) if shared else tuple(() for _ in PARTS)
    for (part, interval, build, _), shared_part in zip(PARTS, shared_parts):
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


_MARK = PLACEHOLDER_MARK
_HOLE = re.compile(rf"( {_MARK}D\d+x|{_MARK}\d+x)")
_PLACEHOLDER = re.compile(rf"{_MARK}(\d+)x")
_ENDS_WITH_PLACEHOLDER = re.compile(rf"{_MARK}\d+x\Z")
# Identity values 0 and 1 (service, SLO name) may be pasted into a scalar's styled text.
_PASTED = 2
# No YAML 1.1 resolver (bool, int, float, null, timestamp, merge, value) reads these.
_UNRESOLVABLE = re.compile(r'[{}"(),]')


@dataclass(frozen=True)
class _Chunk:
    """One SLO's rules of one part as text: literal pieces with holes at `holes`' positions."""

    pieces: tuple[str, ...]
    # (position, index): an identity value to paste (index >= 0) or restyled scalar ~index.
    holes: tuple[tuple[int, int], ...]

    def fill(self, values: list[str], styled: list[str]) -> str:
        """The text for one SLO's identity values and restyled scalars."""
        out = list(self.pieces)
        for position, index in self.holes:
            out[position] = values[index] if index >= 0 else styled[~index]
        return "".join(out)


@dataclass(frozen=True)
class _Template:
    """The chunks of one SLO shape, per part (None where it has no rules), and its expressions' problems."""

    chunks: tuple[_Chunk | None, ...]
    # Scalars styled per SLO from their real text: pieces (literal or identity index) and indentation.
    restyled: tuple[tuple[tuple[str | int, ...], int], ...]
    problems: tuple[tuple[str, str, str], ...]  # (rule, part, parser message)

    def styled(self, values: list[str]) -> list[str]:
        """Each restyled scalar for one SLO (the same label value on every rule is styled once);
        raises FastPathUnsupported like block_scalar."""
        return [block_scalar("".join(values[p] if type(p) is int else p for p in parts), indent) for parts, indent in self.restyled]  # type: ignore[misc]


def _identity(plan: SLOPlan) -> list[str] | None:
    """The values the placeholders stand for, or None when the plan must take the direct path."""
    if not (inert(plan.service) and inert(plan.name)) or "{{" in plan.description:
        return None
    values = [plan.service, plan.name, *(value for _, value in plan.labels)]
    if plan.description:
        values.append(plan.description)
    values += [plan.rates.events, plan.rates.errors] + ([plan.rates.fast] if plan.rates.fast else [])
    values += [template_literal(value) for sev in plan.severities for _, value in sev.annotations]
    return values


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
    return replace(
        plan, service=placeholder(0), name=placeholder(1), labels=labels, description=description, rates=rates,
        severities=tuple(severities), no_data=None,
    )


_TEMPLATES: dict[SLOPlan, _Template | None] = {}
_TEMPLATES_MAX = 1 << 10


def _template(holder: SLOPlan) -> _Template | None:
    template = _TEMPLATES.get(holder, False)
    if template is False:
        try:
            template = _make_template(holder)
        except FastPathUnsupported:
            template = None  # a key or literal the fast writer leaves to PyYAML
        if len(_TEMPLATES) >= _TEMPLATES_MAX:
            _TEMPLATES.clear()
        _TEMPLATES[holder] = template
    return template  # type: ignore[return-value]


def _make_template(holder: SLOPlan) -> _Template | None:
    literal = replace(
        holder,
        service="",
        name="",
        labels=tuple((key, "") for key, _ in holder.labels),
        description="",
        rates=BaseRates("", "", ""),
        severities=tuple(replace(sev, annotations=tuple((key, "") for key, _ in sev.annotations)) for sev in holder.severities),
    )
    if _MARK in repr(literal):
        return None  # a literal part (a label name, an alert label) reads like a placeholder
    chunks: list[_Chunk | None] = []
    problems: list[tuple[str, str, str]] = []
    restyled: dict[tuple[tuple[str | int, ...], int], int] = {}
    for part, _, build, _ in PARTS:
        rules = build(holder)
        if not rules:
            chunks.append(None)
            continue
        for rule in rules:
            # The base-rate expressions are placeholders here; service_rules checks the real ones.
            problem = expression_problem(rule.expr)
            if problem:
                problems.append((rule.record or rule.alert or "", part, problem))
        chunks.append(_chunk(rules, restyled))
    return _Template(tuple(chunks), tuple(restyled), tuple(problems))


def _chunk(rules: list[Rule], restyled: dict[tuple[tuple[str | int, ...], int], int]) -> _Chunk:
    def style(text: str, indent: int) -> str:
        if _MARK not in text or _pastable(text):
            return block_scalar(text, indent)
        index = restyled.setdefault((_split(text), indent), len(restyled))
        return f" {_MARK}D{index}x"

    out: list[str] = []
    rule_lines(rules, out, style)
    pieces = _HOLE.split("\n".join(out) + "\n")
    holes = []
    for position in range(1, len(pieces), 2):
        token = pieces[position].strip()[len(_MARK):-1]
        holes.append((position, ~int(token[1:]) if token.startswith("D") else int(token)))
    return _Chunk(tuple(pieces), tuple(holes))


def _pastable(text: str) -> bool:
    """Whether the real text of this scalar can be pasted into its template's styled text."""
    indices = [int(i) for i in _PLACEHOLDER.findall(text)]
    return (
        all(i < _PASTED for i in indices)
        and not text.startswith(_MARK)
        and not _ENDS_WITH_PLACEHOLDER.search(text)
        and bool(_UNRESOLVABLE.search(text))
    )


def _split(text: str) -> tuple[str | int, ...]:
    """Literal pieces and identity indices, in order."""
    parts = _PLACEHOLDER.split(text)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts) if p or i % 2)


@dataclass(frozen=True)
class ServiceRules:
    """One service's rules: as templates and identity values per SLO, or (direct path) as groups;
    the rules shared by its SLOs, per part, either way."""

    service: str
    plans: tuple[SLOPlan, ...]
    filled: tuple[tuple[_Template, list[str]], ...] | None
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

    def text(self) -> str:
        """The Prometheus rule file's text: `rule_file_text(self.groups)`."""
        if self.filled is None:
            return rule_file_text(self.groups)
        slos = [(template, values, template.styled(values)) for template, values in self.filled]
        out = ["groups:\n"]
        for index, (part, interval, _, _) in enumerate(PARTS):
            chunks = [(template.chunks[index], values, styled) for template, values, styled in slos if template.chunks[index] is not None]
            shared = self.shared[index]
            if not chunks and not shared:
                continue
            out.append("- name:" + block_scalar(names.group_name(self.service, part), 2) + "\n")
            out.append("  interval:" + block_scalar(format_duration(interval), 2) + "\n  rules:\n")
            out += [chunk.fill(values, styled) for chunk, values, styled in chunks]  # type: ignore[union-attr]
            if shared:
                lines: list[str] = []
                rule_lines(shared, lines)
                out.append("\n".join(lines) + "\n")
        return "".join(out)


def service_rules(service: str, plans: list[SLOPlan], share: bool = True) -> ServiceRules:
    """The rules of one service, per SLO from templates where every SLO allows it; the shared
    rules too unless `share` is False (they are then written for every service at once)."""
    shared = shared_rules(service, plans) if share else tuple(() for _ in PARTS)
    shared_problems = expression_problems([Group(names.group_name(service, part), 0, rules) for (part, *_), rules in zip(PARTS, shared)])
    filled: list[tuple[_Template, list[str]]] = []
    for plan in plans:
        values = _identity(plan)
        template = _template(_holder(plan)) if values is not None else None
        if template is None:
            groups = build_groups(service, plans, share)
            return ServiceRules(service, tuple(plans), None, tuple(g.name for g in groups), tuple(expression_problems(groups)), groups, shared)
        filled.append((template, values))  # type: ignore[arg-type]
    found: list[tuple[str, str, str]] = []
    for (template, _), plan in zip(filled, plans):
        found += template.problems
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
        if shared[index] or any(t.chunks[index] is not None for t, _ in filled)
    )
    return ServiceRules(service, tuple(plans), tuple(filled), group_names, tuple(dict.fromkeys(problems)), shared=shared)


# The direct path: `Rule` objects -> text. Every target starts from these.

def rule_file_data(groups: tuple[Group, ...]) -> dict:
    """`groups:` in Prometheus' rule-file shape; the other targets start from this."""
    return {"groups": [group.as_dict() for group in groups]}


# Label and annotation blocks repeat on every rule of an SLO: rendered once, bounded.
_BLOCKS: dict[tuple, str] = {}
_BLOCKS_MAX = 1 << 14


def _block(key: str, pairs: tuple[tuple[str, str], ...], style: Callable[[str, int], str] = block_scalar) -> str:
    """`    key:` and its string mapping, as lines at a rule's indentation."""
    if style is not block_scalar:
        return _block_text(key, pairs, style)
    cached = _BLOCKS.get((key, pairs))
    if cached is None:
        cached = _block_text(key, pairs, style)
        if len(_BLOCKS) >= _BLOCKS_MAX:
            _BLOCKS.clear()
        _BLOCKS[(key, pairs)] = cached
    return cached


def _block_text(key: str, pairs: tuple[tuple[str, str], ...], style: Callable[[str, int], str]) -> str:
    return "\n".join([f"    {key}:"] + [f"      {block_key(k)}:{style(v, 6)}" for k, v in dict(pairs).items()])


def rule_file_text(groups: tuple[Group, ...]) -> str:
    """`to_yaml(rule_file_data(groups))` written directly (rule files are the bulk of a
    large tree; tests/emit/rules/test_render_fast.py holds the two to the same text)."""
    out = ["groups:"]
    for group in groups:
        out.append("- name:" + block_scalar(group.name, 2))
        out.append("  interval:" + block_scalar(format_duration(group.interval), 2))
        if not group.rules:
            out.append("  rules: []")
            continue
        out.append("  rules:")
        rule_lines(group.rules, out)
    return "\n".join(out) + "\n"


def rule_lines(rules: Sequence[Rule], out: list[str], style: Callable[[str, int], str] = block_scalar) -> None:
    """Append the lines of `rules` as items of a group's `rules:`, scalars written by `style`."""
    for rule in rules:
        out.append("  - record:" + style(rule.record, 4) if rule.record else "  - alert:" + style(rule.alert or "", 4))
        out.append("    expr:" + style(rule.expr, 4))
        if rule.for_:
            out.append("    for:" + style(rule.for_, 4))
        if rule.labels:
            out.append(_block("labels", rule.labels, style))
        if rule.annotations:
            out.append(_block("annotations", rule.annotations, style))
