"""A `worst` composite's windows: per window, the worst of its members' recorded window ratios.

Every other SLO's window is sum(errors) / sum(events) of its own 5m base rates.  The worst
member over an hour is not the hour's sum of each 5 minutes' worst member (a member bad
for 5 minutes each in turn would read as bad all hour), so these windows are the max of
the members' ratios over the same window, which each member records (build/composites.py
refuses a member that does not).  The 5m window stays the base rates' ratio: the worst
member's 5m ratio, as recorded by plan/composite.py.
"""

from __future__ import annotations

from slogen.emit.rules.recording import Rule
from slogen.plan import names
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import BASE_WINDOW, interval_of
from slogen.spec.durations import format_duration


def is_worst(plan: SLOPlan) -> bool:
    """Whether the plan is a `worst` composite, whose windows are written here, not summed."""
    return plan.composite is not None and plan.composite.method == "worst"


def worst_window_rules(plan: SLOPlan, interval: int) -> list[Rule]:
    """The ratio of each window of `plan` recorded in the group of `interval`: the members' maximum."""
    if not is_worst(plan):
        return []
    assert plan.composite is not None
    ids = "|".join(plan.composite.ids)
    out = []
    for window in plan.windows:
        if window == BASE_WINDOW or interval_of(window) != interval:
            continue
        labels = tuple(sorted({**plan.series_labels, names.LABEL_WINDOW: format_duration(window)}.items()))
        # max ignores a member whose ratio is NaN (no events in the window) unless all are.
        expr = f'max({names.error_ratio(window)}{{{names.LABEL_ID}=~"{ids}"}})'
        out.append(Rule(record=names.error_ratio(window), expr=expr, labels=labels))
    return out
