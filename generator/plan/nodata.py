"""Spec -> the opt-in no-data alert of an SLO: its `for`, labels and annotations.

No traffic is not no data: a counter that stops moving still has a 5m events rate
(of 0). The alert is for the SLI reading nothing at all, when the burn-rate alerts
cannot fire whatever happens to the service.
"""

from __future__ import annotations

from dataclasses import dataclass

from slogen.spec.durations import parse_duration
from slogen.spec.model import NoData


@dataclass(frozen=True)
class NoDataPlan:
    """The no-data alert of one SLO."""

    for_seconds: int
    labels: tuple[tuple[str, str], ...]
    annotations: tuple[tuple[str, str], ...]


def no_data_plan(spec: NoData | bool, ticket_labels: dict[str, str]) -> NoDataPlan | None:
    """The plan of `alerting.no_data` (None when off); labels default to the SLO's ticket labels."""
    if spec is False:
        return None
    options = NoData() if spec is True else spec
    labels = dict(options.labels) if options.labels else dict(ticket_labels)
    return NoDataPlan(
        for_seconds=parse_duration(options.for_),
        labels=tuple(sorted(labels.items())),
        annotations=tuple(sorted(options.annotations.items())),
    )
