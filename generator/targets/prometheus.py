"""Plain Prometheus rule files: the shared group model as it is (the default target)."""

from __future__ import annotations

from ..render import to_yaml
from ..rules import Group
from .base import TargetOptions, header

FOLDER = "rules"
EXTENSION = "yml"


def rule_file_data(groups: tuple[Group, ...]) -> dict:
    """`groups:` in Prometheus' rule-file shape; the other targets start from this."""
    return {"groups": [group.as_dict() for group in groups]}


def render(service: str, source: str, groups: tuple[Group, ...], options: TargetOptions) -> str:
    """A rule file for `prometheus --config.file` `rule_files:`."""
    return to_yaml(rule_file_data(groups), header(source))
