"""Timeslice SLIs -> the PromQL judging each slice, and base rates counting slices.

A slice is good (1) when its value (error ratio, latency quantile or a query over
the slice) meets the threshold, else bad (0); a slice without traffic (-1) is neither.  The
SLO's events are its slices: the 5m base rates count the slices recorded by
emit/rules/calendar_groups.py (`slo:timeslice_good:bool`), one per slice step of a subquery,
so every rolling window, burn-rate tier and calendar period works on slices unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import promql_parser as pp

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
        query = missing_part_reads_zero(parse_query(substitute_window(cond.query or "", window), "query"))
        # A ratio query over a slice without traffic is 0/0, NaN, which a bool comparison
        # judges bad: such a slice is recorded -1, no slice, as for ratio and latency
        # (`>= -Inf` drops NaN alone, and `or` fills in only what it dropped).
        labels = names_text(grouping)
        group = f"group by ({labels}) " if labels else "group"
        expr = f"(({query}) >= -Inf) {op} bool {text}\nor {on}\n-1 * {group}({query})"
        what = f"query {op} {text}"
    return TimeslicePlan(seconds, expr, f"share of good {window} slices ({what})")


def missing_part_reads_zero(expr: pp.Expr) -> str:
    """A slice query whose ratio (`good / total`, `1 - bad / total`) reads a missing numerator as 0.

    When every request fails, `sum(rate(x{code="200"}[1m]))` has no series: its slice would
    vanish instead of counting as bad (and a missing `bad` would drop a good slice), where an
    occurrence SLI reads the missing part as 0 beside a total with data.  The numerator is
    filled in from the denominator's series, so a slice without traffic stays 0/0 (no slice).
    """
    filled = _fill_numerator(expr)
    if filled is not None:
        try:
            pp.parse(filled)
            return filled
        except ValueError:
            pass  # a scalar side: `or` takes vectors only, and a scalar is never missing
    return expr.prettify()


def _fill_numerator(expr: pp.Expr) -> str | None:
    """The query's text with the numerator of its outer ratio filled in; None if it has none."""
    if isinstance(expr, pp.ParenExpr):
        inner = _fill_numerator(expr.expr)
        return None if inner is None else f"({inner})"
    if not isinstance(expr, pp.BinaryExpr):
        return None
    op, modifier = str(expr.op), expr.modifier
    if op == "/":
        matching = f" {modifier.matching}" if modifier is not None and modifier.matching is not None else ""
        spelt = f" {modifier}" if modifier is not None else ""
        numerator, denominator = _operand(expr.lhs), _operand(expr.rhs)
        return f"({numerator} or{matching} 0 * {denominator}) /{spelt} {denominator}"
    # `1 - ratio`, `100 * ratio`: arithmetic with a number keeps the ratio's meaning.
    if op in ("+", "-", "*") and (modifier is None or not modifier.return_bool):
        lhs, rhs = expr.lhs, expr.rhs
        if isinstance(lhs, pp.NumberLiteral) or isinstance(rhs, pp.NumberLiteral):
            number_first = isinstance(lhs, pp.NumberLiteral)
            inner = _fill_numerator(rhs if number_first else lhs)
            if inner is None:
                return None
            number = (lhs if number_first else rhs).prettify()
            return f"{number} {op} {inner}" if number_first else f"{inner} {op} {number}"
    return None


def _operand(expr: pp.Expr) -> str:
    """A side of a binary operator as text, in parentheses only where it is itself one."""
    while isinstance(expr, pp.ParenExpr):
        expr = expr.expr
    text = expr.prettify()
    return f"({text})" if isinstance(expr, pp.BinaryExpr) or "\n" in text else text


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
