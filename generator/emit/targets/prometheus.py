"""Plain Prometheus rule files: the shared group model as it is (the default target).

The rule file's text itself is written by emit/text/rule_layout.py, the one place to read
to change a rule's layout; this module only adds the header.
"""

from __future__ import annotations

from slogen.emit.rules.recording import Group
from slogen.emit.text.rule_layout import rule_file_text
from slogen.emit.targets.base import Target, header

FOLDER = "rules"
EXTENSION = "yml"


def render(service: str, source: str, groups: tuple[Group, ...], options: object = None) -> str:
    """A rule file for `prometheus --config.file` `rule_files:`: `rule_file_data` as `render_yaml` writes it."""
    return rule_file_text(groups, header(source))


def from_text(source: str, text) -> str:
    """The rule file from its own text (rule_file.ServiceRules.text: templates where they apply)."""
    return text(header(source))


TARGET = Target("prometheus", FOLDER, EXTENSION, render, from_text=from_text)
