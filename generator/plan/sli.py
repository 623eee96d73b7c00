"""SLI kinds -> PromQL for the 5m base rates of errors and of all events."""

from __future__ import annotations

import math
from dataclasses import dataclass

from slogen.plan.timeslices import TS_GOOD, slice_count
from slogen.spec.durations import parse_duration
from slogen.spec.model import SLI, threshold_seconds
from slogen.spec.promql import BASE, SLIError, check_histogram, names_text, parse_selector, user_query


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
    """PromQL for the per-second rates of errors and events over the 5m base window."""

    events: str
    errors: str


def base_rates(sli: SLI, grouping: tuple[str, ...], events_ref: str) -> BaseRates:
    """Build the base-rate expressions of an SLI.

    `events_ref` selects the events rate recorded just before the errors rule in the
    same group: errors fall back to zero where no error series exist yet (a 5xx
    counter appears only after the first 5xx), and a missing *good* series means
    every event was bad, so a misspelt good selector is loud, not silently perfect.
    """
    by = _by(grouping)
    on = _on(grouping)
    zero = f"0 * {events_ref}"
    if sli.ratio is not None:
        total = parse_selector(sli.ratio.total, "total")
        events = f"{by}(rate({total.render()}[{BASE}]))"
        if sli.ratio.errors is not None:
            bad = parse_selector(sli.ratio.errors, "errors")
            errors = f"{by}(rate({bad.render()}[{BASE}])) or {on} {zero}"
        else:
            good = parse_selector(sli.ratio.good or "", "good")
            errors = f"{events_ref} - {on} ({by}(rate({good.render()}[{BASE}])) or {on} {zero})"
        return BaseRates(events=events, errors=errors)
    if sli.latency is not None:
        hist = check_histogram(sli.latency.histogram)
        seconds = threshold_seconds(sli.latency.threshold)
        if not math.isfinite(seconds):
            raise SLIError("threshold", "threshold must be finite")
        events = f"{by}(rate({hist.render('_count')}[{BASE}]))"
        good = hist.render("_bucket", (le_matcher(seconds),))
        errors = f"{events_ref} - {on} ({by}(rate({good}[{BASE}])) or {on} {zero})"
        return BaseRates(events=events, errors=errors)
    if sli.bool_ is not None:
        # One event per sample of the gauge, a bad event per sample equal to 0, both per
        # second of the base window: weighted by samples (targets x scrapes), so windows
        # stay sums of events like every other kind, and 1 - good/total = the share of
        # time it was down.  count - sum counts the zeros of a 0/1 gauge.
        gauge = parse_selector(sli.bool_.metric, "metric").render()
        seconds = parse_duration(BASE)
        events = f"{by}(count_over_time({gauge}[{BASE}])) / {seconds}"
        errors = f"{by}(count_over_time({gauge}[{BASE}]) - sum_over_time({gauge}[{BASE}])) / {seconds}"
        return BaseRates(events=events, errors=errors)
    if sli.timeslices is not None:
        # The events are slices, judged by the SLO's own recorded good/bad series.
        good_ref = TS_GOOD + events_ref[events_ref.index("{") :]
        events, errors = slice_count(parse_duration(sli.timeslices.slice), good_ref, grouping, parse_duration(BASE))
        return BaseRates(events=events, errors=errors)
    assert sli.query is not None
    events = f"{by}({user_query(sli.query.total, 'total')})"
    errors = f"{by}({user_query(sli.query.errors, 'errors')}) or {on} {zero}"
    return BaseRates(events=events, errors=errors)

