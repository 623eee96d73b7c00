"""Plain Prometheus rule files: the shared group model as it is (the default target).

The rule file's text itself is written by emit/rules/rule_file.py, the one place to read
to change a rule; this module only adds the header.
"""

from __future__ import annotations

from slogen.emit.render import FastPathUnsupported, to_yaml
from slogen.emit.rules.recording import Group
from slogen.emit.rules.rule_file import rule_file_data, rule_file_text
from slogen.emit.targets.base import Target, header

FOLDER = "rules"
EXTENSION = "yml"


def render(service: str, source: str, groups: tuple[Group, ...], options: object = None) -> str:
    """A rule file for `prometheus --config.file` `rule_files:`: `rule_file_data` as `to_yaml` writes it."""
    try:
        return header(source) + rule_file_text(groups)
    except FastPathUnsupported:
        return to_yaml(rule_file_data(groups), header(source))


def from_text(source: str, text) -> str:
    """The rule file from its own text (rule_file.ServiceRules.text: templates where they apply)."""
    return header(source) + text()


TARGET = Target("prometheus", FOLDER, EXTENSION, render, from_text=from_text)
