"""Timeslice SLIs -> the counters that drive them and the error share of a good and a bad slice. Pure.

A slice is judged good or bad by its condition (`good_when`: a ratio, a latency quantile
or a slice query, against a threshold) or counts as its success ratio (`ratio_of`).
Inputs are found for the shapes slogen can drive; any other raises SeriesError and the
SLO is reported untested (service_tests.py).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, replace

import promql_parser as pp

from slogen.emit.promtool.series import SeriesError, SyntheticSeries, histogram_series, inferred_counters, ratio_series
from slogen.spec.durations import format_duration, parse_duration
from slogen.spec.model import RatioSLI, TimeslicesSLI
from slogen.spec.promql import SLIError, parse_query, substitute_window

RATIO_OF_BAD = 0.25  # a bad slice's error ratio under ratio_of: it counts as 0.75 of a good one
# How far inside and outside its threshold a slice's error ratio is put.
MARGIN = 0.1


@dataclass(frozen=True)
class SliceInputs:
    """The counters driving one timeslice SLI, and the error share of its good and bad slices."""

    series: tuple[SyntheticSeries, ...]
    good: float
    bad: float
    # A slice's value: 1 or 0 (good_when), or its success ratio (ratio_of).
    fractional: bool = False

    def failing(self) -> SliceInputs:
        """The inputs of an outage: a bad slice's every event fails (its value 0 under ratio_of too)."""
        return replace(self, bad=1.0) if self.fractional else self

    def value(self, kind: str) -> float:
        """What a good or bad slice counts as."""
        if self.fractional:
            return 1.0 - (self.good if kind == "good" else self.bad)
        return 1.0 if kind == "good" else 0.0


# A slice condition's operators (spec.model.SLICE_OPS) in Python.
_OPS = {"lt": operator.lt, "lte": operator.le, "gt": operator.gt, "gte": operator.ge}


def _sides(threshold: float, op: str) -> tuple[float, float]:
    """Error ratios just inside (good) and just outside (bad) `op threshold`, within [0, 1]."""
    below = threshold * (1 - MARGIN) if threshold > 0 else -1.0
    above = min(threshold * (1 + MARGIN), (threshold + 1) / 2) if threshold > 0 else MARGIN
    good, bad = (below, above) if op in ("lt", "lte") else (above, below)
    holds = _OPS[op]
    if not (0 <= good <= 1 and 0 <= bad <= 1 and holds(good, threshold) and not holds(bad, threshold)):
        raise SeriesError("good_when.threshold", f"no error ratio in [0, 1] falls on each side of {op} {threshold:g}")
    return good, bad


def slice_inputs(ts: TimeslicesSLI, grouping: tuple[str, ...]) -> SliceInputs:
    """Counters and error shares for a timeslice SLI (SeriesError when none can drive it)."""
    try:
        if ts.ratio_of is not None:
            return SliceInputs(ratio_series(ts.ratio_of, grouping, prefix="ratio_of."), 0.0, RATIO_OF_BAD, fractional=True)
        cond = ts.good_when
        assert cond is not None
        if cond.ratio is not None:
            good, bad = _sides(float(cond.threshold), cond.op)
            return SliceInputs(ratio_series(cond.ratio, grouping, prefix="good_when.ratio."), good, bad)
        if cond.latency is not None:
            # histogram_series puts a share r of events above the threshold: the quantile
            # q is under it while r < 1 - q, over it beyond.
            tail = 1 - cond.latency.quantile
            under, over = tail / 2, min(1.0, 2 * tail)
            good, bad = (under, over) if cond.op in ("lt", "lte") else (over, under)
            series = histogram_series(cond.latency.histogram, cond.threshold, grouping)
            return SliceInputs(series, good, bad)
        assert cond.query is not None
        shape = _ratio_query(substitute_window(cond.query, format_duration(parse_duration(ts.slice))), parse_duration(ts.slice))
        if shape is not None:
            # The slice's value is r or 1 - r for a share r of the numerator's traffic.
            ratio, complemented = shape
            series = ratio_series(ratio, grouping, prefix="good_when.query.")
            flip = {"lt": "gt", "lte": "gte", "gt": "lt", "gte": "lte"}
            threshold = float(cond.threshold)
            good, bad = _sides(1 - threshold, flip[cond.op]) if complemented else _sides(threshold, cond.op)
            return SliceInputs(series, good, bad)
    except SLIError as err:
        raise SeriesError(err.field, str(err)) from None
    raise SeriesError(
        "good_when.query",
        "a slice query other than a ratio of summed counter rates over the slice (`sum(rate(a[{{window}}])) / "
        "sum(rate(b[{{window}}]))`, or 1 minus one) has no counters slogen can drive: its slices are not tested",
    )


def _matrices(expr: object) -> list[pp.MatrixSelector]:
    """Every range selector in a parsed query."""
    if isinstance(expr, pp.MatrixSelector):
        return [expr]
    found = []
    for attr in ("expr", "lhs", "rhs", "args", "param"):
        child = getattr(expr, attr, None)
        for item in child if isinstance(child, list) else [child]:
            if isinstance(item, pp.Expr):
                found += _matrices(item)
    return found


def _unwrap(expr: pp.Expr) -> pp.Expr:
    while isinstance(expr, pp.ParenExpr):
        expr = expr.expr
    return expr


def _ratio_query(query: str, slice_: int) -> tuple[RatioSLI, bool] | None:
    """A slice query `A / B` or `1 - A / B` of summed counter rates over the slice (OpenSLO's
    Timeslices ratioMetric of rate queries converts to these): A and B as counters, and
    whether the value is 1 minus their ratio.  A rate over another range than the slice
    mixes slices, which the tests' count cannot follow."""
    expr = _unwrap(parse_query(query, "good_when.query"))
    ranges = {m.range.total_seconds() for m in _matrices(expr)}
    if ranges != {slice_}:
        return None
    complemented = isinstance(expr, pp.BinaryExpr) and str(expr.op) == "-" and isinstance(_unwrap(expr.lhs), pp.NumberLiteral)
    if complemented:
        if _unwrap(expr.lhs).val != 1:
            return None
        expr = _unwrap(expr.rhs)
    if not (isinstance(expr, pp.BinaryExpr) and str(expr.op) == "/" and expr.modifier is None):
        return None
    ratio = inferred_counters(_unwrap(expr.lhs).prettify(), _unwrap(expr.rhs).prettify())
    return (ratio, complemented) if ratio is not None else None

