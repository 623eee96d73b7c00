"""Grafana Mimir and Cortex rulers: the file `mimirtool rules load` (or cortextool) takes.

One namespace per service, named after it, so `mimirtool rules sync --namespaces`
can manage exactly one service. The groups carry only `name`, `interval` and
`rules`: all three are accepted by both rulers, and the options only they know
(`source_tenants`, `query_offset`, `evaluation_delay`) change evaluation semantics a
spec does not ask for.
"""

from __future__ import annotations

from slogen.emit.render import to_yaml
from slogen.emit.rules.recording import Group
from slogen.emit.rules.rule_file import rule_file_data
from slogen.emit.targets.base import TargetOptions, header

FOLDER = "mimir"
EXTENSION = "yaml"


def render(service: str, source: str, groups: tuple[Group, ...], options: TargetOptions) -> str:
    """A mimirtool rule file: `namespace: <service>` and the groups."""
    return to_yaml({"namespace": service, **rule_file_data(groups)}, header(source))
