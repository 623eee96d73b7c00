"""Timeslice SLIs -> the PromQL judging each slice, and base rates counting slices.

A slice is good (1) when its value (error ratio, latency quantile or a query over
the slice) meets the threshold, else bad (0); a slice without traffic (-1) is neither.  The
SLO's events are its slices: the 5m base rates count the slices recorded by
emit/rules/calendar_groups.py (`slo:timeslice_good:bool`), one per slice step of a subquery,
so every rolling window, burn-rate tier and calendar period works on slices unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from slogen.spec.durations import format_duration, just_under, parse_duration
from slogen.spec.model import SLICE_OPS, RatioSLI, TimeslicesSLI, threshold_seconds
from slogen.spec.promql import check_histogram, names_text, parse_query, parse_selector, substitute_window

TS_GOOD = "slo:timeslice_good:bool"
# A slice without traffic is recorded as -1: a sample at every evaluation keeps each
# slice step reading its own slice, even when (promtool) evaluations run between steps.
_IDLE = "(0 * {} - 1)"


@dataclass(frozen=True)
class TimeslicePlan:
    """A timeslice SLI's slice length (seconds) and the PromQL of its good (1) / bad (0) series."""

    slice: int
    good_expr: str
    describe: str


def _by(grouping: tuple[str, ...], extra: str = "") -> str:
    labels = names_text(((extra,) if extra else ()) + grouping)
    return f"sum by ({labels}) " if labels else "sum"


def _on(grouping: tuple[str, ...]) -> str:
    return f"on ({names_text(grouping)})"


def timeslice_plan(ts: TimeslicesSLI, grouping: tuple[str, ...]) -> TimeslicePlan:
    """The judging expression of one timeslice SLI (its PromQL is parsed already)."""
    seconds = parse_duration(ts.slice)
    window = format_duration(seconds)
    by, on = _by(grouping), _on(grouping)
    if ts.ratio_of is not None:
        total, errors = _ratio_parts(ts.ratio_of, window, by, on)
        expr = f"(1 - {errors} / {on} {total})\nand {on}\n({total} > 0)\nor {on}\n{_IDLE.format(total)}"
        return TimeslicePlan(seconds, expr, f"average success ratio of {window} slices")
    cond = ts.good_when
    assert cond is not None
    op = SLICE_OPS[cond.op]
    threshold = threshold_seconds(cond.threshold)
    text = f"{threshold:g}"
    if cond.ratio is not None:
        total, errors = _ratio_parts(cond.ratio, window, by, on)
        value = f"{errors} / {on} {total}"
        expr = f"(({value}) {op} bool {text})\nand {on}\n({total} > 0)\nor {on}\n{_IDLE.format(total)}"
        what = f"error ratio {op} {text}"
    elif cond.latency is not None:
        hist = check_histogram(cond.latency.histogram)
        quantile = f"histogram_quantile({cond.latency.quantile:g}, {_by(grouping, 'le')}(rate({hist.render('_bucket')}[{window}])))"
        count = f"{by}(rate({hist.render('_count')}[{window}]))"
        expr = f"({quantile} {op} bool {text})\nand {on}\n({count} > 0)\nor {on}\n{_IDLE.format(count)}"
        what = f"p{cond.latency.quantile * 100:g} latency {op} {text}s"
    else:
        query = parse_query(substitute_window(cond.query or "", window), "query").prettify()
        # A ratio query over a slice without traffic is 0/0, NaN, which a bool comparison
        # judges bad: such a slice is recorded -1, no slice, as for ratio and latency
        # (`>= -Inf` drops NaN alone, and `or` fills in only what it dropped).
        labels = names_text(grouping)
        group = f"group by ({labels}) " if labels else "group"
        expr = f"(({query}) >= -Inf) {op} bool {text}\nor {on}\n-1 * {group}({query})"
        what = f"query {op} {text}"
    return TimeslicePlan(seconds, expr, f"share of good {window} slices ({what})")


def counted_slices(slice_: int, good_ref: str, window: str) -> str:
    """The slices with traffic ending in a window, one per slice step: 1 (good), 0 (bad) or a success ratio."""
    # Each step reads the one judgement recorded in the slice before it, at any phase of
    # the timeslices group (a second shorter missed all of them at 1 phase in 60).
    return f"(last_over_time({good_ref}[{just_under(slice_)}]) >= 0)[{window}:{format_duration(slice_)}]"


def _ratio_parts(ratio: RatioSLI, window: str, by: str, on: str) -> tuple[str, str]:
    """The slice's total rate and error rate (0 where no error series exists yet)."""
    total = f"{by}(rate({parse_selector(ratio.total, 'total').render()}[{window}]))"
    zero = f"0 * {total}"
    if ratio.errors is not None:
        errors = f"({by}(rate({parse_selector(ratio.errors, 'errors').render()}[{window}])) or {on} {zero})"
    else:
        good = f"({by}(rate({parse_selector(ratio.good or '', 'good').render()}[{window}])) or {on} {zero})"
        errors = f"({total} - {on} {good})"
    return total, errors


def slice_count(slice_: int, good_ref: str, grouping: tuple[str, ...], base: int) -> tuple[str, str]:
    """PromQL of the slices and bad slices per second over the base window."""
    slices = counted_slices(slice_, good_ref, just_under(base))
    by = _by(grouping)
    events = f"{by}(count_over_time({slices})) / {base}"
    errors = f"{by}(count_over_time({slices}) - sum_over_time({slices})) / {base}"
    return events, errors
