"""SLI kinds -> PromQL for the 5m base rates of errors and of all events."""

from __future__ import annotations

import math
from dataclasses import dataclass

from slogen.plan.histogram_rates import auto_events_good, native_events_good
from slogen.plan.timeslices import TS_GOOD, slice_count
from slogen.plan.windows import FAST_WINDOW
from slogen.spec.durations import format_duration, parse_duration
from slogen.spec.model import SLI, threshold_seconds
from slogen.spec.promql import _WINDOW_VAR, BASE, SLIError, check_histogram, names_text, parse_selector, substitute_window, user_query


def le_matcher(threshold: float) -> tuple[str, str, str]:
    """`le` matcher for a bucket boundary in every text form exporters and Prometheus 3 use."""
    if float(threshold).is_integer():
        return ("le", "=~", f"{int(threshold)}(\\.0)?")
    forms: list[str] = []
    for text in (repr(float(threshold)), f"{threshold:f}".rstrip("0"), f"{threshold:g}"):
        if text not in forms:
            forms.append(text)
    if len(forms) == 1:
        return ("le", "=", forms[0])
    return ("le", "=~", "|".join(text.replace(".", "\\.").replace("+", "\\+") for text in forms))


def _by(grouping: tuple[str, ...]) -> str:
    return f"sum by ({names_text(grouping)}) " if grouping else "sum"


def _on(grouping: tuple[str, ...]) -> str:
    return f"on ({names_text(grouping)})"


@dataclass(frozen=True)
class BaseRates:
    """PromQL for the per-second rates of errors and events over the 5m base window, and the
    error ratio over the fast page window read straight from the counters ("" where the SLI
    cannot be read over another window: a query without `{{window}}`)."""

    events: str
    errors: str
    fast: str = ""




def base_rates(sli: SLI, grouping: tuple[str, ...], events_ref: str) -> BaseRates:
    """Build the base-rate expressions of an SLI, and its fast window's error ratio.

    `events_ref` selects the events rate recorded just before the errors rule in the
    same group: errors fall back to zero where no error series exist yet (a 5xx
    counter appears only after the first 5xx), and a missing *good* series means
    every event was bad, so a misspelt good selector is loud, not silently perfect.
    """
    selector = events_ref[events_ref.index("{") :]
    events, errors, _ = _rates(sli, grouping, events_ref, selector, BASE)
    fast = ""
    if sli.query is None or all(_WINDOW_VAR.search(q) for q in (sli.query.errors, sli.query.total)):
        # One rule, so the events expression stands in for the recorded events rate.
        window = format_duration(FAST_WINDOW)
        total = f"({_rates(sli, grouping, '', selector, window)[0]})"
        # Ungrouped, the fallback zero needs no labels: `vector(0)` spares a second read of
        # an hour of the raw total every 30s (divided by the total, it gives the same result).
        _, bad, good = _rates(sli, grouping, total, selector, window, "" if grouping else "vector(0)")
        on = _on(grouping)
        fast = f"1 - {good} / {on} {total}" if good else f"(\n  {bad}\n)\n/ {on}\n{total}"
    return BaseRates(events=events, errors=errors, fast=fast)


def leaf_rates(sli: SLI, grouping: tuple[str, ...], events_ref: str, window: int) -> tuple[str, str]:
    """(events, errors) per second over `window` read from the raw series, as a leaf of a split
    records them: `grouping` holds the cluster label, `events_ref` the leaf's events series."""
    selector = events_ref[events_ref.index("{") :]
    events, errors, _ = _rates(sli, grouping, events_ref, selector, format_duration(window))
    return events, errors


def _rates(sli: SLI, grouping: tuple[str, ...], events_ref: str, selector: str, window: str, zero: str = "") -> tuple[str, str, str]:
    """(events, errors, good or "") per second over `window`; `selector` picks the SLO's own recorded
    series; `zero` is what a missing error or good series reads as (0 * the events, by default)."""
    by = _by(grouping)
    on = _on(grouping)
    zero = zero or f"0 * {events_ref}"
    if sli.ratio is not None:
        total = parse_selector(sli.ratio.total, "total")
        events = f"{by}(rate({total.render()}[{window}]))"
        if sli.ratio.errors is not None:
            bad = parse_selector(sli.ratio.errors, "errors")
            return events, f"{by}(rate({bad.render()}[{window}])) or {on} {zero}", ""
        good = f"({by}(rate({parse_selector(sli.ratio.good or '', 'good').render()}[{window}])) or {on} {zero})"
        return events, f"{events_ref} - {on} {good}", good
    if sli.latency is not None:
        hist = check_histogram(sli.latency.histogram)
        seconds = threshold_seconds(sli.latency.threshold)
        if not math.isfinite(seconds):
            raise SLIError("threshold", "threshold must be finite")
        bucket = hist.render("_bucket", (le_matcher(seconds),))
        if sli.latency.format == "native":
            events, good = native_events_good(hist, seconds, by, window, on, events_ref)
        elif sli.latency.format == "auto":
            events, read = auto_events_good(hist, bucket, seconds, by, window)
            good = f"({read} or {on} {zero})"
        else:
            events = f"{by}(rate({hist.render('_count')}[{window}]))"
            good = f"({by}(rate({bucket}[{window}])) or {on} {zero})"
        return events, f"{events_ref} - {on} {good}", good
    if sli.bool_ is not None:
        # One event per sample of the gauge, a bad event per sample equal to 0, both per
        # second of the window: weighted by samples (targets x scrapes), so windows
        # stay sums of events like every other kind, and 1 - good/total = the share of
        # time it was down.  count - sum counts the zeros of a 0/1 gauge.
        gauge = parse_selector(sli.bool_.metric, "metric").render()
        seconds = parse_duration(window)
        events = f"{by}(count_over_time({gauge}[{window}])) / {seconds}"
        errors = f"{by}(count_over_time({gauge}[{window}]) - sum_over_time({gauge}[{window}])) / {seconds}"
        return events, errors, ""
    if sli.timeslices is not None:
        # The events are slices, judged by the SLO's own recorded good/bad series.
        return *slice_count(parse_duration(sli.timeslices.slice), TS_GOOD + selector, grouping, parse_duration(window)), ""
    assert sli.query is not None
    events = f"{by}({user_query(substitute_window(sli.query.total, window), 'total')})"
    errors = f"{by}({user_query(substitute_window(sli.query.errors, window), 'errors')}) or {on} {zero}"
    return events, errors, ""
