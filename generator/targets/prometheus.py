"""Plain Prometheus rule files: the shared group model as it is (the default target)."""

from __future__ import annotations

from typing import Callable, Sequence

from ..durations import format_duration
from ..render import FastPathUnsupported, block_key, block_scalar, to_yaml
from ..rules import Group, Rule
from .base import TargetOptions, header

FOLDER = "rules"
EXTENSION = "yml"


def rule_file_data(groups: tuple[Group, ...]) -> dict:
    """`groups:` in Prometheus' rule-file shape; the other targets start from this."""
    return {"groups": [group.as_dict() for group in groups]}


def render(service: str, source: str, groups: tuple[Group, ...], options: TargetOptions) -> str:
    """A rule file for `prometheus --config.file` `rule_files:`: `rule_file_data` as `to_yaml` writes it."""
    try:
        return header(source) + rule_file_text(groups)
    except FastPathUnsupported:
        return to_yaml(rule_file_data(groups), header(source))


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
    large tree; tests/test_render_fast.py holds the two to the same text)."""
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
