"""SLI selectors -> concrete counter series that promtool tests can feed: pure.

Each synthesized series is a counter whose per-second rate is a linear function of
the test's event rate R and error ratio r: ``R * (base + per_error * r)``.  A bad
series has (0, 1), a good one (1, -1), a total one (1, 0); histogram buckets sit
in between.  The scenario builder only has to pick R and r over time.
"""

from __future__ import annotations

import functools
import re
import re._parser as sre_parse  # the stdlib's regex parser: walked to build a matching example
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

import promql_parser as pp
from slogen.spec.re2_pattern import compiled, python_pattern
from slogen.plan.sli import le_matcher
from slogen.spec.model import NAME_VALIDATION, SLI, RatioSLI, threshold_seconds
from slogen.spec.numbers import fmt
from slogen.spec.promql import (
    Selector, SLIError, distinct_labels, fill_slots, parse_query, parse_selector, query_shape, selector_text, selectors_read,
)

Matcher = tuple[str, str, str]

# Values tried, in order, for labels that need a value (not) matching something.
# Realistic ones first, so synthesized series read like real ones.
_FALLBACK_VALUES = ("200", "OK", "success", "failure", "slogen-test", "x", "0", "1")


class SeriesError(ValueError):
    """No series can be synthesized for this SLI; `field` names the spec key at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class SyntheticSeries:
    """One input counter: rate = R * (base + per_error * r)."""

    metric: str
    labels: tuple[tuple[str, str], ...]
    base: float
    per_error: float
    # A native histogram with custom buckets (NHCB): its bounds as written, and each bucket's
    # (base, per_error) like a counter's; `base`/`per_error` are then its count's.
    bounds: tuple[str, ...] = ()
    buckets: tuple[tuple[float, float], ...] = ()

    def notation(self) -> str:
        """The series in promtool's `metric{label="value"}` notation."""
        return selector_text(self.metric, ((k, "=", v) for k, v in self.labels))

    def rate(self, events_per_second: float, error_ratio: float) -> float:
        """Per-second increase of this counter at a given traffic and error ratio."""
        return events_per_second * (self.base + self.per_error * error_ratio)


def _example(parsed: sre_parse.SubPattern | list) -> str:
    """A short string the parsed regex matches (verified by the caller)."""
    out: list[str] = []
    for op, arg in parsed:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "NOT_LITERAL":
            out.append("a" if chr(arg) != "a" else "b")
        elif name == "ANY":
            # Digits read naturally in status-code patterns such as 5..
            out.append("0")
        elif name == "IN":
            out.append(_class_example(arg))
        elif name == "BRANCH":
            out.append(_example(arg[1][0]))
        elif name == "SUBPATTERN":
            out.append(_example(arg[-1]))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, sub = arg
            out.append(_example(sub) * max(low, 0))
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue  # anchors and RE2's \b spelled as look-around: the caller checks the whole value
        elif name == "CATEGORY":
            out.append(_category_example(str(arg)))
        else:
            raise ValueError(f"unsupported regex construct {name}")
    return "".join(out)


def _category_example(category: str) -> str:
    if "NOT_DIGIT" in category:
        return "a"
    if "DIGIT" in category:
        return "0"
    if "NOT_SPACE" in category or "WORD" in category:
        return "a"
    if "SPACE" in category:
        return " "
    return "a"


def _in_class(c: str, items: list) -> bool:
    """Whether `c` is among a class's literals and ranges (its categories not looked at)."""
    for op, arg in items:
        if (str(op) == "LITERAL" and chr(arg) == c) or (str(op) == "RANGE" and arg[0] <= ord(c) <= arg[1]):
            return True
    return False


def _class_example(items: list) -> str:
    if items and str(items[0][0]) == "NEGATE":
        return next(c for c in "a0_xZ" if not _in_class(c, items[1:]))
    op, arg = items[0]
    if str(op) == "LITERAL":
        return chr(arg)
    if str(op) == "RANGE":
        # POSIX and Perl classes arrive spelled as ranges, a negated one from \x00: a readable member.
        first = chr(arg[0])
        return first if first.isprintable() else next((c for c in "a0_xZ-." if _in_class(c, items)), first)
    if str(op) == "CATEGORY":
        return _category_example(str(arg))
    raise ValueError(f"unsupported character class item {op}")


def regex_example(pattern: str) -> str | None:
    """A value that Prometheus' anchored regex `pattern` matches, checked with re.fullmatch."""
    candidates = []
    try:
        candidates.append(_example(sre_parse.parse(python_pattern(pattern))))
    except (ValueError, re.error, StopIteration, IndexError):
        pass
    candidates += _FALLBACK_VALUES
    for candidate in candidates:
        if label_matches(("", "=~", pattern), candidate) and candidate:
            return candidate
    return None


