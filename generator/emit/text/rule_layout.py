"""Rule groups -> the Prometheus rule file's text, written line by line (its layout is fixed).

`rule_file_text` is `render_yaml(rule_file_data(groups))` without building the document:
rule files are the bulk of a large tree.  `templated_rule_file_text` fills a service's
SLOs' templates (emit/rules/rule_file.py) and joins them, part by part, with its shared rules.
tests/emit/rules/test_render_fast.py holds both to PyYAML's text.
"""

from __future__ import annotations

from typing import Callable, Sequence

from slogen.emit.rules.recording import Group, Rule, rule_file_data
from slogen.emit.text.documents import render_layout
from slogen.emit.text.scalars import Styler, block_key, block_scalar
from slogen.emit.text.templates import Template
from slogen.spec.durations import format_duration


def rule_file_text(groups: Sequence[Group], header: str = "") -> str:
    """`header` and the rule file of `groups` (PyYAML's text of `rule_file_data(groups)`)."""
    return render_layout(lambda: _groups_text(groups), lambda: rule_file_data(tuple(groups)), header)


def templated_rule_file_text(
    parts: Sequence[tuple[str, int, Sequence[Rule]]], slos: Sequence[tuple[Template, Sequence[str]]], data: Callable[[], dict], header: str = ""
) -> str:
    """`header` and a rule file made of one group per part (name, interval, shared rules), each
    holding the SLOs' filled template sections for that part (`rules_text` of their rules,
    empty where they have none), then its shared rules; `data()`: the same file as a document."""
    return render_layout(lambda: _filled_text(parts, slos), data, header)


def _filled_text(parts: Sequence[tuple[str, int, Sequence[Rule]]], slos: Sequence[tuple[Template, Sequence[str]]]) -> str:
    filled = [template.fill(values) for template, values in slos]
    out = ["groups:\n"]
    for index, (name, interval, shared) in enumerate(parts):
        sections = [slo[index] for slo in filled if slo[index]]
        if not sections and not shared:
            continue
        out.append("- name:" + block_scalar(name, 2) + "\n")
        out.append("  interval:" + block_scalar(format_duration(interval), 2) + "\n  rules:\n")
        out += sections
        if shared:
            out.append(rules_text(shared))
    return "".join(out)


def _groups_text(groups: Sequence[Group]) -> str:
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


def rules_text(rules: Sequence[Rule], style: Styler = block_scalar) -> str:
    """The lines of `rules` as items of a group's `rules:`, newline-terminated."""
    out: list[str] = []
    rule_lines(rules, out, style)
    return "\n".join(out) + "\n"


def rule_lines(rules: Sequence[Rule], out: list[str], style: Styler = block_scalar) -> None:
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


# Label and annotation blocks repeat on every rule of an SLO: written once, bounded.
_BLOCKS: dict[tuple, str] = {}
_BLOCKS_MAX = 1 << 14


def _block(key: str, pairs: tuple[tuple[str, str], ...], style: Styler) -> str:
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


def _block_text(key: str, pairs: tuple[tuple[str, str], ...], style: Styler) -> str:
    return "\n".join([f"    {key}:"] + [f"      {block_key(k)}:{style(v, 6)}" for k, v in dict(pairs).items()])
