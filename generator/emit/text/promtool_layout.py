"""Scenarios -> the `promtool test rules` file's text, written line by line (its layout is fixed).

Test files are a third of a large tree's output.  A file's test groups each hold the
k-th scenario of every SLO of a sharing lane (emit/promtool/lanes.py), so each SLO's
scenarios are written as sections (`scenario_sections`), from its template or directly,
and interleaved here.  tests/emit/promtool/test_promtool.py holds the text to PyYAML's
text of the same document (service_tests.test_file_data).
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from slogen.emit.text.documents import render_layout
from slogen.emit.text.scalars import Styler, block_scalar, memo_styler, yaml_number

# One SLO's scenario as its test group holds it: the name (with notes), the input series
# (notation, values) and the checks (expression, eval time, samples (labels, value)).
ScenarioData = tuple[str, Sequence[tuple[str, str]], Sequence[tuple[str, str, Sequence[tuple[str, float]]]]]
# Per sharing lane, per SLO: its `scenario_sections`.
Lanes = Sequence[Sequence[Sequence[str]]]
# Sections per scenario: its name, its input_series lines, its promql_expr_test lines.
_SECTIONS = 3


def promtool_file_text(
    head: tuple[Sequence[str], str, Sequence[str]],
    interval: str,
    lanes: Callable[[Styler], Lanes],
    data: Callable[[], Any],
    header: str = "",
) -> str:
    """`header` and a test file: `head` (rule files, evaluation interval, group order), then
    per lane of `lanes(style)` one group per k-th scenario of its SLOs, inputs every `interval`;
    `data()`: the same file as a document."""
    return render_layout(lambda: _file_text(head, interval, lanes), data, header)


def _file_text(head: tuple[Sequence[str], str, Sequence[str]], interval: str, lanes: Callable[[Styler], Lanes]) -> str:
    # Label sets, selectors and counter values repeat across a file's checks: each
    # distinct text is styled once per file.
    style = memo_styler()
    rule_paths, evaluation_interval, group_order = head
    out = [
        "rule_files:",
        *("-" + style(path, 0) for path in rule_paths),
        "evaluation_interval:" + style(evaluation_interval, 0),
    ]
    if group_order:
        out.append("group_eval_order:")
        out += ["-" + style(name, 0) for name in group_order]
    else:
        out.append("group_eval_order: []")
    written = lanes(style)
    if not written:
        out.append("tests: []")
        return "\n".join(out) + "\n"
    out.append("tests:")
    chunks = ["\n".join(out), "\n"]
    interval_line = "  interval:" + style(interval, 2) + "\n  input_series:\n"
    for lane in written:
        for k in range(0, max(len(sections) for sections in lane), _SECTIONS):
            parts = [sections[k:k + _SECTIONS] for sections in lane if k < len(sections)]
            chunks.append("- name:" + style(" | ".join(name for name, _, _ in parts), 2) + "\n")
            chunks.append(interval_line)
            chunks += [series for _, series, _ in parts]
            chunks.append("  promql_expr_test:\n")
            chunks += [checks for _, _, checks in parts]
    return "".join(chunks)


def scenario_sections(scenarios: Sequence[ScenarioData], style: Styler = block_scalar) -> list[str]:
    """One SLO's scenarios as sections: per scenario its raw name, its input_series lines and
    its promql_expr_test lines (newline-terminated), scalars written by `style`."""
    sections: list[str] = []
    for name, series, checks in scenarios:
        inputs: list[str] = []
        for notation, values in series:
            inputs.append("  - series:" + style(notation, 4))
            inputs.append("    values:" + style(values, 4))
        lines: list[str] = []
        for expr, at, samples in checks:
            lines.append("  - expr:" + style(expr, 4))
            lines.append("    eval_time:" + style(at, 4))
            if not samples:
                lines.append("    exp_samples: []")
                continue
            lines.append("    exp_samples:")
            for labels, value in samples:
                lines.append("    - labels:" + style(labels, 6))
                lines.append("      value: " + yaml_number(value))
        sections += [name, "\n".join(inputs) + "\n", "\n".join(lines) + "\n"]
    return sections
