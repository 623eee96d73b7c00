"""Thanos Ruler files: Prometheus groups plus `partial_response_strategy`.

Every group aborts on a partial response, the recording groups too, not only the
alerts Thanos recommends it for: the long windows add up recorded points for the
whole SLO period, so one ratio recorded from half the stores skews the budget for
30 days, while a missed evaluation only leaves a gap the traffic-weighted sums skip.
"""

from __future__ import annotations

from slogen.emit.rules.recording import Group
from slogen.emit.text.documents import render_yaml
from slogen.emit.targets.base import Target, header

FOLDER = "thanos"
EXTENSION = "yml"
PARTIAL_RESPONSE_STRATEGY = "abort"


def group_data(group: Group) -> dict:
    """One group with the strategy placed before its rules, for readability."""
    data = group.as_dict()
    rules = data.pop("rules")
    return {**data, "partial_response_strategy": PARTIAL_RESPONSE_STRATEGY, "rules": rules}


def render(service: str, source: str, groups: tuple[Group, ...], options: object = None) -> str:
    """A rule file for `thanos rule --rule-file`."""
    return render_yaml({"groups": [group_data(group) for group in groups]}, header(source))


TARGET = Target("thanos", FOLDER, EXTENSION, render)