def label_matches(matcher: Matcher, value: str) -> bool:
    """Whether a label value satisfies one matcher (an absent label reads as "")."""
    _, op, expected = matcher
    if op == "=":
        return value == expected
    if op == "!=":
        return value != expected
    try:
        hit = compiled(expected).fullmatch(value) is not None
    except re.error:
        return False
    return hit if op == "=~" else not hit


def solve_label(label: str, matchers: list[Matcher], field: str) -> str:
    """A non-empty value for `label` that satisfies every matcher on it."""
    if not matchers:
        return "slogen-test"
    candidates: list[str] = []
    for _, op, value in matchers:
        if op == "=":
            candidates.append(value)
        elif op == "=~":
            example = regex_example(value)
            if example is not None:
                candidates.append(example)
    if not candidates:
        # Only negative matchers (handler!="/healthz"): a value that reads as made up.
        candidates.append("slogen-test")
    candidates += _FALLBACK_VALUES
    for candidate in candidates:
        if candidate and all(label_matches(m, candidate) for m in matchers):
            return candidate
    shown = ", ".join(f'{label}{op}"{value}"' for _, op, value in matchers)
    raise SeriesError(field, f"cannot synthesize a test value for label {label!r} that satisfies {shown}; simplify the matcher")


def _constraints(matchers: tuple[Matcher, ...]) -> dict[str, list[Matcher]]:
    out: dict[str, list[Matcher]] = {}
    for matcher in matchers:
        out.setdefault(matcher[0], []).append(matcher)
    return out


def solve_labels(matchers: tuple[Matcher, ...], grouping: tuple[str, ...], field: str) -> dict[str, str]:
    """Labels satisfying every matcher, plus a value for each grouping label."""
    constraints = _constraints(matchers)
    for label in grouping:
        constraints.setdefault(label, [])
    return {label: solve_label(label, found, field) for label, found in sorted(constraints.items())}


def _violating(labels: dict[str, str], outer: tuple[Matcher, ...], inner: tuple[Matcher, ...], field: str) -> dict[str, str]:
    """Labels matching `outer` but not `inner` (the good series beside a bad one, or vice versa)."""
    outer_by_label = _constraints(outer)
    # Prefer a label the outer selector leaves free, e.g. `code` beside total{job=...}.
    ordered = sorted(inner, key=lambda m: (m[0] in outer_by_label, m[0]))
    for matcher in ordered:
        label, op, value = matcher
        # A negative matcher is violated by what it excludes: code!~"5.." by code="500".
        excluded = (value,) if op == "!=" else (regex_example(value) or "",) if op == "!~" else ()
        for candidate in excluded + _FALLBACK_VALUES:
            if candidate and not label_matches(matcher, candidate) and all(label_matches(m, candidate) for m in outer_by_label.get(label, [])):
                return {**labels, label: candidate}
    raise SeriesError(field, "cannot synthesize a series counted in `total` but not in this selector; the two select the same series")


def _named(selector: Selector, field: str) -> str:
    if not selector.name:
        raise SeriesError(field, "tests need a metric name in this selector")
    return selector.name


def ratio_series(ratio: RatioSLI, grouping: tuple[str, ...], prefix: str = "") -> tuple[SyntheticSeries, ...]:
    """Counters for a ratio SLI (or a query SLI's `test` block): errors or good, and total."""
    total = parse_selector(ratio.total, "total")
    part_field = "errors" if ratio.errors is not None else "good"
    part = parse_selector(ratio.errors or ratio.good or "", part_field)
    total_name = _named(total, prefix + "total")
    part_name = _named(part, prefix + part_field)
    # The bad share of traffic: errors are bad; without `good`, the rest is bad.
    base, per_error = (0.0, 1.0) if part_field == "errors" else (1.0, -1.0)
    if part_name != total_name:
        return (
            SyntheticSeries(total_name, tuple(solve_labels(total.matchers, grouping, prefix + "total").items()), 1.0, 0.0),
            SyntheticSeries(part_name, tuple(solve_labels(part.matchers, grouping, prefix + part_field).items()), base, per_error),
        )
    # One metric: `total` sums a series the part selector picks and one it does not.
    inside = solve_labels(total.matchers + part.matchers, grouping, prefix + part_field)
    outside = _violating(inside, total.matchers, part.matchers, prefix + part_field)
    return (
        SyntheticSeries(part_name, tuple(sorted(inside.items())), base, per_error),
        SyntheticSeries(part_name, tuple(sorted(outside.items())), 1.0 - base, -per_error),
    )


