"""Corrections after the fact: windows of 1d and more leave out what a past one-off exclusion covers.

The gate (plan/exclusions.py) zeroes the 5m base rates while an exclusion is in the spec,
but history recorded before it was added cannot be rewritten.  A one-off's bounds are
constants, so each window of a day or more (summed from the hourly series) subtracts,
per one-off [from, to + tail) = D seconds ending at E, what the base rates recorded then:

    avg_over_time(slo:sli_errors:rate5m{...}[D] @ E) * D / 3600

in the hourly series' units (each hourly point is the average rate of an hour), times
the share of the exclusion still inside the window: 1 while the window holds all of
it, falling linearly to 0 as the window's start passes through it, and 0 until E has
passed.  Where the gate was on while the time passed, the base rates it recorded are 0
and so is the correction: the two never count the same time twice.  So an exclusion
entered today moves the 30d budget at the long group's next evaluation (3m).
"""

from __future__ import annotations

from typing import Sequence

from slogen.plan import names
from slogen.plan.slo import SLOPlan
from slogen.plan.windows import BASE_WINDOW, HOUR
from slogen.spec.durations import format_duration


def one_offs(plan: SLOPlan) -> tuple[tuple[int, int, str], ...]:
    """(start, end with tail, count_as) of each one-off exclusion of an SLO."""
    if plan.exclusion is None:
        return ()
    return tuple((w.start, w.end + w.tail, w.count_as) for w in plan.exclusion.windows if w.kind == "one-off")


def clip(start: int, end: int, window: int) -> str:
    """The share of [start, end) inside the window ending now, once `end` has passed (PromQL, no labels)."""
    return f"clamp(({end + window} - vector(time())) / {end - start}, 0, 1) * (vector(time()) >= bool {end})"


def excluded(plan: SLOPlan, metric: str, window: int, by: str, spans: Sequence[tuple[int, int, str]]) -> str:
    """PromQL of what the one-offs `spans` left in a window of the hourly sums of `metric`."""
    terms = []
    for start, end, _ in spans:
        length = end - start
        recorded = f"{by}(avg_over_time({plan.selector(metric)}[{format_duration(length)}] @ {end}))"
        terms.append(f"{recorded} * {length} / {HOUR}\n* on () group_left ()\n({clip(start, end, window)})")
    return "\n+\n".join(f"({term})" for term in terms)


def corrected(plan: SLOPlan, window: int, by: str) -> str:
    """The error ratio over a window of 1d or more of one SLO, its past one-offs left out."""
    spans = one_offs(plan)
    parts = []
    for rate, kept in ((names.errors_rate, spans), (names.events_rate, [s for s in spans if s[2] == "absent"])):
        total = f"{by}(sum_over_time({plan.selector(rate(HOUR))}[{format_duration(window)}]))"
        if kept:
            # `or 0 *`: a group that recorded nothing then is corrected by nothing, not dropped.
            total = f"{total}\n- (\n{excluded(plan, rate(BASE_WINDOW), window, by, kept)}\nor 0 * {total}\n)"
        parts.append(total)
    return f"(\n{parts[0]}\n)\n/\n(\n{parts[1]}\n)"