def le_text(seconds: float) -> str:
    """A bucket bound as Go's exporters print it: `0.3`, `2`, `+Inf`."""
    return fmt(Decimal(repr(float(seconds))))


def histogram_series(histogram: str, threshold: float | str, grouping: tuple[str, ...]) -> tuple[SyntheticSeries, ...]:
    """A classic histogram: buckets below, at and above the threshold, +Inf, and _count."""
    selector = parse_selector(histogram, "histogram")
    name = _named(selector, "histogram")
    labels = solve_labels(selector.matchers, grouping, "histogram")
    seconds = threshold_seconds(threshold)
    at = solve_label("le", [le_matcher(seconds)], "threshold")
    # Good events (share 1 - r) fall at or below the threshold, half of them in the lower
    # bucket; half of the bad ones fall in the bucket above it, so counts stay cumulative.
    buckets = ((le_text(seconds / 2), 0.5, -0.5), (at, 1.0, -1.0), (le_text(seconds * 2), 1.0, -0.5), ("+Inf", 1.0, 0.0))
    out = [
        SyntheticSeries(f"{name}_bucket", tuple(sorted({**labels, "le": le}.items())), base, per_error)
        for le, base, per_error in buckets
    ]
    out.append(SyntheticSeries(f"{name}_count", tuple(sorted(labels.items())), 1.0, 0.0))
    return tuple(out)


def native_histogram_series(histogram: str, threshold: float | str, grouping: tuple[str, ...]) -> tuple[SyntheticSeries, ...]:
    """A native histogram with custom buckets at half, one and two thresholds: the classic
    series' buckets in one series, so the threshold is a boundary and the good share exact."""
    selector = parse_selector(histogram, "histogram")
    name = _named(selector, "histogram")
    labels = solve_labels(selector.matchers, grouping, "histogram")
    seconds = threshold_seconds(threshold)
    bounds = tuple(le_text(b) for b in (seconds / 2, seconds, seconds * 2))
    # Per bucket, not cumulative: good events split below and at the threshold, bad ones above.
    buckets = ((0.5, -0.5), (0.5, -0.5), (0.0, 0.5), (0.0, 0.5))
    return (SyntheticSeries(name, tuple(sorted(labels.items())), 1.0, 0.0, bounds, buckets),)


def _summed_rate_selector(query: str) -> str | None:
    """The selector of `sum [by (...)] (rate(SELECTOR[{{window}}]))`, the commonest query shape.

    Read from the query's shape (promql.query_shape), parsed once for the SLOs whose
    queries differ only in matcher values, where those are written back as they print."""
    shaped = query_shape(query)
    if shaped is not None:
        slotted, values = shaped
        found = _summed_rate_part(slotted)
        if found is None:
            return None  # not that shape, whatever the values
        filled = fill_slots(found[0], values) if found[1] else None
        if filled is not None:
            return filled
    found = _summed_rate_part(query)
    return found[0] if found is not None else None


@functools.lru_cache(maxsize=1 << 10)
def _summed_rate_part(query: str) -> tuple[str, bool] | None:
    """The printed selector of a summed-rate query, and whether its values print in their own
    places (promql.distinct_labels); None when the query is no summed rate."""
    try:
        expr = parse_query(query, "query")
    except SLIError:
        return None
    if not (isinstance(expr, pp.AggregateExpr) and str(expr.op) == "sum"):
        return None
    inner = expr.expr
    if not (isinstance(inner, pp.Call) and inner.func.name in ("rate", "increase") and len(inner.args) == 1):
        return None
    matrix = inner.args[0]
    if not isinstance(matrix, pp.MatrixSelector) or matrix.vector_selector.offset is not None:
        return None
    return matrix.vector_selector.prettify(), distinct_labels(matrix.vector_selector)


def inferred_counters(errors: str, total: str) -> RatioSLI | None:
    """Counters to drive a query SLI when both queries are plain summed rates of counters
    (Sloth's usual `events` shape); otherwise the author must name them in `test`."""
    bad, every = _summed_rate_selector(errors), _summed_rate_selector(total)
    if bad is None or every is None:
        return None
    # Their names were checked with the queries they come from (a legacy run refused UTF-8 ones there).
    return RatioSLI.model_validate({"errors": bad, "total": every}, context={NAME_VALIDATION: "utf8"})


def sli_series(sli: SLI, grouping: tuple[str, ...]) -> tuple[SyntheticSeries, ...] | None:
    """Input counters driving an SLI, or None for a query SLI without a `test` block."""
    try:
        if sli.ratio is not None:
            return ratio_series(sli.ratio, grouping)
        if sli.latency is not None:
            # `auto` is driven as the classic histogram it starts from, so every promtool runs it;
            # tests/emit/rules/test_native_histograms.py drives its switch to native.
            make = native_histogram_series if sli.latency.format == "native" else histogram_series
            return make(sli.latency.histogram, sli.latency.threshold, grouping)
        if sli.bool_ is not None:
            # A 0/1 gauge gives an error ratio of (down series) / (all series) per sample, so an
            # exact burn such as 1.1 x 1.44% would need hundreds of synthetic targets.
            raise SLIError("metric", "a 0/1 gauge cannot be driven at an exact burn rate in a promtool test")
        if sli.timeslices is not None:
            # Slices are good or bad as a whole: tests/emit/rules/test_calendar_rules.py drives them.
            raise SLIError("timeslices", "a timeslice SLI's error ratio moves by whole slices, not at an exact burn rate")
        if sli.composite is not None:
            # Its inputs are other SLOs' recorded series, in other files: its tests drive its members'
            # counters once every service has compiled (composite_tests.py).
            raise SLIError("of", "a composite reads its members' recorded base rates, not counters of its own")
        assert sli.query is not None
        if sli.query.test is not None:
            return ratio_series(sli.query.test, grouping, prefix="test.")
        inferred = inferred_counters(sli.query.errors, sli.query.total)
        if inferred is None:
            return None
        return ratio_series(inferred, grouping)
    except SLIError as err:
        raise SeriesError(err.field, str(err)) from None


def ratio_selectors(ratio: RatioSLI) -> tuple[Selector, ...]:
    """The selectors a ratio's rules read."""
    return tuple(parse_selector(t, "") for t in (ratio.errors, ratio.good, ratio.total) if t)


def histogram_selectors(histogram: str) -> tuple[Selector, ...]:
    """The selectors a classic histogram's rules read: its buckets and count."""
    base = parse_selector(histogram, "")
    return tuple(Selector(f"{base.name}{suffix}", base.matchers) for suffix in ("_bucket", "_count"))


def sli_selectors(sli: SLI) -> tuple[Selector, ...]:
    """The selectors of input series an SLI's rules read (empty when unknown).

    From the spec's own selectors, parsed once per shape (promql.parse_selector), so a
    large tree pays no full parse per SLO; free-form queries are parsed.
    """
    try:
        if sli.ratio is not None:
            return ratio_selectors(sli.ratio)
        if sli.latency is not None:
            native = (parse_selector(sli.latency.histogram, ""),)
            classic = histogram_selectors(sli.latency.histogram)
            return {"classic": classic, "native": native, "auto": classic + native}[sli.latency.format]
        if sli.timeslices is not None:
            ts = sli.timeslices
            inner = ts.ratio_of or (ts.good_when.ratio if ts.good_when else None)
            if inner is not None:
                return ratio_selectors(inner)
            if ts.good_when is not None and ts.good_when.latency is not None:
                return histogram_selectors(ts.good_when.latency.histogram)
            return ()
        if sli.query is not None:
            return selectors_read(sli.query.errors) + selectors_read(sli.query.total)
    except SLIError:
        return ()
    return ()


def fmt_float(value: float) -> str:
    """A float as short, exact-enough PromQL text."""
    return f"{value:.12g}"


def exact_text(value: float) -> str:
    """A float as text that reads back as the same float: `12`, `7.949999999999999`."""
    return str(int(value)) if value.is_integer() else repr(value)


def merged_runs(runs: Iterable[tuple[float, int]]) -> list[tuple[float, int]]:
    """(increment, steps) runs of a counter with equal neighbours merged."""
    out: list[tuple[float, int]] = []
    for inc, steps in runs:
        if out and out[-1][0] == inc:
            out[-1] = (inc, out[-1][1] + steps)
        else:
            out.append((inc, steps))
    return out


def counter_text(runs: Iterable[tuple[float, int]], step_text: Callable[[float], str] = fmt_float) -> str:
    """promtool's expanding notation for a counter from 0 growing by `inc` per input step for
    `steps` steps, run after run (merged_runs)."""
    parts, value = ["0"], 0.0
    for inc, run in runs:
        # Each run starts exactly where promtool's float expansion of the previous one ended
        # (never a hair below it): a counter that dips by 1e-12 reads as a reset.
        first_text = exact_text(value + inc)
        step = step_text(inc)
        parts.append(f"{first_text}+{step}x{run - 1}" if run > 1 else first_text)
        value = expanded_last(float(first_text), float(step), run - 1)
    return " ".join(parts)


@functools.lru_cache(maxsize=1 << 14)
def expanded_last(first: float, step: float, times: int) -> float:
    """The largest value promtool may give the last element of `first+stepxtimes`
    (it has both accumulated and multiplied the step across versions)."""
    accumulated = first
    for _ in range(times):
        accumulated += step
    return max(accumulated, first + step * times)
